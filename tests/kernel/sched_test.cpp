// The scheduling model of docs/scenario-format.md on the v5.10.13 scheduler paths
// (docs/kernel-notes.md §1.7 try_to_wake_up, §1.9 scheduler_tick, §1.10 resched_curr,
// §1.11 sched_yield): tick preemption, wakeup preemption, migration, timer wakeups and thread
// creation, and which return instruction each resumption uses.

#include "kernel/support.h"

#include <fmt/format.h>

#include <string>

namespace {

using test::Counters;

// The first switch idle->T into a new user thread on a CPU: __schedule's rq_lock and
// clear_tsk_need_resched, switch_mm's cpumask_set_cpu, and in schedule_tail: finish_task_switch's
// mmdrop(init_mm) then calculate_sigpending's siglock, set_tsk_thread_flag, clear_thread_flag.
constexpr std::int64_t first_switch_atomics = 7;
// The boot: the idle task's do_idle at t=0 sets TIF_POLLING_NRFLAG (__current_set_polling, a
// LOCK bts), finds NEED_RESCHED already set by T's placement, so runs no idle period (no
// rcu_idle_enter/exit), and clears the bit again (__current_clr_polling, a LOCK btr); then the
// first switch.
constexpr std::int64_t boot_switch_atomics = 2 + first_switch_atomics;

const char* const wakeup_scenario = R"(
[machine]
cpus = 2
max_cycles = 40000
wakeup_preempt = true

[[process]]
name = "p"

[[thread]]
name = "c"
process = "p"
cpu = 0
program = ["wait go", "user 1000000"]

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 5000", "signal go", "user 1000000"]
)";

} // namespace

SCENARIO("the scheduler tick preempts a thread, which later resumes by IRET", "[sched][tick]") {
    GIVEN("two threads of one process on one CPU with a 30000-cycle timeslice") {
        const auto r = test::run(R"(
[machine]
cpus = 1
timeslice = 30000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 40000"]

[[thread]]
name = "b"
process = "p"
cpu = 0
program = ["user 1000"]
)");
        const Counters c{r};
        THEN("one tick, one preemption, and three IRETs") {
            // The tick at t = 30000 interrupts a in user mode; scheduler_tick (rq_lock) sees b
            // runnable and calls resched_curr locally (set_tsk_need_resched). On irqentry_exit
            // a schedules (rq_lock, clear_tsk_need_resched) and switches to b (same mm, not
            // lazy: nothing in switch_mm). b runs, exits, and its dead->a switch is d1 (b's
            // exit_mm left the CPU lazy on p): smp_mb, no CR3. a resumes through the interrupt
            // exit: IRET. The next tick (60000) is never reached.
            CHECK(c("ctxsw.total") == 4); // idle->a, a->b, b->a, a->idle
            // a's and b's ret_from_fork, and a's resumption after the preemption.
            CHECK(c("ser.iret") == 3);
            CHECK(c("fb.smp_mb") == 1);
            // idle->a (flush) and a's exit_mmap unlazy to init_mm (NOFLUSH).
            CHECK(c("ser.cr3") == 2);
            CHECK(c("cr3.write.flush") == 1);
            CHECK(c("cr3.write.noflush") == 1);
            CHECK(c("ser.total") == 5);
            // mmgrab in each exit_mm (a, b); mmdrop of init_mm at boot, of p when b's lazy
            // reference is dropped by finish_task_switch (b dead -> a, kernel->user), and
            // __mmput's at a's exit.
            CHECK(c("mm.grab") == 2);
            CHECK(c("mm.drop") == 3);
            // a ran 40000 user cycles from its first return (t = 2605) plus the time b held
            // the CPU; the second tick at 60000 never fired.
            CHECK(r.cycles > 2605 + 40000);
            CHECK(r.cycles < 60000);
        }
    }
}

