// membarrier(2) as in v5.10.13 (kernel/sched/membarrier.c; docs/kernel-notes.md §10): target
// selection by rq->curr->mm, the caller's CPU, SYNC_CORE's local ipi_sync_core, the
// mm_users == 1 shortcut, errors and QUERY, and registration's RCU grace period and
// ipi_sync_rq_state.

#include "kernel/support.h"

#include <string>

namespace {

using test::Counters;

scenario::ResultValue value(std::int64_t v) {
    scenario::ResultValue r;
    r.value = v;
    return r;
}

scenario::ResultValue error(const std::string& name) {
    scenario::ResultValue r;
    r.is_errno = true;
    r.errno_name = name;
    return r;
}

scenario::ResultValue result(const run::RunResult& r, const std::string& label) {
    const auto it = r.results.find(label);
    INFO("label " << label);
    REQUIRE(it != r.results.end());
    return it->second;
}

// cpu0: the caller a; cpu1: b of p in user mode; cpu2: a kernel thread; cpu3: idle, lazily on
// p (d sleeps there). The caller issues, 5000 user cycles apart: PRIVATE_EXPEDITED,
// PRIVATE_EXPEDITED_SYNC_CORE, then three RSEQ calls with MEMBARRIER_CMD_FLAG_CPU for cpu 1,
// cpu 0 (itself) and cpu 2 (the kthread).
const char* const expedited_scenario = R"(
[machine]
cpus = 4
max_cycles = 60000

[[process]]
name = "p"
register = ["private_expedited", "private_expedited_sync_core", "private_expedited_rseq"]

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "membarrier private_expedited label=pe",
           "user 5000", "membarrier private_expedited_sync_core label=sc",
           "user 5000", "membarrier private_expedited_rseq flags=cpu cpu=1 label=r1",
           "membarrier private_expedited_rseq flags=cpu cpu=0 label=r0",
           "membarrier private_expedited_rseq flags=cpu cpu=2 label=r2",
           "user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]

[[thread]]
name = "d"
process = "p"
cpu = 3
program = ["user 100", "sleep 1000000"]

[[kthread]]
name = "k"
cpu = 2
program = ["work 1000000"]
)";

} // namespace

SCENARIO("PRIVATE_EXPEDITED, SYNC_CORE and RSEQ target CPUs whose rq->curr->mm is the caller's",
         "[membarrier][expedited]") {
    GIVEN("a caller, a sibling running user code, a kthread and an idle CPU lazily on the mm") {
        const auto r = test::run(expedited_scenario);
        const Counters c{r};
        THEN("only cpu1 is interrupted; SYNC_CORE also syncs the caller's CPU locally") {
            for (const char* label : {"pe", "sc", "r1", "r0", "r2"}) {
                CHECK(result(r, label) == value(0));
            }
            // PRIVATE_EXPEDITED: rq->curr of cpu0 (a: p), cpu1 (b: p), cpu2 (k: mm NULL),
            // cpu3 (idle: mm NULL). tmpmask = {0,1}; smp_call_function_many skips the caller:
            // one target, cpu1, busy in user mode: one IPI (ipi_mb).
            // SYNC_CORE: the same mask; on_each_cpu_mask: the IPI to cpu1 (ipi_sync_core), then
            // ipi_sync_core locally on cpu0 with IRQs off: no IPI for it.
            // RSEQ cpu=1: smp_call_function_single(1): one IPI (ipi_rseq). cpu=0: the caller's
            // CPU: ipi_rseq runs locally, no IPI. cpu=2: rq(2)->curr is k, whose mm is NULL:
            // no call at all.
            CHECK(c("ipi.membarrier") == 3);
            CHECK(c("cpu0.ipi.sent") == 3);
            CHECK(c("cpu1.ipi.received") == 3);
            CHECK(c("cpu2.ipi.received") == 0);
            CHECK(c("cpu3.ipi.received") == 0);
            // cpu0's smp_mb: entry and exit barriers of all five calls (10), plus the local
            // ipi_sync_core and the local ipi_rseq (one each).
            CHECK(c("cpu0.fb.smp_mb") == 5 * 2 + 2);
            // cpu1: one smp_mb in each handler (ipi_mb, ipi_sync_core, ipi_rseq).
            CHECK(c("cpu1.fb.smp_mb") == 3);
            // sync_core: remote on cpu1 and local on cpu0, both at site ipi_sync_core.
            CHECK(c("ser.sync_core@ipi_sync_core") == 2);
            CHECK(c("cpu0.ser.sync_core@ipi_sync_core") == 1);
            CHECK(c("cpu1.ser.sync_core@ipi_sync_core") == 1);
            CHECK(c("ser.sync_core@finish_task_switch") == 0);
            // IRETs: ret_from_fork on cpu0, cpu1 and cpu3; the three IPI returns to user on
            // cpu1. The local handler runs have none.
            CHECK(c("cpu0.ser.iret") == 1);
            CHECK(c("cpu1.ser.iret") == 1 + 3);
            CHECK(c("cpu2.ser.total") == 0);
            CHECK(c("cpu3.ser.iret") == 1);
            // cpu0 atomics: boot 9 (do_idle's set_polling and clr_polling, the switch's 7); one
            // llist_add per remote call (pe, sc, r1).
            CHECK(c("cpu0.fb.atomic") == 9 + 3);
            // The IPI handlers take no locks; each flush takes its queue by llist_del_all (an
            // xchg): cpu1's boot 9, and one per IPI (3). b is in user mode, not in an EQS: no
            // rcu_irq_enter/exit.
            CHECK(c("cpu1.fb.atomic") == 9 + 3);
            CHECK(c("membarrier.calls") == 5);
            CHECK(c("membarrier.calls.private_expedited") == 1);
            CHECK(c("membarrier.calls.private_expedited_sync_core") == 1);
            CHECK(c("membarrier.calls.private_expedited_rseq") == 3);
        }
    }
}

