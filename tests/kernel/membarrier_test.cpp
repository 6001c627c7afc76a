// membarrier(2) as in v5.10.13 (kernel/sched/membarrier.c; docs/kernel-notes.md §10): target
// selection by rq->curr->mm, the caller's CPU, SYNC_CORE's local ipi_sync_core, the
// mm_users == 1 shortcut, errors and QUERY, and registration's RCU grace period and
// ipi_sync_rq_state.

#include "kernel/support.h"

#include <string>

namespace {

struct Counters {
    const run::RunResult& r;
    std::int64_t operator()(const std::string& name) const { return test::counter(r, name); }
};

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
            // cpu0 atomics: boot 7; one llist_add per remote call (pe, sc, r1).
            CHECK(c("cpu0.fb.atomic") == 7 + 3);
            // The IPI handlers take no locks; each flush takes its queue by llist_del_all (an
            // xchg): cpu1's boot switch's 7, and one per IPI (3).
            CHECK(c("cpu1.fb.atomic") == 7 + 3);
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
            // boot 7 + the two membarrier_state_or.
            CHECK(c("cpu1.fb.atomic") == 7 + 2);
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
    GIVEN("a registers PRIVATE_EXPEDITED while b (same process) runs on cpu1 and c (another "
          "process) on cpu2") {
        const auto r = test::run(R"(
[machine]
cpus = 4
max_cycles = 100000

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
)");
        const Counters c{r};
        THEN("one grace period; ipi_sync_rq_state to cpu1 only (the caller's CPU is skipped)") {
            CHECK(result(r, "r1") == value(0));
            // Already registered: returns 0 before doing anything.
            CHECK(result(r, "r2") == value(0));
            // mm_users == 2: synchronize_rcu. a blocks (cpu0 goes idle). The first grace-period
            // scan (an hrtimer interrupt on cpu0, rcu_grace_period after the start) finds cpu0
            // and cpu3 idle (quiescent) and cpu1 (b) and cpu2 (c) running tasks: resched_curr
            // on each, i.e. set_nr_and_not_polling and a RESCHEDULE IPI; their __schedule on
            // the way back to user mode reports the quiescent state (no switch). The next scan
            // finds the grace period over and wakes a.
            CHECK(c("rcu.sync") == 1);
            CHECK(c("ipi.resched") == 2);
            // Then rq->curr of each CPU: cpu0 (a, p), cpu1 (b, p), cpu2 (c, q), cpu3 (idle).
            // tmpmask = {0, 1}; smp_call_function_many skips the caller: one IPI to cpu1.
            CHECK(c("ipi.sync_rq_state") == 1);
            CHECK(c("ipi.sent") == 2 + 1);
            CHECK(c("cpu1.ipi.received") == 2);
            CHECK(c("cpu2.ipi.received") == 1);
            // ipi_sync_rq_state on cpu1: current->mm == p: store rq->membarrier_state, smp_mb.
            // cpu1's IRETs: ret_from_fork, the reschedule IPI's and this IPI's returns to user.
            CHECK(c("cpu1.fb.smp_mb") == 1);
            CHECK(c("cpu1.ser.iret") == 3);
            // cpu1 and cpu2 atomics: boot 7; the forced __schedule: rq_lock,
            // clear_tsk_need_resched; on cpu1 also the sync_rq_state IPI's llist_del_all.
            CHECK(c("cpu1.fb.atomic") == 7 + 2 + 1);
            CHECK(c("cpu2.fb.atomic") == 7 + 2);
            // cpu0's smp_mb is not the registration's (that is only the one-user shortcut): it
            // is switch_mm's d1 barrier when a comes back from the grace-period sleep.
            CHECK(c("cpu0.fb.smp_mb") == 1);
            // cpu0 atomics: boot 7; atomic_or(PRIVATE_EXPEDITED); the sleep: rq_lock,
            // clear_tsk_need_resched, mmgrab(p); the first scan: two set_nr_and_not_polling;
            // the second scan's wakeup: pi_lock, rq_lock, set_tsk_need_resched; each scan's
            // hrtimer_interrupt: two cpu_base->lock (2 x 2); idle->a: rq_lock,
            // clear_tsk_need_resched, mmdrop(p); llist_add; atomic_or(..._READY).
            CHECK(c("cpu0.fb.atomic") == 7 + 1 + 3 + 2 + 3 + 4 + 3 + 1 + 1);
            // ret_from_fork, and the two grace-period scans' IRETs to the idle loop.
            CHECK(c("cpu0.ser.iret") == 3);
            // cpu2 (another mm) gets no registration IPI; cpu3 (idle) sees nothing at all.
            CHECK(c("cpu2.fb.smp_mb") == 0);
            CHECK(c("cpu3.fb.total") == 0);
            // Everyone is still in a long user step when the run stops.
            CHECK(r.reached_max_cycles);
            CHECK(r.cycles == 100000);
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
