// The idle loop's locked operations by idle mode (v5.10.13 kernel/sched/idle.c, sched/idle.h)
// and RCU's quiescent states (kernel/rcu/tree.c, sched/rcu.h): the tick reports a CPU busy in
// user mode, the idle loop's extended quiescent state (EQS) is seen by the scan's dynticks
// snapshot, and resched_cpu is only the late fallback. Every count is explained from the run's
// records (tlbsim run FILE -v, tlbsim explain FILE --policy P COUNTER).

#include "support.h"

#include <fmt/format.h>

namespace {

using test::Counters;

/// Times of the records of one kind.
struct RecordTimes : kernel::RecordObserver {
    kernel::RecordKind kind;
    std::vector<std::int64_t> times;
    explicit RecordTimes(kernel::RecordKind k) : kind(k) {}
    void on_record(const kernel::Record& r) override {
        if (r.kind == kind) {
            times.push_back(r.time.count());
        }
    }
};

// b sleeps on cpu1 until a (cpu0) signals "go" after 5,000 cycles of user code: cpu1 has one
// idle period, ended by a remote wakeup. The run stops while both run user code (no exits).
std::string one_wakeup(const std::string& idle) {
    return fmt::format(R"(
[machine]
cpus = 2
idle = "{}"
max_cycles = 50000
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "signal go", "user 100000"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["wait go", "user 100000"]
)",
                       idle);
}

// b sleeps 5,000 cycles on cpu1: its hrtimer interrupt arrives while cpu1 idles. The run stops
// while both run user code.
std::string timed_sleep(const std::string& idle) {
    return fmt::format(R"(
[machine]
cpus = 2
idle = "{}"
max_cycles = 50000
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100000"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000", "sleep 5000", "user 100000"]
)",
                       idle);
}

// g calls MEMBARRIER_CMD_GLOBAL (a grace period) on cpu0 while spin runs 20,000,000 cycles of
// user code on cpu1 and cpu2 idles. `machine_extra` adds [machine] keys.
std::string global_with_busy_cpu(const std::string& machine_extra, const std::string& costs) {
    return fmt::format(R"(
[machine]
cpus = 3
{}
[machine.costs]
{}
[[process]]
name = "a"
[[process]]
name = "b"
[[thread]]
name = "spin"
process = "a"
cpu = 1
program = ["user 20000000"]
[[thread]]
name = "g"
process = "b"
cpu = 0
program = ["user 1000", "membarrier global label=g", "user 1000"]
)",
                       machine_extra, costs);
}

std::int64_t global_return_time(const std::string& toml) {
    RecordTimes returns(kernel::RecordKind::membarrier_return);
    run::RunOptions o;
    o.observers.push_back(&returns);
    const auto r = test::run(test::load(toml), "v5.10", o);
    REQUIRE(returns.times.size() == 1);
    return returns.times[0];
}

} // namespace