SCENARIO("the mm_users == 1 shortcut, errors and QUERY", "[membarrier][errors]") {
    GIVEN("a single-threaded registered process and an unregistered one") {
        const auto r = test::run(R"(
[machine]
cpus = 2
max_cycles = 60000

[[process]]
name = "p"
register = ["private_expedited", "private_expedited_sync_core"]

[[process]]
name = "q"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["membarrier private_expedited label=pe",
           "membarrier private_expedited_sync_core label=sc",
           "user 1000000"]

[[thread]]
name = "b"
process = "q"
cpu = 1
program = ["membarrier private_expedited label=eperm",
           "membarrier private_expedited_sync_core label=eperm_sc",
           "membarrier query label=query",
           "membarrier private_expedited flags=1 label=flags",
           "membarrier 3 label=badcmd",
           "membarrier -1 label=negative",
           "membarrier register_private_expedited label=reg",
           "membarrier private_expedited label=after expect=0",
           "user 1000000"]
)");
        const Counters c{r};
        THEN("PRIVATE_EXPEDITED returns at once, SYNC_CORE still runs its barriers") {
            CHECK(result(r, "pe") == value(0));
            CHECK(result(r, "sc") == value(0));
            // a is p's only thread (mm_users == 1): PRIVATE_EXPEDITED returns 0 before the
            // entry barrier. SYNC_CORE is excluded from the shortcut: entry smp_mb, rq->curr
            // reads (cpu0: a; cpu1: b of q), tmpmask = {0}: no remote call, ipi_sync_core
            // locally (smp_mb + sync_core), exit smp_mb.
            CHECK(c("cpu0.fb.smp_mb") == 3);
            CHECK(c("cpu0.ser.sync_core@ipi_sync_core") == 1);
            CHECK(c("ipi.sent") == 0);
            // cpu0's [SER]: the boot switch's CR3, ret_from_fork's IRET, the local sync_core.
            CHECK(c("cpu0.ser.total") == 3);
        }
        THEN("errors in the kernel's order, and QUERY's mask") {
            // q registered nothing: PRIVATE_EXPEDITED_READY missing -> EPERM; SYNC_CORE_READY
            // missing -> EPERM.
            CHECK(result(r, "eperm") == error("EPERM"));
            CHECK(result(r, "eperm_sc") == error("EPERM"));
            // MEMBARRIER_CMD_BITMASK of v5.10.13: commands 1..64 without RSEQ = 0x7f.
            CHECK(result(r, "query") == value(127));
            // flags != 0 for a command other than PRIVATE_EXPEDITED_RSEQ.
            CHECK(result(r, "flags") == error("EINVAL"));
            // Not a command: the switch's default.
            CHECK(result(r, "badcmd") == error("EINVAL"));
            CHECK(result(r, "negative") == error("EINVAL"));
            // Registering with mm_users == 1: atomic_or(PRIVATE_EXPEDITED),
            // sync_runqueues_membarrier_state's shortcut (this CPU's rq->membarrier_state and
            // an smp_mb), atomic_or(PRIVATE_EXPEDITED_READY). No RCU grace period.
            CHECK(result(r, "reg") == value(0));
            CHECK(c("rcu.sync") == 0);
            // And then PRIVATE_EXPEDITED works, through the mm_users == 1 shortcut.
            CHECK(result(r, "after") == value(0));
            CHECK(r.step_expect_failures.empty());
            // cpu1's only smp_mb is the registration's; every error returned before any
            // barrier.
            CHECK(c("cpu1.fb.smp_mb") == 1);
            // boot 9 (set_polling, clr_polling, the switch's 7) + the two membarrier_state_or.
            CHECK(c("cpu1.fb.atomic") == 9 + 2);
            CHECK(c("membarrier.calls") == 2 + 8);
            CHECK(c("membarrier.errors.EPERM") == 2);
            CHECK(c("membarrier.errors.EINVAL") == 3);
            CHECK(c("membarrier.calls.invalid") == 2); // cmd 3 and cmd -1
            CHECK(c("membarrier.calls.query") == 1);
        }
    }
}

