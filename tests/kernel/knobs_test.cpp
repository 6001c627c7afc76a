// Each knob's effect in isolation: the v5.10 preset against v5.10 with that one knob moved,
// on a scenario where the knob's kernel path runs. The knob table documents what each changes.

#include "kernel/arch_rig.h"
#include "kernel/record_kinds.h"
#include "kernel/scenario_builder.h"
#include "kernel/support.h"
#include "membarrier/membarrier.h"
#include "policy/presets.h"

#include <fmt/format.h>

#include <algorithm>

namespace {

/// Runs `toml` under v5.10 and under v5.10 with `knob = value` (a [[policy]] named "k").
std::pair<run::RunResult, run::RunResult> compare(const std::string& toml, const std::string& knob,
                                                  const std::string& value) {
    const std::string with_policy =
        toml + fmt::format("\n[[policy]]\nname = \"k\"\nbase = \"v5.10\"\nknobs = {{ {} = {} }}\n",
                           knob, value);
    const auto sc = test::load(with_policy);
    return {test::run(sc, "v5.10"), test::run(sc, "k")};
}

// cpu1 idles lazily on jit (SYNC_CORE) while t1 on cpu0 calls membarrier, then t2 comes back.
const char* const lazy_return = R"(
[machine]
cpus = 2
[[process]]
name = "jit"
register = ["private_expedited_sync_core", "private_expedited"]
[[thread]]
name = "t1"
process = "jit"
cpu = 0
program = ["user 5000", "membarrier private_expedited_sync_core", "signal go", "user 2000"]
[[thread]]
name = "t2"
process = "jit"
cpu = 1
program = ["user 1000", "wait go", "user 1000"]
)";

// t2 runs user code on cpu1 throughout t1's SYNC_CORE call: it gets the IPI.
const char* const remote_ipi = R"(
[machine]
cpus = 2
[[process]]
name = "jit"
register = ["private_expedited_sync_core", "private_expedited"]
[[thread]]
name = "t1"
process = "jit"
cpu = 0
program = ["user 5000", "membarrier private_expedited_sync_core", "membarrier private_expedited", "user 2000"]
[[thread]]
name = "t2"
process = "jit"
cpu = 1
program = ["user 20000"]
)";

// docs/kernel-notes.md §15.4 item 6: r1 registers GLOBAL_EXPEDITED on cpu1 while r2 of its process
// runs on cpu2; g (another process) calls GLOBAL_EXPEDITED much later. The registration's grace
// period needs a quiescent state from r2's CPU, which only runs user code: the machine has a 1 ms
// tick (HZ=1000 at 3 GHz), whose first interrupt of r2 in user mode (t=3000000) reports it, so the
// registration completes (t=3008623) long before g's call (t=20006460). Without a tick the grace
// period would wait for r2's first context switch, at its exit (t=30003735), after g's call.
const char* const registration_race = R"(
[machine]
cpus = 3
timeslice = 3000000
[[process]]
name = "reg"
[[process]]
name = "other"
[[thread]]
name = "r1"
process = "reg"
cpu = 1
program = ["user 1000", "membarrier register_global_expedited", "user 40000000"]
[[thread]]
name = "r2"
process = "reg"
cpu = 2
program = ["user 30000000"]
[[thread]]
name = "g"
process = "other"
cpu = 0
program = ["sleep 20000000", "membarrier global_expedited", "user 1000"]
)";

std::int64_t c(const run::RunResult& r, const std::string& name) {
    return test::counter(r, name);
}

} // namespace

TEST_CASE("lazy_sync_core moves the d1 core sync", "[knobs]") {
    auto [base, k] = compare(lazy_return, "lazy_sync_core", "\"switch_mm_next_registration\"");
    CHECK(c(base, "cpu1.ser.sync_core@finish_task_switch") == 1);
    CHECK(c(k, "cpu1.ser.sync_core@finish_task_switch") == 0);
    CHECK(c(k, "cpu1.ser.sync_core@switch_mm_irqs_off") == 1);
}

