#include "sched/program.h"

#include "arch_x86/entry.h"
#include "arch_x86/memory_search.h"
#include "arch_x86/smp.h"
#include "arch_x86/tlb.h"
#include "arch_x86/user_memory.h"
#include "scenario_model/errno_names.h"
#include "sched/idle.h"
#include "sched/lifecycle.h"
#include "sched/scenario_setup.h"
#include "sched/scheduler.h"
#include "sim/fiber.h"
#include "sim/panic.h"

#include <fmt/format.h>

namespace sched {

using arch_x86::KFrame;
using kernel::AtomicOp;
using kernel::Cost;
using kernel::Fn;
using kernel::ReturnInsn;
using kernel::Task;
using kernel::TaskState;
using scenario::Op;
using scenario::Step;

namespace {

class TaskBody : public sim::FiberBody {
public:
    TaskBody(Scheduler& s, Task& t) : s_(s), t_(t) {}
    void run() override;

private:
    void do_idle();
    void schedule_tail();
    void run_program();
    void run_steps();
    void resume_parked();
    void pop_frame(Fn fn);
    void return_from_syscall(const Step& st);
    void kthread_step_end();
    void end_nanosleep();
    void schedule_may_park();
    ExitTiming exit_timing(const Step* exit_step);
    const Step* next_step();
    void user_step(const Step& st);
    void take_interrupts_in_user();
    bool user_memory_step(const Step& st);
    void wait_for_turn(const Step& st);
    void page_fault(std::int64_t cycles);
    void system_call(const Step& st);
    void kthread_step(const Step& st);
    void kthread_work(const Step& st);
    [[noreturn]] void wrong_interpreter(const Step& st);
    // What the steps do, for both kinds of thread where they share it.
    void spend(std::int64_t cycles);
    void run_until(std::int64_t at, bool in_kernel);
    void nanosleep(std::int64_t cycles);
    void futex_wait(int event);
    void futex_wake(int event);
    void unuse_mm(const Step& st);
    void block_on_latch(int event);
    void record_result(const Step& st, std::int64_t result);
    kernel::Mm* live_mm(const Step& st);
    int cpu() const { return t_.cpu; }
    std::string path_of(const Step& st) const { return step_path_of(s_.m.ks, t_, st); }