SCENARIO("registration with several threads waits for RCU and IPIs the other CPUs running the mm",
         "[membarrier][register]") {
    // a registers PRIVATE_EXPEDITED while b (same process) runs user code on cpu1 and c (another
    // process) on cpu2; cpu3 has no thread. `TICK` is the machine's timeslice line.
    const std::string scenario = R"(
[machine]
cpus = 4
max_cycles = 100000
TICK

[machine.costs]
rcu_grace_period = 20000

[[process]]
name = "p"

[[process]]
name = "q"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "membarrier register_private_expedited label=r1",
           "membarrier register_private_expedited label=r2", "user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]

[[thread]]
name = "c"
process = "q"
cpu = 2
program = ["user 1000000"]
)";
    const auto with_tick = [&](const std::string& line) {
        std::string s = scenario;
        s.replace(s.find("TICK"), 4, line);
        return s;
    };
    GIVEN("a scheduler tick every 24000 cycles") {
        const auto r = test::run(with_tick("timeslice = 24000"));
        const Counters c{r};
        THEN("one grace period, ended by b's and c's ticks in user mode; ipi_sync_rq_state to "
             "cpu1 only (the caller's CPU is skipped)") {
            CHECK(result(r, "r1") == value(0));
            // Already registered: returns 0 before doing anything.
            CHECK(result(r, "r2") == value(0));
            // mm_users == 2: synchronize_rcu (t=8165). a blocks: its context switch is cpu0's
            // quiescent state (rcu_note_context_switch), and cpu0 goes idle. The ticks at 24000
            // interrupt b and c in user mode: rcu_sched_clock_irq(user) -> rcu_qs, reported by
            // RCU_SOFTIRQ's rcu_core under the leaf rnp->lock. The first grace-period scan (an
            // hrtimer interrupt on cpu0, rcu_grace_period after the start: t=28165) finds only
            // cpu3 pending, reads its rdp->dynticks: in the idle EQS, so quiescent; the grace
            // period is over and the scan wakes a. No CPU is rescheduled for RCU: resched_cpu
            // comes only after rcu_jiffies_resched.
            CHECK(c("rcu.sync") == 1);
            CHECK(c("ipi.resched") == 0);
            CHECK(c("fb.atomic.rcu_node_lock") == 2 + 1); // b's and c's rcu_core, the scan
            // Then rq->curr of each CPU: cpu0 (a, p), cpu1 (b, p), cpu2 (c, q), cpu3 (idle).
            // tmpmask = {0, 1}; smp_call_function_many skips the caller: one IPI to cpu1.
            CHECK(c("ipi.sync_rq_state") == 1);
            CHECK(c("ipi.sent") == 1);
            CHECK(c("cpu1.ipi.received") == 1);
            CHECK(c("cpu2.ipi.received") == 0);
            // ipi_sync_rq_state on cpu1: current->mm == p: store rq->membarrier_state, smp_mb.
            // cpu1's IRETs: ret_from_fork, this IPI's return to user, and the four ticks' (24000,
            // 48000, 72000, 96000).
            CHECK(c("cpu1.fb.smp_mb") == 1);
            CHECK(c("cpu1.ser.iret") == 1 + 1 + 4);
            // cpu1 and cpu2 atomics: boot 9 (do_idle's set_polling and clr_polling, the switch's
            // 7); four ticks x (hrtimer_interrupt's two cpu_base->lock + scheduler_tick's
            // rq_lock); the first tick's rcu_core: rnp->lock; on cpu1 also the sync_rq_state
            // IPI's llist_del_all.
            CHECK(c("cpu1.fb.atomic") == 9 + 4 * 3 + 1 + 1);
            CHECK(c("cpu2.fb.atomic") == 9 + 4 * 3 + 1);
            // cpu0's smp_mb is not the registration's (that is only the one-user shortcut): it
            // is switch_mm's d1 barrier when a comes back from the grace-period sleep.
            CHECK(c("cpu0.fb.smp_mb") == 1);
            // cpu0 atomics: boot 9; atomic_or(PRIVATE_EXPEDITED); the sleep: rq_lock,
            // clear_tsk_need_resched, mmgrab(p) (3); the idle period: set_polling,
            // rcu_idle_enter, rcu_idle_exit, clr_polling (4); the scan's hrtimer_interrupt,
            // taken in the idle EQS: rcu_irq_enter and rcu_irq_exit (2), two cpu_base->lock
            // (2), force_qs_rnp's rnp->lock and cpu3's dynticks snapshot (an atomic_add_return
            // of 0) (2), the wakeup: pi_lock, rq_lock, set_tsk_need_resched (3); idle->a:
            // rq_lock, clear_tsk_need_resched, mmdrop(p) (3); llist_add; atomic_or(..._READY);
            // a's three ticks in user mode (48000, 72000, 96000; no grace period waits) x 3.
            CHECK(c("cpu0.fb.atomic") == 9 + 1 + 3 + 4 + (2 + 2 + 2 + 3) + 3 + 1 + 1 + 3 * 3);
            // ret_from_fork, the scan's IRET to the idle loop, and the three ticks' returns.
            CHECK(c("cpu0.ser.iret") == 1 + 1 + 3);
            // cpu2 (another mm) gets no registration IPI. cpu3 only enters the idle loop at
            // t=0 (set_polling, rcu_idle_enter) and stays in its EQS: the scan reads its
            // rdp->dynticks from cpu0.
            CHECK(c("cpu2.fb.smp_mb") == 0);
            CHECK(c("cpu3.fb.total") == 2);
            // Everyone is still in a long user step when the run stops.
            CHECK(r.reached_max_cycles);
            CHECK(r.cycles == 100000);
        }
    }
    GIVEN("no tick (timeslice = 0, the default)") {
        const auto r = test::run(with_tick(""));
        const Counters c{r};
        THEN("the grace period waits for b and c to switch, so a is still in synchronize_rcu "
             "when the run stops") {
            // b and c never leave user mode and nothing ticks: no quiescent state for cpu1 and
            // cpu2. Each scan only reads their rdp->dynticks (odd, unchanged); resched_cpu
            // would come after rcu_jiffies_resched (31.5e9 cycles), far past max_cycles.
            CHECK(r.reached_max_cycles);
            CHECK(r.results.find("r1") == r.results.end());
            CHECK(c("rcu.sync") == 0);
            CHECK(c("ipi.sent") == 0);
            CHECK(c("ipi.resched") == 0);
            // cpu1 and cpu2 execute nothing after their boot switch: the scans are all cpu0's.
            CHECK(c("cpu1.fb.atomic") == 9);
            CHECK(c("cpu2.fb.atomic") == 9);
            // Scans on cpu0 from t=28165 (rcu_grace_period after synchronize_rcu at 8165),
            // each rearming rcu_grace_period / 10 after its force_qs_rnp: 28165, 30785, then
            // every 2600 cycles to 98385: 28 scans, one rnp->lock each (one leaf for 4 CPUs).
            CHECK(c("cpu0.fb.atomic.rcu_node_lock") == 28);
            CHECK(c("cpu0.fb.atomic.hrtimer_base_lock") == 28 * 2);
            // cpu0's dynticks atomics: rcu_idle_enter once (a never comes back); each scan's
            // rcu_irq_enter and rcu_irq_exit; the snapshots: cpu1, cpu2 and cpu3 at the first
            // scan (cpu3 in its EQS: quiescent), cpu1 and cpu2 at each later one.
            CHECK(c("cpu0.fb.atomic.rcu_dynticks") == 1 + 28 * 2 + 3 + 27 * 2);
            // cpu3: only its idle loop's entry (set_polling, rcu_idle_enter).
            CHECK(c("cpu3.fb.total") == 2);
        }
    }
}