TEST_CASE("sync_core_checks_current_mm: without it the lazy mm's registration alone decides",
          "[knobs]") {
    // cpu0 runs t of jit (registered), goes idle (lazy on jit), then runs u of another process:
    // rq->prev_mm is jit but current->mm is other.
    const char* toml = R"(
[machine]
cpus = 1
[[process]]
name = "jit"
register = ["private_expedited_sync_core"]
[[process]]
name = "other"
[[thread]]
name = "t"
process = "jit"
cpu = 0
program = ["user 100", "sleep 20000", "user 100"]
[[thread]]
name = "u"
process = "other"
cpu = 0
start = 8000
program = ["user 100"]
)";
    auto [base, k] = compare(toml, "sync_core_checks_current_mm", "false");
    // With the test, a switch into a different mm than the lazy one never syncs (CR3 did).
    CHECK(c(k, "ser.sync_core@finish_task_switch") > c(base, "ser.sync_core@finish_task_switch"));
}

TEST_CASE("sync_core_skips_in_irq: the IPI handler's sync is skipped in hardirq", "[knobs]") {
    auto [base, k] = compare(remote_ipi, "sync_core_skips_in_irq", "true");
    CHECK(c(base, "cpu1.ser.sync_core@ipi_sync_core") == 1);
    CHECK(c(k, "cpu1.ser.sync_core@ipi_sync_core") == 0);
    // The caller's local run is not in hardirq: it still syncs.
    CHECK(c(k, "cpu0.ser.sync_core@ipi_sync_core") == 1);
}

TEST_CASE("lazy_switch_mb removes the d1 smp_mb", "[knobs]") {
    auto [base, k] = compare(lazy_return, "lazy_switch_mb", "false");
    CHECK(c(k, "cpu1.fb.smp_mb") == c(base, "cpu1.fb.smp_mb") - 1);
}

TEST_CASE("finish_task_switch_mmdrop_barrier makes the lazy drop barrier-free", "[knobs]") {
    auto [base, k] = compare(lazy_return, "finish_task_switch_mmdrop_barrier", "false");
    CHECK(c(k, "mm.drop") < c(base, "mm.drop"));
    CHECK(c(k, "fb.atomic") < c(base, "fb.atomic"));
}

TEST_CASE("membarrier_finish_switch_mm adds a barrier after to-user switches", "[knobs]") {
    auto [base, k] = compare(lazy_return, "membarrier_finish_switch_mm", "true");
    CHECK(c(k, "fb.smp_mb") > c(base, "fb.smp_mb"));
}

TEST_CASE("enter_lazy_tlb eager_with_pcid leaves the mm at once", "[knobs]") {
    auto [base, k] = compare(lazy_return, "enter_lazy_tlb", "\"eager_with_pcid\"");
    CHECK(c(k, "cpu1.ser.cr3") > c(base, "cpu1.ser.cr3"));
}

TEST_CASE("lazy_flush_ipi always: lazy CPUs get every shootdown", "[knobs]") {
    const char* toml = R"(
[machine]
cpus = 3
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "wait go", "user 100"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000", "wait go", "user 100"]
[[thread]]
name = "c"
process = "p"
cpu = 2
program = ["user 5000", "flush_tlb pages=1", "signal go", "user 100"]
)";
    auto [base, k] = compare(toml, "lazy_flush_ipi", "\"always\"");
    // cpu0 and cpu1 are idle and lazy: v5.10 skips them; with "always" both are IPI'd and unlazy.
    CHECK(c(k, "ipi.tlb") == c(base, "ipi.tlb") + 2);
    CHECK(c(k, "tlb.unlazy") == c(base, "tlb.unlazy") + 2);
}

TEST_CASE("cpumask_update lazy: the bit of the mm left lingers", "[knobs]") {
    auto [base, k] = compare(lazy_return, "cpumask_update", "\"lazy\"");
    CHECK(c(k, "fb.atomic") < c(base, "fb.atomic"));
}

