#pragma once
// kernel/sched/membarrier.c (v5.10.13): the membarrier() system call.

#include "sched/scheduler.h"

namespace membarrier {

class Membarrier : public sched::SyscallHooks {
public:
    explicit Membarrier(sched::Scheduler& s);
    std::int64_t membarrier(int cpu, std::int64_t cmd, std::int64_t flags,
                            std::int64_t cpu_id) override;

private:
    sched::Scheduler& s_;
};

} // namespace membarrier