SCENARIO("each idle mode's locked operations for one idle period ended by a wakeup", "[idle]") {
    GIVEN("b waits on cpu1 until a signals it") {
        // Common to all modes on cpu1: the boot pass (b is placed at t=0, NEED_RESCHED is set):
        // do_idle's set_polling and, finding NEED_RESCHED, clr_polling, with no idle routine.
        const auto poll = test::run(one_wakeup("poll"));
        const auto halt = test::run(one_wakeup("halt"));
        const auto mwait = test::run(one_wakeup("mwait"));
        const Counters p{poll}, h{halt}, m{mwait};
        THEN("poll: set_polling, EQS in and out, clr_polling; the wakeup needs no IPI") {
            CHECK(p("cpu1.fb.atomic.set_polling") == 1 + 1);
            CHECK(p("cpu1.fb.atomic.rcu_dynticks") == 2); // rcu_idle_enter, rcu_idle_exit
            CHECK(p("cpu1.fb.atomic.clr_polling") == 1 + 1);
            CHECK(p("ipi.resched") == 0);
            CHECK(p("cpu0.fb.atomic.set_nr_and_not_polling") == 1);
        }
        THEN(
            "halt: the bit is cleared before HLT, so the wakeup is a reschedule IPI taken in EQS") {
            // do_idle's set_polling; default_idle_call's clr_polling (current_clr_polling_and_
            // test); rcu_idle_enter; HLT; the IPI: rcu_irq_enter and rcu_irq_exit; rcu_idle_exit;
            // exit_idle's set_polling; NEED_RESCHED ends the loop: clr_polling.
            CHECK(h("cpu1.fb.atomic.set_polling") == 1 + 2);
            CHECK(h("cpu1.fb.atomic.rcu_dynticks") == 2 + 2);
            CHECK(h("cpu1.fb.atomic.clr_polling") == 1 + 2);
            CHECK(h("ipi.resched") == 1);
            CHECK(h("cpu1.ipi.received") == 1);
        }
        THEN("mwait: polling is set again around MWAIT (no IPI) and current_clr_polling adds mb") {
            // do_idle's set_polling; call_cpuidle's clr_polling; rcu_idle_enter; intel_idle's
            // set_polling; MWAIT ends on the TIF write; clr_polling and smp_mb; rcu_idle_exit;
            // exit_idle's set_polling; the loop's clr_polling.
            CHECK(m("cpu1.fb.atomic.set_polling") == 1 + 3);
            CHECK(m("cpu1.fb.atomic.rcu_dynticks") == 2);
            CHECK(m("cpu1.fb.atomic.clr_polling") == 1 + 3);
            CHECK(m("cpu1.fb.smp_mb") == p("cpu1.fb.smp_mb") + 1);
            CHECK(m("ipi.resched") == 0);
            CHECK(m("cpu1.ipi.received") == 0);
        }
        THEN("the modes differ only in the idle loop's own operations") {
            CHECK(h("cpu0.fb.atomic") == p("cpu0.fb.atomic"));
            CHECK(m("cpu0.fb.atomic") == p("cpu0.fb.atomic"));
            CHECK(h("cpu1.fb.atomic") == p("cpu1.fb.atomic") + 2 + 2);
            CHECK(m("cpu1.fb.atomic") == p("cpu1.fb.atomic") + 4);
        }
    }
}

SCENARIO("an interrupt taken in the idle EQS leaves it and enters it again", "[idle]") {
    GIVEN("b's sleep timer fires while cpu1 idles") {
        const auto poll = test::run(timed_sleep("poll"));
        const auto halt = test::run(timed_sleep("halt"));
        const Counters p{poll}, h{halt};
        THEN("rcu_irq_enter and rcu_irq_exit bracket the hrtimer interrupt in both modes") {
            // poll: rcu_idle_enter; the timer: rcu_irq_enter, try_to_wake_up(b) (local),
            // rcu_irq_exit; the spin sees NEED_RESCHED: rcu_idle_exit.
            CHECK(p("cpu1.fb.atomic.rcu_dynticks") == 4);
            // halt: the same four around the HLT the timer ends.
            CHECK(h("cpu1.fb.atomic.rcu_dynticks") == 4);
            // The wakeup is local (set_tsk_need_resched), so neither mode sends an IPI.
            CHECK(p("ipi.sent") == 0);
            CHECK(h("ipi.sent") == 0);
            CHECK(h("cpu1.fb.atomic.set_polling") == p("cpu1.fb.atomic.set_polling") + 1);
        }
    }
}