TEST_CASE("lazy_cpumask_mb: the smp_mb where no locked cpumask_set_cpu orders the tlb_gen read",
          "[knobs]") {
    // ta and tb of two processes share cpu0, each sleeping once, then exit. Under the lazy
    // update a CPU's bit lingers in the mm it left, so switch_mm_irqs_off sets no bit when it
    // comes back: tb -> ta at t~9,800 (a's bit set since ta first ran) and ta's exit -> tb
    // (b's bit set since tb's first run); and next == init_mm takes the same else branch: the
    // exiting mm's flush finds each CPU lazy in it and switches it to init_mm (twice). v6.18's
    // smp_mb() (83b0177a6c48) is in all four; v6.15..v6.17 had none.
    const std::string toml = R"(
[machine]
cpus = 1
[[process]]
name = "a"
[[process]]
name = "b"
[[thread]]
name = "ta"
process = "a"
cpu = 0
program = ["user 1000", "sleep 3000", "user 1000"]
[[thread]]
name = "tb"
process = "b"
cpu = 0
program = ["user 1000", "sleep 1000", "user 1000"]
[[policy]]
name = "k"
base = "mainline"
knobs = { lazy_cpumask_mb = false }
)";
    const auto sc = test::load(toml);
    const run::RunResult base = test::run(sc, "mainline");
    const run::RunResult k = test::run(sc, "k");
    CHECK(c(base, "fb.atomic.cpumask_set_cpu") == 2); // each mm's first switch in
    CHECK(c(base, "fb.smp_mb") == 4);
    CHECK(c(k, "fb.smp_mb") == 0);
    CHECK(c(k, "fb.atomic.cpumask_set_cpu") == 2);
}

TEST_CASE("sync_core_ipi mb_only trusts the IPI's IRET", "[knobs]") {
    auto [base, k] = compare(remote_ipi, "sync_core_ipi", "\"mb_only\"");
    CHECK(c(base, "cpu1.ser.sync_core@ipi_sync_core") == 1);
    CHECK(c(k, "ser.sync_core@ipi_sync_core") == 0);
}

TEST_CASE("sync_core_on_caller_cpu: the local run", "[knobs]") {
    auto [base, k] = compare(remote_ipi, "sync_core_on_caller_cpu", "false");
    CHECK(c(base, "cpu0.ser.sync_core@ipi_sync_core") == 1);
    CHECK(c(k, "cpu0.ser.sync_core@ipi_sync_core") == 0);
    CHECK(k.violations == std::vector<std::string>{"G-SC-SELF"});
}

TEST_CASE("expedited_shortcut decides when a lone caller skips the barriers", "[knobs]") {
    const char* toml = R"(
[machine]
cpus = 2
[[process]]
name = "solo"
register = ["private_expedited_sync_core", "private_expedited"]
[[thread]]
name = "t"
process = "solo"
cpu = 0
program = ["membarrier private_expedited", "membarrier private_expedited_sync_core"]
)";
    auto [base, online] = compare(toml, "expedited_shortcut", "\"online_cpus_only\"");
    auto [base2, all] = compare(toml, "expedited_shortcut", "\"all_commands\"");
    // v5.10: PRIVATE_EXPEDITED with mm_users == 1 returns at once; SYNC_CORE has its 2 barriers.
    CHECK(c(base, "fb.smp_mb") == 2 + 1); // entry, handler (local ipi_sync_core), exit
    CHECK(c(online, "fb.smp_mb") == 2 + 2 + 1);
    CHECK(c(all, "fb.smp_mb") == 0);
}

TEST_CASE("global_expedited_skip and membarrier_update_current_mm: a kthread using the mm",
          "[knobs]") {
    // r sleeps on cpu0 from the start: it holds reg's mm_users, which k's use_mm needs
    // (io_uring's mmget_not_zero fails on an mm without users).
    const char* toml = R"(
[machine]
cpus = 2
[[process]]
name = "reg"
register = ["global_expedited"]
[[process]]
name = "caller"
[[kthread]]
name = "k"
cpu = 1
program = ["use_mm reg", "work 20000", "unuse_mm"]
[[thread]]
name = "r"
process = "reg"
cpu = 0
program = ["sleep 50000"]
[[thread]]
name = "g"
process = "caller"
cpu = 0
program = ["user 5000", "membarrier global_expedited"]
)";
    const std::string both =
        std::string(toml) +
        "\n[[policy]]\nname = \"both\"\nbase = \"v5.10\"\nknobs = { global_expedited_skip = "
        "\"no_mm\", membarrier_update_current_mm = true }\n";
    const auto sc = test::load(both);
    const auto base = test::run(sc, "v5.10");
    const auto k = test::run(sc, "both");
    // v5.10: rq(1)->membarrier_state was never set (no switch into reg) and kthreads are skipped.
    CHECK(c(base, "ipi.membarrier") == 0);
    // v5.11+: kthread_use_mm updates the rq state and !p->mm is the only skip: an IPI.
    CHECK(c(k, "ipi.membarrier") == 1);
}