SCENARIO("a kernel thread inside kthread_use_mm is a PRIVATE_EXPEDITED target",
         "[membarrier][kthread_use_mm]") {
    GIVEN("the caller on cpu0 and a kthread using p on cpu1") {
        const auto r = test::run(R"(
[machine]
cpus = 2
max_cycles = 60000

[[process]]
name = "p"
register = ["private_expedited"]

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "membarrier private_expedited label=pe", "user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 0
program = ["user 1000000"]

[[kthread]]
name = "k"
cpu = 1
program = ["use_mm p", "work 1000000"]
)");
        const Counters c{r};
        THEN("rq(1)->curr->mm is p, so cpu1 gets ipi_mb and returns to kernel mode by IRET") {
            CHECK(result(r, "pe") == value(0));
            // mm_users is 2 (a and b; the kthread does not count): no shortcut. tmpmask =
            // {0 (a), 1 (k, tsk->mm = p)}; the caller is skipped: one IPI.
            CHECK(c("ipi.membarrier") == 1);
            CHECK(c("cpu1.ipi.received") == 1);
            // cpu1: ipi_mb's smp_mb; the interrupted `work` continues after an IRET to kernel.
            CHECK(c("cpu1.fb.smp_mb") == 1);
            CHECK(c("cpu1.ser.iret") == 1);
            // cpu1's other [SER]: kthread_use_mm's CR3 (init_mm -> p, flush).
            CHECK(c("cpu1.ser.total") == 2);
            // cpu0: entry and exit barriers.
            CHECK(c("cpu0.fb.smp_mb") == 2);
        }
    }
}