    Scheduler& s_;
    Task& t_;
};

void TaskBody::run() {
    if (t_.idle) {
        do_idle();
        return;
    }
    if (t_.parked) {
        resume_parked();
        return;
    }
    schedule_tail();
    run_program();
}

/// A task that blocked in a `sleep` or `wait` and gave its stack back (Scheduler::switch_to)
/// runs again on this fresh fiber: with the call path it blocked in, it does what its old
/// stack would have done from switch_to() on -- the rest of context_switch() (finish_task_switch)
/// and of schedule(), of the blocking call and of the step -- then goes on with its program.
void TaskBody::resume_parked() {
    t_.parked = false;
    t_.callstack = s_.m.trace.call_path_at(t_.parked_path);
    t_.parked_path = 0;
    s_.finish_task_switch_public(cpu(), s_.m.cpu(cpu()).switch_prev);
    pop_frame(Fn::context_switch);
    pop_frame(Fn::__schedule);
    s_.schedule_again_while_needed(t_); // it runs now: it cannot park again here
    const Step& st = *t_.current_step;
    if (st.op == Op::sleep) {
        end_nanosleep();
        pop_frame(Fn::do_nanosleep);
    } else {
        SIM_ASSERT(st.op == Op::wait, "{} parked in step {}", t_.name, path_of(st));
        pop_frame(Fn::futex_wait);
    }
    if (t_.kthread) {
        kthread_step_end();
        pop_frame(Fn::kthread);
    } else {
        pop_frame(Fn::do_syscall_64);
        return_from_syscall(st);
    }
    s_.m.sim.note_progress();
    run_steps();
}

/// Leaves the kernel function `fn`, which must be the innermost frame (a resumed call path).
void TaskBody::pop_frame(Fn fn) {
    SIM_ASSERT(!t_.callstack.empty() && t_.callstack.back() == static_cast<kernel::SiteId>(fn),
               "{} resumed off its call path (expected {})", t_.name, kernel::fn_name(fn));
    t_.callstack.pop();
}

void TaskBody::do_idle() {
    sched::do_idle(s_, cpu());
}

void TaskBody::schedule_tail() {
    // ret_from_fork -> schedule_tail(prev): finish the switch that brought us here, then
    // calculate_sigpending() (siglock, set and clear TIF_SIGPENDING).
    const int c = cpu();
    Task* prev = s_.m.cpu(c).switch_prev;
    KFrame frame(s_.m, c, Fn::schedule_tail);
    s_.finish_task_switch_public(c, prev);
    s_.m.atomic(cpu(), AtomicOp::siglock);
    s_.m.atomic(cpu(), AtomicOp::set_tsk_thread_flag);
    s_.m.atomic(cpu(), AtomicOp::clear_thread_flag);
}

const Step* TaskBody::next_step() {
    while (!t_.program.empty()) {
        kernel::ProgramFrame& f = t_.program.back();
        if (f.index < f.steps->size()) {
            const Step& st = (*f.steps)[f.index++];
            if (st.op == Op::repeat) {
                if (st.n > 0 && !st.body.empty()) {
                    t_.program.push_back({&st.body, 0, st.n});
                }
                continue;
            }
            return &st;
        }
        if (--f.remaining > 0) {
            f.index = 0;
            continue;
        }
        t_.program.pop_back();
    }
    return nullptr;
}

void TaskBody::run_program() {
    if (!t_.kthread) {
        // ret_from_fork returns to user mode by IRET (ERETU under FRED).
        KFrame frame(s_.m, cpu(), Fn::ret_from_fork);
        arch_x86::exit_to_user_mode(s_.m, &t_, ReturnInsn::iret);
    }
    run_steps();
}

/// The program's steps from where it stands (Task::program), then its exit.
void TaskBody::run_steps() {
    const Step* exit_step = nullptr;
    while (const Step* st = next_step()) {
        take_interrupts_in_user();
        t_.current_step = st;
        if (st->at >= 0) {
            run_until(st->at, t_.kthread);
        }
        if (st->op == Op::exit) {
            arch_x86::search_step_begins(s_.m, cpu(), t_.thread, *st);
            exit_step = st;
            break;
        }
        if (t_.kthread) {
            arch_x86::search_step_begins(s_.m, cpu(), t_.thread, *st);
            KFrame frame(s_.m, cpu(), Fn::kthread);
            kthread_step(*st);
        } else {
            user_step(*st);
        }
        if (t_.parked) {
            return; // blocked and gave its stack back: resume_parked goes on from here
        }
        s_.m.sim.note_progress();
    }
    // The explicit or implicit exit: a system call for user threads (exit_group).
    take_interrupts_in_user();
    if (!t_.kthread) {
        arch_x86::syscall_entry(s_.m, cpu());
    }
    do_exit(s_, t_, exit_timing(exit_step));
}

/// A replayed exit's timing (Step::unmapped_at, Step::dead_at): exit_mmap() and the rest of
/// do_exit() are preemptible in the kernel, with no mm, until the recorded times.
ExitTiming TaskBody::exit_timing(const Step* exit_step) {
    ExitTiming timing;
    if (exit_step == nullptr) {
        return timing;
    }
    if (const std::int64_t at = exit_step->unmapped_at; at >= 0) {
        timing.unmapping = [this, at] {
            run_until(at, /*in_kernel=*/true);
            return cpu();
        };
    }
    if (const std::int64_t at = exit_step->dead_at; at >= 0) {
        timing.after_exit_mm = [this, at] { run_until(at, /*in_kernel=*/true); };
    }
    return timing;
}

/// The interrupts that came while a return to user mode had IRQs off, taken at the first user
/// instruction boundary (arch_x86::exit_to_user_mode leaves them pending). A handler may move
/// the task to another CPU: it goes on from whichever CPU it is then on.
void TaskBody::take_interrupts_in_user() {
    if (!t_.kthread && t_.in_user) {
        s_.m.sim.cpu(cpu()).take_interrupts();
    }
}

void TaskBody::user_step(const Step& st) {
    wait_for_turn(st);
    if (st.op == Op::user) {
        spend(st.n);
        return;
    }
    if (st.op == Op::page_fault) {
        page_fault(st.n);
        return;
    }
    if (user_memory_step(st)) {
        return;
    }
    arch_x86::syscall_entry(s_.m, cpu());
    {
        KFrame frame(s_.m, cpu(), Fn::do_syscall_64);
        system_call(st);
    }
    if (!t_.parked) {
        return_from_syscall(st);
    }
}

void TaskBody::return_from_syscall(const Step& st) {
    KFrame exit_frame(s_.m, cpu(), Fn::exit_to_user_mode);
    // After exec the SYSRET checks fail (RCX != RIP): it returns by IRET.
    arch_x86::exit_to_user_mode(s_.m, &t_,
                                st.op == Op::exec ? ReturnInsn::iret : ReturnInsn::sysret);
}

/// Under an exhaustive search (arch_x86/memory_search.h) a step may first wait in user mode
/// for another thread's next step; interrupts are taken meanwhile and may move the task. The
/// thread looks again at the end of each quantum, and right after an interrupt's handler has
/// returned: a step right after a membarrier IPI may have to come before the caller's return.
void TaskBody::wait_for_turn(const Step& st) {
    while (arch_x86::search_waits(s_.m, cpu(), t_.thread, st)) {
        s_.m.sim.cpu(cpu()).advance_until_interrupted(s_.m.sim.now() +
                                                      sim::Cycles{arch_x86::kSearchQuantum});
        take_interrupts_in_user();
    }
    if (arch_x86::search_releases_interrupts(s_.m, cpu(), t_.thread)) {
        take_interrupts_in_user(); // the IPI it held back lands before its step
    }
    arch_x86::search_step_begins(s_.m, cpu(), t_.thread, st);
}

/// The user memory instructions (docs/memory-model.md), in user mode: false for other steps.
bool TaskBody::user_memory_step(const Step& st) {
    switch (st.op) {
    case Op::store:
        arch_x86::user_store(s_.m, cpu(), st.var, st.n);
        return true;
    case Op::load:
        s_.set_register(t_.thread, st.reg, arch_x86::user_load(s_.m, cpu(), st.var));
        return true;
    case Op::fence:
        arch_x86::user_mfence(s_.m, cpu());
        return true;
    case Op::lock_rmw:
        arch_x86::user_lock_rmw(s_.m, cpu(), st.var, 0);
        return true;
    case Op::xchg:
        s_.set_register(t_.thread, st.reg, arch_x86::user_xchg(s_.m, cpu(), st.var, st.n));
        return true;
    case Op::cmpxchg:
        s_.set_register(t_.thread, st.reg,
                        arch_x86::user_cmpxchg(s_.m, cpu(), st.var, st.n, st.new_value));
        return true;
    default:
        return false;
    }
}

/// A user access faults (v5.10.13 arch/x86/mm/fault.c): exc_page_fault -> handle_page_fault ->
/// do_user_addr_fault(), which enables IRQs ("It's safe to allow irq's after cr2 has been saved";
/// user mode ran with them on), handle_mm_fault() for `cycles`, then irqentry_exit() to user mode
/// and the return by IRET (ERETU under FRED).
void TaskBody::page_fault(std::int64_t cycles) {
    arch_x86::exception_entry(s_.m, cpu());
    {
        KFrame frame(s_.m, cpu(), Fn::exc_page_fault);
        s_.m.local_irq_enable(cpu());
        spend(cycles);
    }
    KFrame exit_frame(s_.m, cpu(), Fn::irqentry_exit);
    arch_x86::exit_to_user_mode(s_.m, &t_, ReturnInsn::iret);
}

// system_call and kthread_work list every scenario::Op without a default, so that a step added
// to the enum fails to compile (-Wswitch, an error) until both interpreters say what it does.

/// What a [[thread]]'s step does inside its system call.
void TaskBody::system_call(const Step& st) {
    switch (st.op) {
    case Op::syscall:
        return spend(st.n);
    case Op::membarrier:
        return record_result(st, s_.syscalls->membarrier(cpu(), st.cmd, st.flags, st.cpu_id));
    case Op::flush_tlb:
        return arch_x86::flush_tlb_mm_range(s_.m, cpu(), t_.mm, st.pages, st.freed_tables);
    case Op::exec:
        return do_execve(s_, t_);
    case Op::sleep:
        return nanosleep(st.n);
    case Op::wait:
        return futex_wait(st.event);
    case Op::signal:
        return futex_wake(st.event);
    case Op::yield:
        return s_.do_sched_yield(cpu());
    case Op::migrate:
        return s_.sched_setaffinity(cpu(), &t_, sim::CpuId{static_cast<int>(st.n)});
    case Op::user:       // runs in user mode (user_step)
    case Op::page_fault: // enters by an exception, not a system call (user_step)
    case Op::store:      // user memory instructions, in user mode (user_memory_step)
    case Op::load:
    case Op::fence:
    case Op::lock_rmw:
    case Op::xchg:
    case Op::cmpxchg:
    case Op::exit:   // ends the program (run_program)
    case Op::repeat: // expanded by next_step
    case Op::work:   // [[kthread]] steps, which the loader refuses in a [[thread]]
    case Op::use_mm:
    case Op::unuse_mm:
    case Op::text_poke:
    case Op::efi_call:
        break;
    }
    wrong_interpreter(st);
}

void TaskBody::kthread_step(const Step& st) {
    kthread_work(st);
    if (!t_.parked) {
        kthread_step_end();
    }
}

/// Kernel threads act on need_resched at the end of each step.
void TaskBody::kthread_step_end() {
    if (s_.m.rq(cpu()).need_resched) {
        s_.schedule(cpu());
    }
}

/// What a [[kthread]]'s step does.
void TaskBody::kthread_work(const Step& st) {
    switch (st.op) {
    case Op::work:
        return spend(st.n);
    case Op::use_mm:
        t_.mm_acquire_failed = !io_sq_thread_acquire_mm(s_, cpu(), t_, live_mm(st));
        return;
    case Op::unuse_mm:
        return unuse_mm(st);
    case Op::flush_tlb:
        return arch_x86::flush_tlb_mm_range(s_.m, cpu(), live_mm(st), st.pages, st.freed_tables);
    case Op::text_poke:
        return text_poke(s_, cpu(), t_);
    case Op::efi_call:
        return efi_call(s_, cpu(), t_);
    case Op::sleep:
        return nanosleep(st.n);
    case Op::wait:
        return futex_wait(st.event);
    case Op::signal:
        return futex_wake(st.event);
    case Op::yield:
        return s_.do_sched_yield(cpu());
    case Op::migrate:
        return s_.sched_setaffinity(cpu(), &t_, sim::CpuId{static_cast<int>(st.n)});
    case Op::exit:   // ends the program (run_program)
    case Op::repeat: // expanded by next_step
    case Op::user:   // [[thread]] steps, which the loader refuses in a [[kthread]]
    case Op::syscall:
    case Op::page_fault:
    case Op::membarrier:
    case Op::exec:
    case Op::store:
    case Op::load:
    case Op::fence:
    case Op::lock_rmw:
    case Op::xchg:
    case Op::cmpxchg:
        break;
    }
    wrong_interpreter(st);
}

void TaskBody::wrong_interpreter(const Step& st) {
    SIM_ASSERT(false, "step {} reached the wrong interpreter", path_of(st));
}

/// Cycles of interruptible work (user mode, a system call's or a kthread's own work).
void TaskBody::spend(std::int64_t cycles) {
    s_.m.sim.cpu(cpu()).advance_interruptible(s_.m.sim.cpu(cpu()).jittered(sim::Cycles{cycles}));
}

/// A replayed step's time (Step::at): until cycle `at`, a [[thread]] runs user code and a
/// [[kthread]] kernel work (`in_kernel`), both preemptible (sched/directed.h). An interrupt ends
/// each stretch: its handler may switch this task away and resume it later on another CPU, so
/// every stretch starts from the task's CPU of the moment. In the kernel the task acts on
/// need_resched after each interrupt (irqentry_exit's preempt_schedule_irq under a preemptible
/// kernel; a kernel thread at the end of a step); in user mode the handler's return did.
void TaskBody::run_until(std::int64_t at, bool in_kernel) {
    for (;;) {
        sim::Processor& p = s_.m.sim.cpu(cpu());
        const bool took = p.take_one_interrupt();
        // need_resched may also have been set before this stretch: by an interrupt taken where
        // the path that led here enabled IRQs (a new task's finish_task_switch), whose
        // preempt_enable() is the preemption point it stands for.
        if (in_kernel && s_.m.rq(cpu()).need_resched) {
            s_.schedule(cpu());
            continue;
        }
        if (took) {
            continue;
        }
        if (s_.m.sim.now().count() >= at) {
            return;
        }
        p.advance_until_interrupted(sim::Cycles{at});
    }
}

void TaskBody::nanosleep(std::int64_t cycles) {
    KFrame frame(s_.m, cpu(), Fn::do_nanosleep);
    t_.state = TaskState::interruptible;
    // hrtimer_start_range_ns() -> lock_hrtimer_base() (v5.10.13 kernel/time/hrtimer.c). The
    // final hrtimer_cancel() takes no lock when the timer has fired (!hrtimer_active).
    s_.m.atomic(cpu(), kernel::AtomicOp::hrtimer_base_lock);
    t_.sleep_timer =
        s_.m.sim.arm_timer(cpu(), s_.m.sim.now() + sim::Cycles{cycles}, arch_x86::HRTIMER_VECTOR,
                           timer_data(TimerKind::sleep_wakeup, t_.id));
    schedule_may_park();
    if (!t_.parked) {
        end_nanosleep();
    }
}

void TaskBody::end_nanosleep() {
    s_.m.sim.cancel_timer(t_.sleep_timer); // hrtimer_cancel(): an early wakeup leaves none
}

/// schedule() from a blocking step: a task that blocks there gives its stack back.
void TaskBody::schedule_may_park() {
    t_.may_park = true;
    s_.schedule(cpu());
    t_.may_park = false;
}

void TaskBody::futex_wait(int event) {
    KFrame frame(s_.m, cpu(), Fn::futex_wait);
    block_on_latch(event);
}

void TaskBody::futex_wake(int event) {
    KFrame frame(s_.m, cpu(), Fn::futex_wake);
    kernel::EventLatch& latch = s_.m.ks.events[static_cast<std::size_t>(event)];
    latch.signalled = true;
    std::vector<Task*> waiters;
    waiters.swap(latch.waiters);
    for (Task* w : waiters) {
        s_.try_to_wake_up(cpu(), w);
    }
}

void TaskBody::unuse_mm(const Step& st) {
    if (t_.mm == nullptr && t_.mm_acquire_failed) {
        return; // io_sq_thread_drop_mm(): no mm, nothing to drop
    }
    if (t_.mm == nullptr) {
        s_.fail_run(cpu(), "{}: unuse_mm without use_mm", path_of(st));
    }
    io_sq_thread_drop_mm(s_, cpu(), t_);
}

void TaskBody::block_on_latch(int event) {
    kernel::EventLatch& latch = s_.m.ks.events[static_cast<std::size_t>(event)];
    if (latch.signalled) {
        return; // a latch: once signalled the wait returns at once
    }
    t_.state = TaskState::interruptible;
    latch.waiters.push_back(&t_);
    schedule_may_park();
}

void TaskBody::record_result(const Step& st, std::int64_t result) {
    scenario::ResultValue actual;
    if (result < 0) {
        actual.is_errno = true;
        actual.errno_name = std::string(scenario::errno_name(static_cast<int>(-result)));
    } else {
        actual.value = result;
    }
    const scenario::StepNotes& notes = st.notes();
    if (!notes.label.empty()) {
        s_.label_results[notes.label] = actual;
    }
    if (const auto& expect = notes.expect; expect && !(*expect == actual)) {
        s_.step_expect_failures.push_back(
            fmt::format("{}: membarrier {} returned {}, expected {}", path_of(st), notes.cmd_name,
                        actual.is_errno ? actual.errno_name : std::to_string(actual.value),
                        expect->is_errno ? expect->errno_name : std::to_string(expect->value)));
    }
}

kernel::Mm* TaskBody::live_mm(const Step& st) {
    kernel::Mm* mm = s_.m.ks.process_mm[static_cast<std::size_t>(st.process)];
    if (mm->torn_down) {
        s_.fail_run(cpu(), "{}: process {} has no live thread", path_of(st), mm->name);
    }
    return mm;
}

} // namespace

std::unique_ptr<sim::Fiber> make_task_fiber(Scheduler& s, Task& t) {
    t.body = std::make_unique<TaskBody>(s, t);
    return std::make_unique<sim::Fiber>(s.m.sim.fiber_pool(), *t.body);
}

} // namespace sched