TEST_CASE("sync_rq_state_on_caller_cpu fixes the registration race", "[knobs]") {
    auto [base, k] = compare(registration_race, "sync_rq_state_on_caller_cpu", "true");
    CHECK(base.violations == std::vector<std::string>{"G-MB"});
    CHECK(k.violations.empty());
}

TEST_CASE("membarrier_rq_state: v4.16 targets by the mm's state, with no runqueue copy",
          "[knobs]") {
    // The registration race of the test above, without rq->membarrier_state: registration is
    // a grace period with no ipi_sync_rq_state, and g's GLOBAL_EXPEDITED reads each CPU's
    // rq->curr->mm->membarrier_state, so r1's CPU, which v5.10 skips with its stale runqueue
    // copy, gets its IPI too.
    auto [base, k] = compare(registration_race, "membarrier_rq_state", "false");
    CHECK(base.violations == std::vector<std::string>{"G-MB"});
    CHECK(c(base, "ipi.sync_rq_state") == 1); // r2's CPU; r1's own CPU is skipped
    CHECK(c(base, "warning.K4") == 1);
    CHECK(c(base, "cpu0.ipi.membarrier") == 1); // cpu2 only
    CHECK(k.violations.empty());
    CHECK(c(k, "ipi.sync_rq_state") == 0);
    CHECK(c(k, "rcu.sync") == c(base, "rcu.sync")); // the grace period stays
    CHECK(c(k, "warning.K4") == 0);                 // no runqueue copy to check
    CHECK(c(k, "cpu0.ipi.membarrier") == 2);        // cpu1 and cpu2
}

TEST_CASE("membarrier_ipi_mutex takes and releases a mutex", "[knobs]") {
    auto [base, k] = compare(remote_ipi, "membarrier_ipi_mutex", "true");
    CHECK(c(k, "cpu0.fb.atomic") == c(base, "cpu0.fb.atomic") + 2 * 2); // two calls, lock+unlock
    CHECK(c(k, "fb.atomic.osq_lock") == 0);                             // never contended
}

/// `callers` threads of app on cpu0.. call PRIVATE_EXPEDITED 10 cycles apart, from cycle 1000;
/// one more thread of app runs user code on the next CPU throughout.
std::string concurrent_callers(int callers) {
    std::string toml = fmt::format("[machine]\ncpus = {}\n[[process]]\nname = \"app\"\n"
                                   "register = [\"private_expedited\"]\n",
                                   callers + 1);
    for (int i = 0; i < callers; ++i) {
        toml += fmt::format("[[thread]]\nname = \"caller{}\"\nprocess = \"app\"\ncpu = {}\n"
                            "program = [\"user {}\", \"membarrier private_expedited\", "
                            "\"user 1000\"]\n",
                            i, i, 1000 + 10 * i);
    }
    return toml + fmt::format("[[thread]]\nname = \"bystander\"\nprocess = \"app\"\ncpu = "
                              "{}\nprogram = [\"user 9000\"]\n",
                              callers);
}

TEST_CASE("membarrier_ipi_mutex serializes two callers: the second spins until the first's "
          "unlock, after its exit smp_mb",
          "[knobs]") {
    const auto sc = test::load(concurrent_callers(2));
    const test::Recorded v510 = test::run_recorded(sc, "v5.10");
    const test::Recorded mainline = test::run_recorded(sc, "mainline");
    const auto at = [](const test::Recorded& r, int cpu, auto match) {
        for (const kernel::Record& rec : r.records) {
            if (rec.cpu == cpu && match(rec)) {
                return rec.time.count();
            }
        }
        FAIL("no such record on cpu" << cpu);
        return std::int64_t{-1};
    };
    const auto first_read = [](const kernel::Record& r) {
        return r.kind == kernel::RecordKind::membarrier_read;
    };
    const auto unlock = [](const kernel::Record& r) {
        return kernel::rec::is_atomic(r, kernel::AtomicOp::mutex_unlock);
    };
    const auto call_end = [](const kernel::Record& r) {
        return r.kind == kernel::RecordKind::barrier_call_end;
    };
    // v5.10 has no mutex: caller1 (cpu1) scans while caller0's IPIs are in flight.
    CHECK(at(v510, 1, first_read) < at(v510, 0, call_end));
    // Mainline: caller0 unlocks after its exit barrier (t_b), and only then does caller1 scan.
    CHECK(at(mainline, 0, call_end) <= at(mainline, 0, unlock));
    CHECK(at(mainline, 0, unlock) < at(mainline, 1, first_read));
    const test::Counters m{mainline.result};
    // caller1: the failed fast-path cmpxchg, osq_lock's xchg, the cmpxchg that takes the released
    // mutex, osq_unlock's cmpxchg (no spinner behind it), and its own unlock.
    CHECK(m("cpu1.fb.atomic.mutex_lock") == 1);
    CHECK(m("cpu1.fb.atomic.osq_lock") == 1);
    CHECK(m("cpu1.fb.atomic.mutex_trylock") == 1);
    CHECK(m("cpu1.fb.atomic.osq_unlock") == 1);
    CHECK(m("cpu1.fb.atomic.mutex_unlock") == 1);
    CHECK(m("cpu0.fb.atomic.osq_lock") == 0); // caller0 took the free mutex by the fast path
    // caller1 spun with interrupts on (caller0's IPI reached it during the spin, or caller0
    // would wait for its ack forever); each call IPIed the two other CPUs, and both held.
    CHECK(m("cpu0.ipi.membarrier") == 2);
    CHECK(m("cpu1.ipi.membarrier") == 2);
    CHECK(mainline.result.violations.empty());
}

