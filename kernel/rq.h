#pragma once
// struct rq, the fields tlbsim models (kernel/sched/sched.h, v5.10.13), with the FIFO run list of
// docs/scenario-format.md's scheduling model.

#include <cstdint>
#include <deque>

namespace kernel {

struct Task;
struct Mm;

struct Rq {
    int cpu = 0;
    Task* curr =
        nullptr; ///< rq->curr: stored in __schedule after the rq lock, before context_switch
    Task* idle = nullptr;  ///< rq->idle
    Mm* prev_mm = nullptr; ///< set for kernel->user switches, consumed by finish_task_switch
    std::uint32_t membarrier_state = 0;
    std::deque<Task*> runnable; ///< FIFO of runnable tasks other than curr
    bool need_resched = false;  ///< TIF_NEED_RESCHED of curr
    bool online = true;
};

} // namespace kernel