SCENARIO("wakeup_preempt: a remote wakeup preempts a busy CPU through a reschedule IPI",
         "[sched][wakeup_preempt]") {
    GIVEN("wakeup_preempt = true") {
        const auto r = test::run(wakeup_scenario);
        const Counters c{r};
        THEN("b's wakeup of c sends one RESCHEDULE IPI and c preempts a") {
            // cpu1 (b): try_to_wake_up: pi_lock, rq_lock of cpu0's rq; check_preempt_curr with
            // wakeup_preempt: resched_curr on a remote CPU: set_nr_and_not_polling, and cpu0
            // runs a (not polling): smp_send_reschedule.
            CHECK(c("ipi.resched") == 1);
            CHECK(c("ipi.sent") == 1);
            CHECK(c("cpu0.ipi.received") == 1);
            CHECK(c("cpu1.fb.atomic") == boot_switch_atomics + 3);
            // cpu0: idle->c (boot), c->a (c waits), a->c (preempted on the interrupt's exit).
            CHECK(c("cpu0.ctxsw.total") == 3);
            // cpu0 IRETs: c's and a's ret_from_fork. The IPI's return is not executed: a is
            // switched out at irqentry_exit, and c resumes from its wait by SYSRET.
            CHECK(c("cpu0.ser.iret") == 2);
            // c <-> a are same-mm switches: the only CR3 is the boot switch.
            CHECK(c("cpu0.ser.cr3") == 1);
            // cpu0: boot 9; c's wait: rq_lock, clear_tsk_need_resched; a's schedule_tail 3;
            // the preemption: rq_lock, clear_tsk_need_resched.
            CHECK(c("cpu0.fb.atomic") == boot_switch_atomics + 2 + 3 + 2);
        }
    }
    GIVEN("wakeup_preempt = false") {
        std::string s = wakeup_scenario;
        s.replace(s.find("wakeup_preempt = true"), 21, "wakeup_preempt = false");
        const auto r = test::run(s);
        const Counters c{r};
        THEN("the wakeup only queues c behind a: no IPI, no preemption") {
            CHECK(c("ipi.sent") == 0);
            // try_to_wake_up: pi_lock, rq_lock; check_preempt_curr does nothing.
            CHECK(c("cpu1.fb.atomic") == boot_switch_atomics + 2);
            CHECK(c("cpu0.ctxsw.total") == 2); // idle->c, c->a
            CHECK(c("cpu0.fb.atomic") == boot_switch_atomics + 2 + 3);
        }
    }
}

SCENARIO("migrate: the thread resumes on the other CPU by SYSRET", "[sched][migrate]") {
    GIVEN("a thread moving itself from cpu0 to cpu1") {
        const auto r = test::run(R"(
[machine]
cpus = 2
max_cycles = 40000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "migrate 1", "user 1000000"]
)");
        const Counters c{r};
        THEN("cpu0 goes idle lazily on p, cpu1 loads p and returns to user without IRET") {
            // cpu0: idle->a (boot), a->idle (user->kernel: enter_lazy_tlb, mmgrab(p)).
            CHECK(c("cpu0.ctxsw.total") == 2);
            CHECK(c("cpu0.mm.grab") == 1);
            // The move happens in finish_task_switch on cpu0 once a is off the CPU: the target
            // rq's lock, then check_preempt_curr finds cpu1 idle: resched_curr remote,
            // set_nr_and_not_polling; cpu1 polls: no IPI.
            CHECK(c("ipi.sent") == 0);
            // cpu0: boot 9; __schedule: rq_lock, clear_tsk_need_resched; mmgrab; the move:
            // rq_lock, set_nr_and_not_polling; then the idle period, open at max_cycles:
            // do_idle's set_polling, cpu_idle_poll's rcu_idle_enter.
            CHECK(c("cpu0.fb.atomic") == boot_switch_atomics + 2 + 1 + 2 + 2);
            // cpu1: idle from t=0 with no task, an idle period that the remote
            // set_nr_and_not_polling ends (no interrupt): set_polling, rcu_idle_enter,
            // rcu_idle_exit, clr_polling (4); idle->a: rq_lock, clear_tsk_need_resched,
            // cpumask_set_cpu(p); a resumes inside its sched_setaffinity call:
            // finish_task_switch's mmdrop(init_mm) (no schedule_tail: a is not new) (4).
            CHECK(c("cpu1.fb.atomic") == 4 + 4);
            CHECK(c("cpu1.ctxsw.total") == 1);
            // cpu1's CR3: p in cpu1's fresh slot 1: flush.
            CHECK(c("cpu1.ser.cr3") == 1);
            CHECK(c("cpu1.cr3.write.flush") == 1);
            // The system call returns by SYSRET on cpu1: no IRET there. cpu0's only IRET is
            // a's ret_from_fork.
            CHECK(c("cpu1.ser.iret") == 0);
            CHECK(c("cpu0.ser.iret") == 1);
        }
    }
}