TEST_CASE("membarrier_ipi_mutex: a third caller queues behind the second spinner, and each "
          "takes the mutex in turn",
          "[knobs]") {

    const test::Recorded r = test::run_recorded(test::load(concurrent_callers(3)), "mainline");
    // Each CPU's scan, and its unlock, in time order: the three calls one after another.
    std::vector<std::pair<std::int64_t, int>> takes;   // (first rq->curr read, cpu)
    std::vector<std::pair<std::int64_t, int>> unlocks; // (mutex_unlock, cpu)
    for (int cpu = 0; cpu < 3; ++cpu) {
        for (const kernel::Record& rec : r.records) {
            if (rec.cpu == cpu && rec.kind == kernel::RecordKind::membarrier_read) {
                takes.emplace_back(rec.time.count(), cpu);
                break;
            }
        }
        for (const kernel::Record& rec : r.records) {
            if (rec.cpu == cpu && kernel::rec::is_atomic(rec, kernel::AtomicOp::mutex_unlock)) {
                unlocks.emplace_back(rec.time.count(), cpu);
            }
        }
    }
    REQUIRE(takes.size() == 3);
    REQUIRE(unlocks.size() == 3);
    std::sort(takes.begin(), takes.end());
    std::sort(unlocks.begin(), unlocks.end());
    // In the osq's order: caller0 (fast path), caller1 (queued first), caller2; each scans after
    // the previous unlock.
    CHECK(takes[0].second == 0);
    CHECK(takes[1].second == 1);
    CHECK(takes[2].second == 2);
    CHECK(unlocks[0].first < takes[1].first);
    CHECK(unlocks[1].first < takes[2].first);
    const test::Counters m{r.result};
    CHECK(m("cpu1.fb.atomic.osq_unlock") == 2); // cmpxchg fails (caller2 queued behind), xchg
    CHECK(m("cpu2.fb.atomic.osq_unlock") == 1);
    CHECK(m("fb.atomic.osq_lock") == 2);
    CHECK(m("fb.atomic.mutex_trylock") == 2);
    CHECK(r.result.violations.empty());
}

TEST_CASE("a multi-user registration takes membarrier_ipi_mutex after its grace period",
          "[knobs]") {
    const char* toml = R"(
[machine]
cpus = 2
[[process]]
name = "app"
[[thread]]
name = "r"
process = "app"
cpu = 0
program = ["user 1000", "membarrier register_private_expedited", "user 1000"]
[[thread]]
name = "u"
process = "app"
cpu = 1
program = ["user 20000"]
)";
    auto [base, k] = compare(toml, "membarrier_ipi_mutex", "true");
    // sync_runqueues_membarrier_state (mm_users 2): lock and unlock around its scan and IPIs.
    CHECK(c(k, "cpu0.fb.atomic.mutex_lock") == 1);
    CHECK(c(k, "cpu0.fb.atomic.mutex_unlock") == 1);
    CHECK(c(k, "cpu0.fb.atomic") == c(base, "cpu0.fb.atomic") + 2);
    CHECK(c(k, "rcu.sync") == 1);
}

