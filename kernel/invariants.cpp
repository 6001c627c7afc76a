#include "kernel/invariants.h"

#include "kernel/mm.h"
#include "sim/panic.h"

#include <fmt/format.h>

namespace kernel {

const std::array<InvariantInfo, invariant_count>& invariant_table() {
    static const std::array<InvariantInfo, invariant_count> table{{
        {Invariant::single_current, "single_current",
         "every CPU has one current task and a task is current on at most one CPU: "
         "context_switch switches only to a task whose on_cpu is clear (the CPU it last ran on "
         "has passed finish_task), which is this runqueue's rq->curr and has task_cpu == this "
         "CPU; once the switch is finished, current is rq->curr",
         "kernel/sched/core.c: prepare_task() sets next->on_cpu, finish_task() clears prev's "
         "(\"After p->on_cpu is cleared, the task can be moved to a different CPU\"), "
         "try_to_wake_up() waits with smp_cond_load_acquire(&p->on_cpu, !VAL); __schedule() "
         "stores rq->curr before context_switch(); __switch_to() writes current_task",
         "sched: context_switch (before next->on_cpu is set), switch_to (at the current_task "
         "write), finish_task_switch"},
        {Invariant::runqueue_membership, "runqueue_membership",
         "a task is queued on at most one runqueue, at most once, and never while it is that "
         "runqueue's curr: it is enqueued only when it is not on_rq, on the runqueue of "
         "task_cpu, and a task picked to run is on_rq, on this runqueue and not dead",
         "kernel/sched/core.c: activate_task() sets p->on_rq = TASK_ON_RQ_QUEUED; "
         "try_to_wake_up() leaves a task that is still on_rq to ttwu_runnable(); __schedule() "
         "deactivates a blocking prev, put_prev_task() requeues a running one, pick_next_task() "
         "takes next off the queue",
         "sched: enqueue (wakeups, new tasks, migrations), __schedule (requeue of prev, pick of "
         "next); every runqueue at the end of the run"},
        {Invariant::mm_refcounts, "mm_refcounts",
         "mm_users and mm_count never go below zero, and mm_count is at least 1 while "
         "mm_users > 0 (all users share one mm_count reference, dropped by __mmput): every "
         "mmput/mmdrop matches an earlier mmget/mmgrab",
         "include/linux/sched/mm.h: mmgrab()/mmdrop(), mmget()/mmput(); kernel/fork.c: "
         "mm_init() starts both counts at 1, mmput() -> __mmput() -> mmdrop()",
         "sched: mmdrop, mmput, finish_task_switch's barrier-free drop; every mm at the end of "
         "the run"},
        {Invariant::mm_tlb_gen_monotonic, "mm_tlb_gen_monotonic",
         "an mm's context.tlb_gen only grows, by one per inc_mm_tlb_gen(), and a flush request's "
         "new_tlb_gen never exceeds the mm's current tlb_gen",
         "arch/x86/include/asm/tlbflush.h: inc_mm_tlb_gen() is atomic64_inc_return(); "
         "arch/x86/mm/tlb.c flush_tlb_func_common(): WARN_ON_ONCE(f->new_tlb_gen > mm_tlb_gen)",
         "arch_x86: flush_tlb_mm_range, flush_tlb_func_common"},
        {Invariant::asid_tlb_gen_monotonic, "asid_tlb_gen_monotonic",
         "a CPU's cpu_tlbstate.ctxs[asid].tlb_gen never decreases while the slot holds the same "
         "mm (ctx_id); a slot that choose_new_asid() hands to another mm takes that mm's "
         "tlb_gen, which may be lower",
         "arch/x86/mm/tlb.c: only switch_mm_irqs_off() (need_flush: ctxs[new_asid] = {ctx_id, "
         "next_tlb_gen}) and flush_tlb_func_common() (\"Both paths above update our state to "
         "mm_tlb_gen\"; \"we've always done all needed flushes to catch up to local_tlb_gen\") "
         "write it",
         "arch_x86: every write of an ASID slot (switch_mm_irqs_off, flush_tlb_func_common)"},
        {Invariant::tlb_gen_not_ahead, "tlb_gen_not_ahead",
         "a CPU's tlb_gen for an mm (ctxs[asid].tlb_gen of the slot holding its ctx_id) never "
         "exceeds the mm's context.tlb_gen",
         "arch/x86/mm/tlb.c flush_tlb_func_common(): WARN_ON_ONCE(local_tlb_gen > mm_tlb_gen)",
         "arch_x86: every write of an ASID slot, switch_mm_irqs_off's lazy generation check, "
         "flush_tlb_func_common; every CPU's slots at the end of the run"},
        {Invariant::loaded_mm_consistent, "loaded_mm_consistent",
         "the loaded ASID's slot holds the loaded mm (ctxs[loaded_mm_asid].ctx_id == "
         "loaded_mm->context.ctx_id), and a CPU with an mm other than init_mm loaded is in that "
         "mm's mm_cpumask",
         "arch/x86/mm/tlb.c switch_mm_irqs_off(): VM_WARN_ON(ctxs[prev_asid].ctx_id != "
         "next->context.ctx_id), WARN_ON_ONCE(real_prev != &init_mm && !cpumask_test_cpu(cpu, "
         "mm_cpumask(next))) when staying, VM_WARN_ON_ONCE(!cpumask_test_cpu(cpu, "
         "mm_cpumask(real_prev))) when leaving; flush_tlb_func_common(): "
         "VM_WARN_ON(ctxs[loaded_mm_asid].ctx_id != loaded_mm->context.ctx_id)",
         "arch_x86: switch_mm_irqs_off (entry and return), flush_tlb_func_common; every CPU at "
         "the end of the run"},
        {Invariant::lazy_mm_referenced, "lazy_mm_referenced",
         "a lazy CPU's loaded mm (other than init_mm) is the active_mm of the task running "
         "there, which holds an mm_count reference on it: the mm is not freed and its mm_count "
         "is at least 1 (in the middle of a switch the reference may be the outgoing or the "
         "incoming task's)",
         "kernel/sched/core.c context_switch(): \"user -> kernel lazy + mmgrab() active\", "
         "\"kernel -> kernel lazy + transfer active\", the kernel -> user mmdrop in "
         "finish_task_switch(); kernel/exit.c exit_mm(): mmgrab() before enter_lazy_tlb(); "
         "kernel/kthread.c kthread_unuse_mm() keeps active_mm; x86 does not select "
         "MMU_LAZY_TLB_SHOOTDOWN, so this holds in mainline too",
         "arch_x86: enter_lazy_tlb; sched: finish_task_switch; every lazy CPU at the end of the "
         "run"},
        {Invariant::switch_mm_irqs_disabled, "switch_mm_irqs_disabled",
         "switch_mm_irqs_off() runs with IRQs disabled from entry to return, and so does "
         "flush_tlb_func_common(); flush_tlb_mm_range() is entered with IRQs enabled when it "
         "flushes the local CPU",
         "arch/x86/mm/tlb.c: switch_mm_irqs_off() WARN_ON_ONCE(!irqs_disabled()) (\"We don't "
         "want flush_tlb_func_* to run concurrently with us\"); flush_tlb_func_common() "
         "VM_WARN_ON(!irqs_disabled()) (\"cannot presently handle being reentered\"); "
         "flush_tlb_mm_range() lockdep_assert_irqs_enabled() before flush_tlb_func_local()",
         "arch_x86: switch_mm_irqs_off (entry and return), flush_tlb_func_common, "
         "flush_tlb_mm_range"},
    }};
    return table;
}

const InvariantInfo& invariant_info(Invariant inv) {
    return invariant_table()[static_cast<std::size_t>(inv)];
}

std::string invariant_message(Invariant inv, const std::string& what) {
    const InvariantInfo& info = invariant_info(inv);
    return fmt::format("invariant {} violated: {}\n  rule: {}\n  kernel: {}", info.name, what,
                       info.rule, info.source);
}

void invariant_violated(Invariant inv, const std::string& what, const std::source_location& where) {
    sim::panic(invariant_message(inv, what), where.file_name(), static_cast<int>(where.line()));
}

InvariantFailure check_mm_refcounts(const Mm& mm) {
    if (mm.mm_users < 0 || mm.mm_count < 0) {
        return fmt::format("mm {} has mm_users {} and mm_count {}: a put without a matching get",
                           mm.name, mm.mm_users, mm.mm_count);
    }
    if (mm.mm_users > 0 && mm.mm_count < 1) {
        return fmt::format("mm {} has {} user(s) but mm_count {}: the users' shared reference is "
                           "gone",
                           mm.name, mm.mm_users, mm.mm_count);
    }
    return std::nullopt;
}

} // namespace kernel