SCENARIO("GLOBAL_EXPEDITED IPIs CPUs whose rq->membarrier_state is registered and whose curr is "
         "not a kernel thread",
         "[membarrier][global_expedited]") {
    GIVEN("a caller of another process; p registered GLOBAL_EXPEDITED running on cpu1, idle "
          "lazily on cpu2, used by a kthread on cpu3") {
        const auto r = test::run(R"(
[machine]
cpus = 4
max_cycles = 60000

[[process]]
name = "p"
register = ["global_expedited"]

[[process]]
name = "q"

[[thread]]
name = "a"
process = "q"
cpu = 0
program = ["user 5000", "membarrier global_expedited label=ge", "user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]

[[thread]]
name = "c"
process = "p"
cpu = 2
program = ["user 100", "sleep 1000000"]

[[kthread]]
name = "k"
cpu = 3
program = ["use_mm p", "work 1000000"]
)");
        const Counters c{r};
        THEN("only cpu1 is interrupted") {
            CHECK(result(r, "ge") == value(0));
            // The caller's CPU is skipped. cpu1: rq->membarrier_state was copied from p by
            // membarrier_switch_mm at idle->b, curr b is a user task: IPI. cpu2: the state was
            // copied at idle->c and kept, but curr is the idle task (PF_KTHREAD): skipped.
            // cpu3: kthread_use_mm does not update rq->membarrier_state in v5.10 (0): skipped
            // before rq->curr is even read.
            CHECK(c("ipi.membarrier") == 1);
            CHECK(c("cpu1.ipi.received") == 1);
            CHECK(c("cpu1.fb.smp_mb") == 1);
            CHECK(c("cpu0.fb.smp_mb") == 2);
            CHECK(c("cpu3.ipi.received") == 0);
            CHECK(c("membarrier.calls.global_expedited") == 1);
        }
    }
}