TEST_CASE("kthread_use_mm_always_grab takes a reference even for the borrowed mm", "[knobs]") {
    const char* toml = R"(
[machine]
cpus = 1
[[process]]
name = "p"
[[thread]]
name = "t"
process = "p"
cpu = 0
program = ["user 100", "wait go", "user 100"]
[[kthread]]
name = "k"
cpu = 0
program = ["use_mm p", "work 100", "unuse_mm", "signal go"]
)";
    auto [base, k] = compare(toml, "kthread_use_mm_always_grab", "true");
    CHECK(c(k, "mm.grab") == c(base, "mm.grab") + 1);
    CHECK(c(k, "mm.drop") == c(base, "mm.drop") + 1);
}

TEST_CASE("membarrier_api changes the QUERY mask", "[knobs]") {
    const char* toml = R"(
[machine]
cpus = 1
[[process]]
name = "p"
[[thread]]
name = "t"
process = "p"
cpu = 0
program = ["membarrier query label=q"]
)";
    auto [base, k] = compare(toml, "membarrier_api", "\"mainline\"");
    CHECK(base.results.at("q").value == 0x7f);
    CHECK(k.results.at("q").value == 0x3ff);
}

TEST_CASE("fred_entry: a FRED machine returns by ERETU/ERETS only with the kernel's FRED code",
          "[knobs]") {
    // remote_ipi on a FRED machine: t2 on cpu1 takes t1's two membarrier IPIs in user mode.
    std::string toml = remote_ipi;
    toml.replace(toml.find("cpus = 2"), 8, "cpus = 2\nfred = true");
    auto [base, k] = compare(toml, "fred_entry", "true");
    // v5.10 (no FRED code): the IPIs return by IRET; so does each ret_from_fork (t1 and t2).
    CHECK(c(base, "ser.iret") == 2 + 2);
    CHECK(c(base, "cpu1.ser.iret") == 1 + 2);
    // With fred_entry: every one of them is ERETU, not [SER]. ipi_sync_core's explicit
    // sync_core stays (on cpu1 and, locally, on cpu0).
    CHECK(c(k, "ser.iret") == 0);
    CHECK(c(k, "ser.sync_core@ipi_sync_core") == c(base, "ser.sync_core@ipi_sync_core"));
    CHECK(c(base, "ser.total") - c(k, "ser.total") == 4);
}

TEST_CASE("x2apic_ipi_fence: weak_wrmsr_fence adds an LFENCE, neither [SER] nor [FB]", "[knobs]") {
    // One membarrier IPI: t1 on cpu0 calls PRIVATE_EXPEDITED while t2 runs p on cpu1.
    test::ScenarioBuilder b;
    const int p = b.process("p", {scenario::Registration::private_expedited});
    b.thread("t1", p, 0).user(1000).membarrier(membarrier::MEMBARRIER_CMD_PRIVATE_EXPEDITED);
    b.thread("t2", p, 1).user(100000);
    policy::Knobs lfence = policy::find_preset("v5.10")->knobs;
    lfence.x2apic_ipi_fence = policy::X2apicIpiFence::mfence_lfence;
    const test::Recorded base = test::run_recorded(b.build());
    const test::Recorded k = test::run_recorded(b.build(), "v5.10+lfence", lfence);
    // The IPI's WRMSR (ipi_send) starts when the fence ends: 33 cycles after the MFENCE's
    // record (its cost), 4 more with the LFENCE after it.
    const auto fence_to_send = [](const test::Recorded& r) {
        const auto sends = r.of_kind(kernel::RecordKind::ipi_send);
        REQUIRE(sends.size() == 1);
        std::int64_t fence = -1;
        for (const auto& rec : r.of_kind(kernel::RecordKind::smp_mb)) {
            if (kernel::rec::is_mfence(rec) &&
                rec.time <= sends[0].time) { // the MFENCE before the send
                fence = rec.time.count();
            }
        }
        return sends[0].time.count() - fence;
    };
    CHECK(fence_to_send(base) == 33);
    CHECK(fence_to_send(k) == 33 + 4);
    // The LFENCE is in no counter of barriers or serializations.
    test::Counters cb{base.result};
    test::Counters ck{k.result};
    for (const char* name : {"fb.total", "fb.mfence", "cycles.fb", "ser.total", "cycles.ser"}) {
        INFO(name);
        CHECK(cb(name) == ck(name));
    }
}