SCENARIO("a grace period ends by the busy CPU's tick, not by an IPI", "[rcu]") {
    GIVEN("a 1 ms tick (timeslice = 3,000,000)") {
        const std::string toml = global_with_busy_cpu("timeslice = 3000000", "");
        const auto r = test::run(toml);
        const Counters c{r};
        THEN("spin reports at its first tick: rcu_core's rnp->lock on cpu1, no reschedule") {
            CHECK(c("rcu.sync") == 1);
            CHECK(c("ipi.sent") == 0);
            CHECK(c("cpu1.fb.atomic.rcu_node_lock") == 1);
            // The one scan (rcu_grace_period after the call): one leaf lock, one snapshot
            // (cpu2's; cpu0 reported at g's switch, cpu1 at its tick).
            CHECK(c("cpu0.fb.atomic.rcu_node_lock") == 1);
            // The scan at t_a + 3,000,000 ends it, just after spin's tick at t = 3,000,000.
            const std::int64_t t = global_return_time(toml);
            CHECK(t > 3000000);
            CHECK(t < 3100000);
        }
    }
    GIVEN("no tick (timeslice = 0)") {
        const std::string toml = global_with_busy_cpu("", "");
        const auto r = test::run(toml);
        const Counters c{r};
        THEN("the grace period waits for spin's exit: its switch away is cpu1's quiescent state") {
            CHECK(c("rcu.sync") == 1);
            CHECK(c("ipi.sent") == 0);
            CHECK(c("cpu1.fb.atomic.rcu_node_lock") == 0);
            CHECK(global_return_time(toml) > 20000000);
            // Each scan takes the one leaf's lock and snapshots cpu1 (cpu2 is reported by the
            // first). The first is at t = 3,004,145 (rcu_grace_period after synchronize_rcu);
            // each re-arms 300,000 cycles after its own start plus its ~600 cycles of interrupt
            // entry, timer handler and atomics; the 58th, at t = 20,137,765, is the first after
            // spin's last switch (t = 20,007,600) and ends the grace period.
            CHECK(c("cpu0.fb.atomic.rcu_node_lock") == 58);
        }
    }
    GIVEN("no tick, and a stall half-timeout of 6,000,000 cycles (rcu_jiffies_resched)") {
        const std::string toml = global_with_busy_cpu(
            "", "rcu_jiffies_resched = 6000000\nrcu_jiffies_to_sched_qs = 1000000");
        const auto r = test::run(toml);
        const Counters c{r};
        THEN("resched_cpu is the fallback: cpu1's rq lock and one reschedule IPI") {
            CHECK(c("ipi.resched") == 1);
            CHECK(c("cpu1.ipi.received") == 1);
            // cpu1's __schedule (no switch) reports the quiescent state; the next scan ends the
            // grace period, the first past 6,000,000 cycles after the call.
            const std::int64_t t = global_return_time(toml);
            CHECK(t > 6000000);
            CHECK(t < 7000000);
        }
    }
}

SCENARIO("rcu_urgent_qs makes a busy kernel-mode CPU's tick set NEED_RESCHED", "[rcu]") {
    GIVEN("a kthread works in kernel mode on cpu1 through a grace period, with a tick") {
        // k acts on NEED_RESCHED between its work steps (cond_resched), as kthreads do.
        const auto r = test::run(R"(
[machine]
cpus = 3
timeslice = 1000000
[machine.costs]
rcu_jiffies_to_sched_qs = 2000000
[[process]]
name = "b"
[[kthread]]
name = "k"
cpu = 1
program = ["repeat 40", "work 500000", "end"]
[[thread]]
name = "g"
process = "b"
cpu = 0
program = ["user 1000", "membarrier global label=g", "user 1000"]
)");
        const Counters c{r};
        THEN("no tick reports a kernel-mode CPU; after jiffies_to_sched_qs its tick reschedules "
             "it") {
            CHECK(c("rcu.sync") == 1);
            CHECK(c("ipi.sent") == 0);
            CHECK(c("cpu1.fb.atomic.rcu_node_lock") == 0);
            // The scan past 2,000,000 cycles sets rcu_urgent_qs; k's next tick sets
            // NEED_RESCHED on cpu1 itself (no IPI); its __schedule is the quiescent state.
            CHECK(c("cpu1.fb.atomic.set_tsk_need_resched") == 1);
            CHECK(c("cpu1.ipi.received") == 0);
        }
    }
}

SCENARIO("a grace period that starts during another's scan leaves the scan's intact", "[rcu]") {
    // a's MEMBARRIER_CMD_GLOBAL starts a grace period; its scan (rcu_grace_period later, on
    // cpu0, idle) takes an rnp->lock and an rcu_dynticks atomic per CPU, and the other CPUs run
    // between them. b's call starts a second grace period inside that scan. Until 2026-12-07 the
    // grace periods lived in a std::vector, whose growth moved the first under the scan: the
    // scan's reports went to freed memory, a's grace period never ended, and the run stopped in
    // a deadlock with a blocked on cpu0 (or crashed: the soak's SIGSEGV on 1,024 CPUs).
    for (const char* b_user : {"21550", "22000", "22750"}) {
        INFO("b's call after user " << b_user);
        const std::string toml = std::string(R"(
[machine]
cpus = 64
costs = { rcu_grace_period = 20000 }
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "membarrier global", "user 100"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user )") + b_user + R"(", "membarrier global", "user 100"]
)";
        const auto r = test::run(toml);
        const Counters c{r};
        CHECK(r.error.empty());
        CHECK(c("rcu.sync") == 2);
    }
}
