#pragma once
// kernel/sched/membarrier.c (v5.10.13): the membarrier() system call -- argument checks in the
// kernel's order, the registrations with their rq->membarrier_state refresh and RCU grace period,
// the expedited commands with their per-CPU reads of rq->curr, IPIs and barriers, and the IPI
// handlers (ipi_mb, ipi_sync_core, ipi_rseq, ipi_sync_rq_state).

#include "arch_x86/x86_cpu.h"
#include "sched/scheduler.h"

#include <cstdint>
#include <deque>
#include <optional>

namespace membarrier {

/// enum membarrier_cmd (include/uapi/linux/membarrier.h).
enum Cmd : std::int32_t {
    MEMBARRIER_CMD_QUERY = 0,
    MEMBARRIER_CMD_GLOBAL = 1 << 0,
    MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1,
    MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6,
    MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 1 << 7,
    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8,
    MEMBARRIER_CMD_GET_REGISTRATIONS = 1 << 9,
};
inline constexpr std::uint32_t MEMBARRIER_CMD_FLAG_CPU = 1U << 0;

/// MEMBARRIER_FLAG_SYNC_CORE / MEMBARRIER_FLAG_RSEQ (kernel/sched/membarrier.c).
enum Flag : int { MEMBARRIER_FLAG_SYNC_CORE = 1 << 0, MEMBARRIER_FLAG_RSEQ = 1 << 1 };

class Membarrier : public sched::SyscallHooks {
public:
    explicit Membarrier(sched::Scheduler& s);
    std::int64_t membarrier(int cpu, std::int64_t cmd, std::int64_t flags,
                            std::int64_t cpu_id) override;

private:
    std::int64_t dispatch(int cpu, std::int32_t cmd, std::uint32_t flags, std::int32_t cpu_id);
    std::int64_t check_arguments(std::int32_t cmd, std::uint32_t flags) const;
    std::int64_t query() const;
    std::int64_t global(int cpu);
    std::int64_t private_expedited(int cpu, int flags, std::int32_t cpu_id);
    std::optional<arch_x86::CsdFunc> private_expedited_ipi(const kernel::Mm& mm, int flags) const;
    bool private_expedited_shortcut(const kernel::Mm& mm, int flags) const;
    bool runs_mm(int cpu, int c, const kernel::Mm& mm);
    /// What a scan read for CPU c: rq->curr and its ->mm, as `cpu` sees them (memory under TSO).
    struct CurrRead {
        const kernel::Task* task;
        const kernel::Mm* mm;
    };
    CurrRead read_curr(int cpu, int c);
    void private_expedited_ipis(int cpu, const kernel::Mm& mm, int flags,
                                const arch_x86::SmpCall& call);
    std::int64_t global_expedited(int cpu);
    std::int64_t register_private_expedited(int cpu, int flags);
    std::int64_t register_global_expedited(int cpu);
    std::int64_t get_registrations(int cpu);
    void sync_runqueues_membarrier_state(int cpu, kernel::Mm* mm);
    void atomic_or(int cpu, kernel::Mm* mm, std::uint32_t bits);
    int num_online_cpus() const;
    void ipi_mutex_lock(int cpu);
    void mutex_optimistic_spin(int cpu);
    void ipi_mutex_unlock(int cpu);

    sched::Scheduler& s_;
    std::int64_t next_call_id_ = 0;
    /// membarrier_ipi_mutex (SERIALIZE_IPI()): its owner's CPU (-1: unlocked) and the CPUs
    /// spinning for it, in the order of their osq_lock (the MCS queue's).
    struct IpiMutex {
        int owner = -1;
        std::deque<int> spinners;
    };
    IpiMutex ipi_mutex_;
};

} // namespace membarrier