// p runs on cpu0 and cpu1; its thread c ran on cpu2 and sleeps, leaving cpu2 idle and lazy on
// p; a flush_tlb kernel thread injected on cpu2 borrows p lazily and flushes it.
const char* const lazy_flusher = R"(
[machine]
cpus = 3
max_cycles = 40000
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000000"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]
[[thread]]
name = "c"
process = "p"
cpu = 2
program = ["user 100", "sleep 100000000000"]
[[inject]]
at = 10000
cpu = 2
event = "flush_tlb"
process = "p"
pages = 2
)";

TEST_CASE("flush_tlb_local in_flush_tlb_multi: a lazy initiator skips its own flush", "[knobs]") {
    auto [base, k] = compare(lazy_flusher, "flush_tlb_local", "\"in_flush_tlb_multi\"");
    // v5.10: flush_tlb_func_local() on the lazy cpu2 switches it to init_mm (a CR3 write);
    // v5.13+: should_flush_tlb() skips the lazy CPU, the initiator included.
    CHECK(c(base, "cpu2.ser.cr3") == 2);
    CHECK(c(k, "cpu2.ser.cr3") == 1);
    CHECK(c(base, "ipi.tlb") == c(k, "ipi.tlb"));
}

TEST_CASE("flush_tlb_gen_check new_tlb_gen: a covered request leaves the slot behind", "[knobs]") {
    policy::Knobs v6_0 = policy::find_preset("v5.10")->knobs;
    v6_0.flush_tlb_gen_check = policy::FlushTlbGenCheck::new_tlb_gen;
    const auto slot_gen_after_late_request = [](const policy::Knobs& knobs) {
        test::ArchRig rig({.cpus = 2, .pcid = true, .pti = false, .policy = "v5.10"}, knobs);
        kernel::Mm& p = rig.user_mm("p");
        kernel::Task& tp = rig.task("tp", &p);
        p.tlb_gen = 1;
        rig.run_on(1, tp, [&](arch_x86::Machine& m) {
            arch_x86::switch_mm_irqs_off(m, 1, nullptr, &p, &tp);
        });
        p.tlb_gen = 2; // a second flush is under way
        arch_x86::FlushTlbInfo f;
        f.mm = &p;
        f.new_tlb_gen = 1; // the first flush's request, already covered
        rig.run_on(1, tp, [&](arch_x86::Machine& m) { arch_x86::flush_tlb_func_remote(m, 1, f); });
        return rig.m.cpu(1).tlb.ctxs[rig.m.cpu(1).tlb.loaded_mm_asid].tlb_gen;
    };
    CHECK(slot_gen_after_late_request(policy::find_preset("v5.10")->knobs) == 2);
    CHECK(slot_gen_after_late_request(v6_0) == 1);
}

TEST_CASE("every knob is exercised above", "[knobs]") {
    // A new knob needs its own test case here.
    CHECK(policy::knob_table().size() == 24);
}

TEST_CASE("lazy_cpumask_mb = false is refused without the lazy mm_cpumask update", "[knobs]") {
    const std::string toml = std::string(lazy_return) +
                             "\n[[policy]]\nname = \"mix\"\nbase = \"v5.10\"\n"
                             "knobs = { lazy_cpumask_mb = false }\n";
    try {
        test::load(toml);
        FAIL("a clear_and_set policy without the lazy update's smp_mb loaded");
    } catch (const scenario::ScenarioError& e) {
        CHECK(std::string(e.what()) ==
              "test.toml:21:9: policy[0].knobs: lazy_cpumask_mb = false needs the lazy "
              "mm_cpumask update (cpumask_update = \"lazy\")");
    }
}

TEST_CASE("knobs built on rq->membarrier_state are refused without it", "[knobs]") {
    const std::string toml = std::string(lazy_return) +
                             "\n[[policy]]\nname = \"mix\"\nbase = \"v4.16\"\n"
                             "knobs = { membarrier_finish_switch_mm = true }\n";
    try {
        test::load(toml);
        FAIL("a policy without rq->membarrier_state but with membarrier_finish_switch_mm loaded");
    } catch (const scenario::ScenarioError& e) {
        CHECK(std::string(e.what()) ==
              "test.toml:21:9: policy[0].knobs: membarrier_finish_switch_mm needs "
              "rq->membarrier_state (membarrier_rq_state = true)");
    }
}