SCENARIO("sleep: a timer interrupt on the CPU wakes the thread", "[sched][sleep]") {
    GIVEN("a thread sleeping 10000 cycles on an otherwise idle CPU") {
        const auto r = test::run(R"(
[machine]
cpus = 1

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "sleep 10000"]
)");
        const Counters c{r};
        THEN("the hrtimer interrupt's IRET to the idle loop, then a SYSRET") {
            // ret_from_fork, and the hrtimer interrupt returning to the idle loop (kernel
            // mode). a's return from the sleep is a SYSRET; then it exits.
            CHECK(c("ser.iret") == 2);
            // Switches idle->a, a->idle (sleep), idle->a (d1: smp_mb), a->idle (exit).
            CHECK(c("ctxsw.total") == 4);
            CHECK(c("fb.smp_mb") == 1);
            // a first returns to user at 2605, blocks after `user 100` and the syscall entry,
            // and sleeps 10000 cycles from the block.
            CHECK(r.cycles > 2605 + 100 + 10000);
        }
    }
}

SCENARIO("a thread created later by a timer interrupt first returns by IRET", "[sched][start]") {
    GIVEN("a thread with start = 5000") {
        const auto r = test::run(R"(
[machine]
cpus = 1

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
start = 5000
program = ["user 1000"]
)");
        const Counters c{r};
        THEN("wake_up_new_task in the timer interrupt, then ret_from_fork's IRET") {
            // The timer interrupt hits the idle loop at 5000: wake_up_new_task (pi_lock,
            // rq_lock, resched_curr: set_tsk_need_resched), IRET to kernel; idle->a; a's first
            // return is ret_from_fork's IRET.
            CHECK(c("ser.iret") == 2);
            CHECK(c("ctxsw.total") == 2); // idle->a, a->idle at exit
            // idle->a (flush) and the exit_mmap unlazy (NOFLUSH).
            CHECK(c("ser.cr3") == 2);
            // The idle period from t=0 (set_polling, rcu_idle_enter, rcu_idle_exit,
            // clr_polling) 4; the timer interrupt, taken in its EQS: rcu_irq_enter and
            // rcu_irq_exit 2, wake_up_new_task 3; first switch idle->a 7; exit: exit_mm 4,
            // mmput, inc_mm_tlb_gen, unlazy cpumask_clear_cpu, __mmput's mmdrop, do_task_dead 3,
            // put_task_* 2. The run ends with the switch away from the dead a.
            CHECK(c("fb.atomic") == 4 + (2 + 3) + first_switch_atomics + 4 + 1 + 1 + 1 + 1 + 3 + 2);
            // Nothing happens before the creation.
            CHECK(r.cycles > 5000 + 1000);
        }
    }
}

