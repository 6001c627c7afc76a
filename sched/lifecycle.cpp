#include "sched/lifecycle.h"

#include "arch_x86/kernel_memory.h"
#include "arch_x86/smp.h"
#include "arch_x86/tlb.h"
#include "kernel/invariants.h"
#include "kernel/record_kinds.h"
#include "sched/scheduler.h"
#include "sim/panic.h"

#include <vector>

namespace sched {

using arch_x86::KFrame;
using kernel::AtomicOp;
using kernel::Cost;
using kernel::Fn;
using kernel::Mm;
using kernel::Task;
using kernel::TaskState;

namespace {

void store_task_mm(Scheduler& s, int cpu, Task& t, Mm* mm) {
    const int old = t.mm != nullptr ? t.mm->id : -1;
    arch_x86::store_task_mm(s.m, cpu, t, mm); // through the store buffer under x86-TSO
    const bool new_mm_sync_core =
        mm != nullptr &&
        (mm->membarrier_state & kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE);
    s.m.emit(cpu, kernel::rec::task_mm_store(mm != nullptr ? mm->id : -1, old, new_mm_sync_core));
}

} // namespace

void exit_mm(Scheduler& s, int cpu, Task& t, const Unmapping& unmapping) {
    KFrame frame(s.m, cpu, Fn::exit_mm);
    Mm* mm = t.mm;
    if (mm == nullptr) {
        return;
    }
    // mmap_read_lock -> mmgrab -> task_lock -> mm = NULL -> mmap_read_unlock -> enter_lazy_tlb
    // -> task_unlock -> mmput (docs/kernel-notes.md §5.1).
    s.m.atomic(cpu, AtomicOp::mmap_read_lock, mm);
    s.mmgrab(cpu, mm);
    s.m.atomic(cpu, AtomicOp::task_lock);
    store_task_mm(s, cpu, t, nullptr);
    if (s.m.knobs.membarrier_update_current_mm) {
        s.m.set_rq_membarrier_state(cpu, nullptr);
    }
    s.m.atomic(cpu, AtomicOp::mmap_read_unlock, mm);
    arch_x86::enter_lazy_tlb(s.m, cpu, mm);
    s.m.step(cpu, Cost::exit_mm);
    mmput(s, cpu, mm, unmapping);
}

void mmput(Scheduler& s, int cpu, Mm* mm, const Unmapping& unmapping) {
    KFrame frame(s.m, cpu, Fn::mmput);
    // atomic_dec_and_test(): the value this CPU's decrement produced decides, not a later read.
    const std::int64_t users = --mm->mm_users;
    kernel::enforce(kernel::Invariant::mm_refcounts, kernel::check_mm_refcounts(*mm));
    s.m.atomic(cpu, AtomicOp::mmput, mm, users);
    if (users > 0) {
        return;
    }
    mm->users_gone = true; // mmget_not_zero() fails from here on
    // __mmput() -> exit_mmap(): unmap everything, then tlb_finish_mmu() flushes the whole mm
    // with freed_tables: the exiting CPU (lazy on mm) switches to init_mm, and every other CPU
    // still lazily on it gets the IPI and does the same. Unmapping a large address space takes
    // long and is preemptible: a task switched out and in again meanwhile runs lazily on
    // another mm, and the flush then writes no CR3 on its CPU.
    {
        KFrame mmap_frame(s.m, cpu, Fn::exit_mmap);
        if (unmapping) {
            cpu = unmapping();
        } else {
            s.m.step(cpu, Cost::exit_mmap);
        }
        KFrame finish(s.m, cpu, Fn::tlb_finish_mmu);
        arch_x86::flush_tlb_mm_range(s.m, cpu, mm, /*pages=*/0, /*freed_tables=*/true);
        mm->torn_down = true;
    }
    s.mmdrop(cpu, mm); // the reference all mm_users held together
}

void do_exit(Scheduler& s, Task& t, const ExitTiming& timing) {
    {
        KFrame frame(s.m, t.cpu, Fn::do_exit);
        if (t.kthread && t.mm != nullptr) {
            s.fail_run(t.cpu, "kthread {} exits while still using the mm of {} (add unuse_mm)",
                       t.name, t.mm->name);
        }
        exit_mm(s, t.cpu, t, timing.unmapping);
        if (timing.after_exit_mm) {
            timing.after_exit_mm(); // may be preempted and resumed on another CPU
        }
    }
    const int cpu = t.cpu;
    --s.m.ks.live_tasks;
    // exit_notify() -> release_task() -> __exit_signal(): a de_thread() waiting for this sibling.
    t.released = true;
    if (Task* waiter = t.exec_waiter; waiter != nullptr && --waiter->notify_count == 0) {
        s.try_to_wake_up(cpu, waiter);
    }
    // do_task_dead(): set_special_state(TASK_DEAD) under pi_lock, then the last __schedule.
    KFrame frame(s.m, cpu, Fn::do_task_dead);
    s.m.atomic(cpu, AtomicOp::pi_lock);
    t.state = TaskState::dead;
    t.on_rq = false;
    const bool returned = s.__schedule(cpu, /*preempt=*/false);
    SIM_ASSERT(!returned, "dead task {} was scheduled again", t.name);
}

namespace {

/// kick_process() (v5.10.13 kernel/sched/core.c): a reschedule IPI to the CPU `u` is current on,
/// if that is another CPU (task_curr: rq->curr == u). It sets no NEED_RESCHED: the IPI only
/// makes the target pass its exit work, where it finds TIF_SIGPENDING. task_curr() reads the
/// other CPU's rq->curr with no lock (only preempt_disable), so under x86-TSO it may miss a
/// store still in that CPU's buffer (arch_x86::read_rq_curr), as membarrier's scan may.
void kick_process(Scheduler& s, int cpu, const Task& u) {
    KFrame frame(s.m, cpu, Fn::kick_process);
    if (u.cpu != cpu && arch_x86::read_rq_curr(s.m, cpu, u.cpu).task == &u) {
        arch_x86::smp_send_reschedule(s.m, cpu, sim::CpuId{u.cpu});
    }
}

/// The other threads of t's process still in its thread group.
std::vector<Task*> other_threads(Scheduler& s, const Task& t) {
    std::vector<Task*> out;
    if (t.exec_process >= 0) {
        return out; // a CLONE_VM child without CLONE_THREAD leads a thread group of its own
    }
    for (const auto& u : s.m.ks.tasks) {
        if (u.get() != &t && !u->kthread && u->exec_process < 0 && u->process_mm == t.process_mm &&
            !u->released && u->state != TaskState::dead && u->state != TaskState::new_task) {
            out.push_back(u.get());
        }
    }
    return out;
}

/// de_thread() (v5.10.13 fs/exec.c): SIGKILL every other thread of the process and wait until
/// they have exited.
void de_thread(Scheduler& s, Task& t) {
    const int cpu = t.cpu;
    KFrame frame(s.m, cpu, Fn::de_thread);
    if (other_threads(s, t).empty()) {
        return; // thread_group_empty(), checked before the lock
    }
    // spin_lock_irq(&sighand->siglock). zap_other_threads() counts and signals the others under
    // it, and a sibling leaves the group (__exit_signal) under it too, so the count is exact:
    // tlbsim's locks do not exclude, so everything the lock protects happens at one instant.
    s.m.atomic(cpu, AtomicOp::siglock);
    std::vector<Task*> siblings = other_threads(s, t);
    t.notify_count = static_cast<int>(siblings.size());
    for (Task* u : siblings) {
        u->exiting = true;
        u->exec_waiter = &t;
    }
    for (Task* u : siblings) {
        // zap_other_threads() (kernel/signal.c): SIGKILL, then signal_wake_up_state():
        // TIF_SIGPENDING (set_bit), then wake_up_state(t, TASK_WAKEKILL | TASK_INTERRUPTIBLE):
        // try_to_wake_up() takes pi_lock for any task other than current, wakes an
        // interruptible (or killable) sleeper and returns 0 for any other state -- running, or
        // TASK_UNINTERRUPTIBLE -- and then kick_process().
        s.m.atomic(cpu, AtomicOp::set_tsk_thread_flag);
        if (u->state == TaskState::interruptible) {
            s.try_to_wake_up(cpu, u);
        } else {
            {
                KFrame ttwu(s.m, cpu, Fn::try_to_wake_up);
                s.m.atomic(cpu, AtomicOp::pi_lock); // !(p->state & state): unlock, return 0
            }
            kick_process(s, cpu, *u);
        }
    }
    siblings.clear();
    // Wait (TASK_KILLABLE) until the last of them passes __exit_signal(): spin_unlock_irq,
    // schedule(), and spin_lock_irq(siglock) again after every wakeup.
    while (t.notify_count > 0) {
        t.state = TaskState::interruptible;
        s.schedule(t.cpu);
        s.m.atomic(t.cpu, AtomicOp::siglock);
    }
}

/// exec_mmap(): switch to the new mm (IRQs back on before activate_mm on x86) and drop the old.
void exec_mmap(Scheduler& s, Task& t, Mm* mm) {
    const int cpu = t.cpu;
    KFrame frame(s.m, cpu, Fn::exec_mmap);
    Mm* old_mm = t.mm;
    s.m.atomic(cpu, AtomicOp::exec_update_lock);
    s.m.atomic(cpu, AtomicOp::mmap_read_lock, old_mm);
    s.m.atomic(cpu, AtomicOp::task_lock);
    // membarrier_exec_mmap(): smp_mb(), then the new mm and this CPU's rq start unregistered.
    // (Before v5.4, membarrier_execve() only cleared the mm's state: no barrier, no rq.)
    if (s.m.knobs.membarrier_rq_state) {
        s.m.smp_mb(cpu);
    }
    mm->membarrier_state = 0;
    if (s.m.knobs.membarrier_rq_state) {
        s.m.set_rq_membarrier_state(cpu, nullptr);
    }
    s.m.local_irq_disable(cpu);
    Mm* active_mm = t.active_mm;
    t.active_mm = mm;
    store_task_mm(s, cpu, t, mm);
    s.m.local_irq_enable(cpu);
    // activate_mm() -> switch_mm(active_mm, mm, NULL): a new ctx_id, so a fresh ASID and a flush.
    arch_x86::switch_mm(s.m, cpu, active_mm, mm, nullptr);
    s.m.atomic(cpu, AtomicOp::mmap_read_unlock, old_mm);
    mmput(s, cpu, old_mm);
}

} // namespace

void do_execve(Scheduler& s, Task& t) {
    KFrame frame(s.m, t.cpu, Fn::do_execve);
    s.m.step(t.cpu, Cost::exec);
    de_thread(s, t);
    Mm* old_mm = t.mm;
    // A vfork child's exec leaves its creator's mm to the creator: the new mm is its own
    // process's (Task::exec_process), whose first mm it is.
    const bool leaves_creator = t.exec_process >= 0;
    const int process = leaves_creator ? t.exec_process : old_mm->process;
    Mm* process_mm = s.m.ks.process_mm[static_cast<std::size_t>(process)];
    Mm& mm = s.m.ks.new_mm(process_mm->name, kernel::MmKind::user, process);
    mm.generation = leaves_creator ? process_mm->generation : old_mm->generation + 1;
    mm.mm_users = 1;
    exec_mmap(s, t, &mm);
    t.process_mm = &mm;
    t.exec_process = -1;
    s.m.ks.process_mm[static_cast<std::size_t>(mm.process)] = &mm;
}

void kthread_use_mm(Scheduler& s, int cpu, Task& t, Mm* mm) {
    KFrame frame(s.m, cpu, Fn::kthread_use_mm);
    s.m.atomic(cpu, AtomicOp::task_lock);
    s.m.local_irq_disable(cpu); // "Hold off tlb flush IPIs while switching mm's"
    Mm* active_mm = t.active_mm;
    const bool grab = active_mm != mm || s.m.knobs.kthread_use_mm_always_grab;
    if (grab) {
        s.mmgrab(cpu, mm);
        t.active_mm = mm;
    }
    store_task_mm(s, cpu, t, mm);
    if (s.m.knobs.membarrier_update_current_mm) {
        s.m.set_rq_membarrier_state(cpu, mm); // membarrier_update_current_mm()
    }
    arch_x86::switch_mm_irqs_off(s.m, cpu, active_mm, mm, &t);
    s.membarrier_finish_switch_mm(cpu);
    s.m.local_irq_enable(cpu);
    s.m.step(cpu, Cost::kthread_mm); // task_unlock and bookkeeping
    if (grab) {
        // mmdrop (mmdrop_lazy_tlb in v6.4+): "a full memory barrier for membarrier ... is
        // implicitly provided" after the tsk->mm store.
        s.mmdrop(cpu, active_mm);
    }
}

void kthread_unuse_mm(Scheduler& s, int cpu, Task& t) {
    KFrame frame(s.m, cpu, Fn::kthread_unuse_mm);
    Mm* mm = t.mm;
    s.m.atomic(cpu, AtomicOp::task_lock);
    s.m.local_irq_disable(cpu);
    store_task_mm(s, cpu, t, nullptr);
    if (s.m.knobs.membarrier_update_current_mm) {
        s.m.set_rq_membarrier_state(cpu, nullptr);
    }
    arch_x86::enter_lazy_tlb(s.m, cpu, mm); // active_mm stays mm
    s.m.local_irq_enable(cpu);
    s.m.step(cpu, Cost::kthread_mm);
}

bool io_sq_thread_acquire_mm(Scheduler& s, int cpu, Task& t, Mm* mm) {
    KFrame frame(s.m, cpu, Fn::__io_sq_thread_acquire_mm);
    // task_lock(ctx->sqo_task); mmget_not_zero(mm); task_unlock(): atomic_inc_not_zero() is a
    // cmpxchg loop that stores (and locks) only when mm_users is not 0.
    s.m.atomic(cpu, AtomicOp::task_lock);
    if (mm->mm_users == 0) {
        return false;
    }
    ++mm->mm_users;
    s.m.atomic(cpu, AtomicOp::mmget, mm, mm->mm_users);
    kthread_use_mm(s, cpu, t, mm);
    return true;
}

void io_sq_thread_drop_mm(Scheduler& s, int cpu, Task& t) {
    KFrame frame(s.m, cpu, Fn::io_sq_thread_drop_mm);
    Mm* mm = t.mm;
    kthread_unuse_mm(s, cpu, t);
    mmput(s, cpu, mm); // the last one runs exit_mmap here, on the kthread's CPU
}

void text_poke(Scheduler& s, int cpu, Task& t) {
    KFrame frame(s.m, cpu, Fn::__text_poke);
    Mm* poking_mm = s.m.ks.poking_mm;
    s.m.atomic(cpu, AtomicOp::ptl_lock); // get_locked_pte()
    s.m.local_irq_disable(cpu);
    Mm* prev = nullptr;
    {
        // use_temporary_mm(): a lazy CPU first leaves its mm for init_mm.
        KFrame use(s.m, cpu, Fn::use_temporary_mm);
        if (s.m.cpu(cpu).tlb.is_lazy) {
            arch_x86::leave_mm(s.m, cpu);
        }
        prev = s.m.cpu(cpu).tlb.loaded_mm;
        arch_x86::switch_mm_irqs_off(s.m, cpu, nullptr, poking_mm, &t);
    }
    s.m.step(cpu, Cost::text_poke);
    {
        KFrame unuse(s.m, cpu, Fn::unuse_temporary_mm);
        arch_x86::switch_mm_irqs_off(s.m, cpu, nullptr, prev, &t);
    }
    // The poking mm is no longer loaded anywhere: this only bumps its tlb_gen.
    arch_x86::flush_tlb_mm_range(s.m, cpu, poking_mm, /*pages=*/1, /*freed_tables=*/false);
    s.m.local_irq_enable(cpu);
}

void efi_call(Scheduler& s, int cpu, Task& t) {
    KFrame frame(s.m, cpu, Fn::efi_call_virt);
    Mm* efi_mm = s.m.ks.efi_mm;
    Mm* prev_mm = t.active_mm;
    {
        KFrame sw(s.m, cpu, Fn::efi_switch_mm);
        t.active_mm = efi_mm;
        arch_x86::switch_mm(s.m, cpu, prev_mm, efi_mm, nullptr);
    }
    s.m.step(cpu, Cost::efi_runtime_call);
    {
        // Back to the borrowed mm, non-lazily (docs/kernel-notes.md §15.1, P3d).
        KFrame sw(s.m, cpu, Fn::efi_switch_mm);
        t.active_mm = prev_mm;
        arch_x86::switch_mm(s.m, cpu, efi_mm, prev_mm, nullptr);
    }
}

} // namespace sched
