#pragma once
// The scheduler's invariants of kernel/invariants.h (kernel/sched/core.c, v5.10.13): pure checks
// on tasks and runqueues, called by scheduler.cpp where they change, and the scan of the whole
// machine at the end of a run. Each returns what is wrong, or nothing.

#include "arch_x86/x86_cpu.h"
#include "kernel/invariants.h"
#include "kernel/kernel_state.h"

#include <optional>
#include <vector>

namespace sched {

// single_current

/// context_switch(), before prepare_task() sets next->on_cpu: no CPU runs `next` any more.
kernel::InvariantFailure check_switch_target(int cpu, const kernel::Task& next);
/// __switch_to()'s current_task write on `cpu`: next is this runqueue's curr, on this CPU.
kernel::InvariantFailure check_new_current(int cpu, const kernel::Task& next, const kernel::Rq& rq);
/// finish_task_switch(): the switch is over, so current (`x`) is rq->curr again.
kernel::InvariantFailure check_switch_finished(const arch_x86::X86Cpu& x, const kernel::Rq& rq);

// runqueue_membership

/// activate_task(): `p` goes onto `rq`'s queue; it must not be queued (on_rq) or dead.
kernel::InvariantFailure check_enqueue(const kernel::Task& p, const kernel::Rq& rq);
/// put_prev_task(): the running `prev` goes back onto its queue: it is rq->curr and on_rq.
kernel::InvariantFailure check_requeue_prev(const kernel::Task& prev, const kernel::Rq& rq);
/// pick_next_task(): `next`, just taken off `rq`'s queue, was queued there and is not curr.
kernel::InvariantFailure check_pick(const kernel::Task& next, const kernel::Rq& rq);

/// The scan of every runqueue, CPU and mm at the end of a run (O(tasks + CPUs + mms)), which holds
/// wherever the other CPUs stopped (in the middle of a switch too): each CPU has a current task
/// with on_cpu set and no task is current twice (single_current); every queued task is queued
/// once, on_rq, on its task_cpu's queue, not curr and not dead (runqueue_membership); every mm's
/// counts (mm_refcounts); every CPU's cpu_tlbstate (arch_x86::check_cpu_tlb_state).
std::optional<kernel::InvariantViolation>
check_machine_state(const kernel::KernelState& ks, const std::vector<arch_x86::X86Cpu>& cpus);

} // namespace sched