TEST_CASE("a wakeup while the target CPU is inside __schedule is not lost", "[sched]") {
    // cpu0: a blocks, the kernel thread patcher runs text_poke and exits. b (cpu1) wakes a at
    // t=8635 (pi_lock), taking cpu0's rq lock at 8955 -- inside patcher's final __schedule, which
    // took the lock at 8700 and stores rq->curr = swapper/0 at 9040. tlbsim's locks do not
    // exclude, so __schedule decides at one instant with its rq->curr store: the wakeup came
    // first, so a is picked instead of the idle task. (Deciding at the lock lost the wakeup:
    // check_preempt_curr saw the dying patcher as curr, and the idle task never woke: deadlock.)
    const auto sc = test::load(R"(
[machine]
cpus = 2
[[process]]
name = "jit"
register = ["private_expedited_sync_core"]
[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 1000", "wait go", "user 1000"]
[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 4000", "membarrier private_expedited_sync_core", "signal go", "user 2000"]
[[kthread]]
name = "patcher"
cpu = 0
start = 2000
program = ["text_poke"]
)");
    const auto r = test::run(sc, "v5.10");
    Counters c{r};
    // cpu0: idle -> a, a -> patcher, patcher -> a (the woken a directly, not the idle task),
    // a -> idle at its exit.
    CHECK(c("cpu0.ctxsw.total") == 4);
    CHECK(r.violations.empty());
}

TEST_CASE("a wakeup racing the wakee's own __schedule is never lost", "[sched]") {
    // a blocks in `wait go` on cpu0 while b signals from cpu1 at every instant across a's way
    // into __schedule. In the kernel the rq lock orders try_to_wake_up and __schedule; tlbsim's
    // locks do not exclude, so each decides at one instant after its lock: either ttwu finds a
    // still queued (ttwu_runnable: a keeps running) or a is off the runqueue and ttwu enqueues it.
    // Deciding before the lock lost the wakeup (a deadlock) for b's user time 1000-1069.
    for (int y = 1000; y <= 1100; ++y) {
        const auto sc = test::load(fmt::format(R"(
[machine]
cpus = 2
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "wait go", "user 1000"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user {}", "signal go", "user 1000"]
)",
                                               y));
        INFO("b's user time " << y);
        const auto r = run::run_scenario(sc, "v5.10", {});
        CHECK(r.error.empty());
    }
}

TEST_CASE("timer interrupts take the hrtimer base lock twice per expired timer", "[sched][tick]") {
    // hrtimer_interrupt() (v5.10.13 kernel/time/hrtimer.c): cpu_base->lock, dropped by
    // __run_hrtimer() around the timer function and taken again after it. The tick
    // (tick_sched_timer: scheduler_tick's rq_lock) fires at 10000, 20000, 30000, 40000 in a's
    // user code and at 50000 during its exit (in exit_mmap); the sleep arms its hrtimer under
    // the base lock (t=42005) and its wakeup is one more hrtimer_interrupt (t=43345, 43925).
    const auto r = test::run(R"(
[machine]
cpus = 1
timeslice = 10000
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 35000", "sleep 1000", "user 100"]
)");
    // boot 9 (do_idle's set_polling and clr_polling, the first switch's 7); five ticks x (2
    // base locks + rq_lock) (each runs rcu_sched_clock_irq, but no grace period waits: no
    // rcu_qs report, no RCU_SOFTIRQ); the sleep: hrtimer_start's base lock, rq_lock,
    // clear_tsk_need_resched, mmgrab (4); the idle period (the idle task runs no tick):
    // set_polling, rcu_idle_enter, rcu_idle_exit, clr_polling (4); its wakeup, taken in the
    // idle EQS: rcu_irq_enter and rcu_irq_exit (2), 2 base locks, pi_lock, rq_lock,
    // set_tsk_need_resched (5); idle->a: rq_lock, clear_tsk_need_resched, mmdrop (3); the exit:
    // exit_mm 4, mmput 1, exit_mmap's inc_mm_tlb_gen and unlazy cpumask_clear_cpu 2, mmdrop 1,
    // do_task_dead 3, put_task_stack/struct 2 (13). The run ends with the switch away from the
    // dead a.
    CHECK(test::counter(r, "fb.atomic") == 9 + 5 * 3 + 4 + 4 + (2 + 5) + 3 + 13);
    // ret_from_fork, four ticks returning to user, the one returning into exit_mmap, and the
    // wakeup's return to the idle loop.
    CHECK(test::counter(r, "ser.iret") == 1 + 4 + 1 + 1);
}
