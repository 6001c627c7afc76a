#pragma once
// Process and address-space lifetime (v5.10.13): do_exit/exit_mm/mmput/exit_mmap
// (kernel/exit.c, kernel/fork.c, mm/mmap.c), kthread_use_mm/kthread_unuse_mm (kernel/kthread.c),
// __text_poke (arch/x86/kernel/alternative.c) and EFI runtime calls
// (arch/x86/platform/efi/efi_64.c).

#include <functional>

namespace kernel {
struct Mm;
struct Task;
} // namespace kernel

namespace sched {

class Scheduler;

/// exit_mmap()'s unmapping as a replay times it: runs, preemptible and with no mm, before
/// tlb_finish_mmu() flushes the mm; returns the CPU the task is on when it is done (a
/// preempted task may have been moved). Empty: the cost model's fixed exit_mmap cost.
using Unmapping = std::function<int()>;

/// A replayed exit's timing (`tlbsim replay`). Both parts are preemptible, with no mm.
struct ExitTiming {
    /// exit_mmap()'s unmapping, when this exit drops the mm's last user.
    Unmapping unmapping;
    /// The rest of do_exit() (exit_files, exit_notify, ...) before do_task_dead().
    std::function<void()> after_exit_mm;
};

/// do_exit(): exit_mm, then do_task_dead. Returns when the task is gone (its fiber must end).
void do_exit(Scheduler& s, kernel::Task& t, const ExitTiming& timing = {});
void exit_mm(Scheduler& s, int cpu, kernel::Task& t, const Unmapping& unmapping = {});
void mmput(Scheduler& s, int cpu, kernel::Mm* mm, const Unmapping& unmapping = {});

/// execve() from a system call (fs/exec.c): de_thread() kills the siblings and waits for them,
/// exec_mmap() installs a fresh mm with no registrations, and the old mm is torn down as by a
/// last exit. The caller returns to user mode by IRET (the SYSRET checks fail after exec).
void do_execve(Scheduler& s, kernel::Task& t);

void kthread_use_mm(Scheduler& s, int cpu, kernel::Task& t, kernel::Mm* mm);
void kthread_unuse_mm(Scheduler& s, int cpu, kernel::Task& t);
/// A kthread_use_mm caller as v5.10's io_uring SQPOLL thread is (fs/io_uring.c): it holds an
/// mm_users reference while it uses the mm (mmget_not_zero before kthread_use_mm, mmput after
/// kthread_unuse_mm), so the process's exit cannot tear the mm down under it. Returns false
/// (-EFAULT) when mm_users was already 0: the mm is not used.
bool io_sq_thread_acquire_mm(Scheduler& s, int cpu, kernel::Task& t, kernel::Mm* mm);
void io_sq_thread_drop_mm(Scheduler& s, int cpu, kernel::Task& t);
void text_poke(Scheduler& s, int cpu, kernel::Task& t);
void efi_call(Scheduler& s, int cpu, kernel::Task& t);

} // namespace sched
