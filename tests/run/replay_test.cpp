// tlbsim replay end to end: the committed development traces (traces/dev/, recorded on the
// project's machines with scripts/capture-trace) replayed under mainline (Linux 6.18's rules,
// the recording kernel's): the model predicts each context switch's CR3 outcome and the totals
// of the recording. Hold-out traces (traces/holdout/) are not used here: they are the
// validation's (docs/validation.md).

#include "ftrace/importer.h"
#include "ftrace/trace_text.h"
#include "kernel/record_kinds.h"
#include "kernel/trace.h"
#include "run/replay.h"
#include "run/replay_timing.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

namespace {

std::string trace_path(const std::string& name) {
    return std::string(TLBSIM_SOURCE_DIR) + "/traces/dev/" + name + ".trace";
}

run::ReplayRun replay(const ftrace::Workload& w, const std::string& policy = "mainline") {
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    return run::replay_workload(w, rs, policy);
}

/// A switch on CPU 0 from `prev` (pid `pp`, its own thread group) to `next` at `us`, and the
/// tlb_flush line of its CR3 write (ftrace_test::kCr3Flush or kCr3NoFlush).
std::string sw(std::string_view prev, int pp, std::string_view next, int np, long long us,
               const char* cr3) {
    using ftrace_test::tf;
    return tf(prev, pp, pp, 0, "d..2.", us, ftrace_test::switch_event(prev, pp, "S", next, np)) +
           tf(prev, pp, pp, 0, "d..2.", us, cr3);
}

double deviation(const run::ReplayComparison& c, run::ReplayOutcome o) {
    const auto observed = static_cast<double>(c.observed.get(o));
    const auto predicted = static_cast<double>(c.predicted.get(o));
    return observed == 0 ? predicted : std::abs(predicted - observed) / observed;
}

} // namespace

TEST_CASE("replay: every development trace replays with its schedule intact and the CR3 "
          "outcomes of its context switches predicted",
          "[replay]") {
    const auto name = GENERATE(as<std::string>{}, "membarrier", "membarrier-busy", "forkexec",
                               "forkexec-busy", "shootdown", "shootdown-busy");
    const ftrace::Workload w = ftrace::import_trace(trace_path(name));
    const run::ReplayRun r = replay(w);
    INFO(name << ": agreement " << r.comparison.switch_agreement());
    REQUIRE(r.run.error.empty());
    REQUIRE(r.run.internal_error.empty());
    const run::ReplayComparison& c = r.comparison;
    CHECK(c.switches == static_cast<std::int64_t>(w.switches.size()));
    // The directed schedule makes every recorded switch, and no other.
    CHECK(c.not_replayed <= c.switches / 200);
    CHECK(c.unplanned == 0);
    CHECK(c.predicted.get(run::ReplayOutcome::ctxsw_total) ==
          c.observed.get(run::ReplayOutcome::ctxsw_total) - c.not_replayed);
    CHECK(c.switch_agreement() >= 0.995);
    CHECK(deviation(c, run::ReplayOutcome::cr3_flush) <= 0.04);
    CHECK(deviation(c, run::ReplayOutcome::cr3_noflush) <= 0.04);
}

TEST_CASE("replay: the membarrier workload's schedule is predicted switch by switch, and its "
          "membarrier IPIs within 2%",
          "[replay]") {
    const ftrace::Workload w = ftrace::import_trace(trace_path("membarrier"));
    const run::ReplayRun r = replay(w);
    const run::ReplayComparison& c = r.comparison;
    CHECK(c.switch_agreement() >= 0.995);
    CHECK(deviation(c, run::ReplayOutcome::cr3_flush) == 0);
    CHECK(deviation(c, run::ReplayOutcome::cr3_noflush) == 0);
    CHECK(deviation(c, run::ReplayOutcome::ipi_membarrier) <= 0.02);
}

TEST_CASE("replay: a replay is deterministic", "[replay]") {
    const ftrace::Workload w = ftrace::import_trace(trace_path("forkexec"));
    const run::ReplayRun a = replay(w);
    const run::ReplayRun b = replay(w);
    CHECK(a.comparison.agreed == b.comparison.agreed);
    CHECK(a.comparison.predicted.total == b.comparison.predicted.total);
    CHECK(a.run.cycles == b.run.cycles);
}

TEST_CASE("replay: what-if: the same schedule under v5.10 and rfc-v2 keeps the recorded "
          "switches and reports each policy's own counts",
          "[replay]") {
    const ftrace::Workload w = ftrace::import_trace(trace_path("membarrier"));
    const run::ReplayRun v510 = replay(w, "v5.10");
    const run::ReplayRun rfc = replay(w, "rfc-v2");
    CHECK(v510.comparison.predicted.get(run::ReplayOutcome::ctxsw_total) ==
          rfc.comparison.predicted.get(run::ReplayOutcome::ctxsw_total));
    // v5.10 core-syncs in finish_task_switch on a switch into a SYNC_CORE mm from another mm;
    // RFC v2 moves it into switch_mm_irqs_off: both sync, at different sites.
    CHECK(v510.run.counters.value("ser.sync_core@finish_task_switch").value_or(0) > 0);
    CHECK(rfc.run.counters.value("ser.sync_core@finish_task_switch").value_or(0) == 0);
}

TEST_CASE("replay: the committed sample (idle CPUs, idle's switches missing from the recording, "
          "a recorded switch that must wait for its task) replays to the end",
          "[replay]") {
    // Waiting switches once retried every 200 cycles: the retry interrupts nested in the
    // return to user mode until the 64 KiB kernel stack overflowed.
    const ftrace::Workload w =
        ftrace::import_trace(std::string(TLBSIM_SOURCE_DIR) + "/traces/sample-membarrier.trace");
    const run::ReplayRun r = replay(w);
    REQUIRE(r.run.error.empty());
    REQUIRE(r.run.internal_error.empty());
    CHECK(r.comparison.observed.get(run::ReplayOutcome::ipi_membarrier) == 21);
    CHECK(r.comparison.predicted.get(run::ReplayOutcome::ipi_membarrier) == 21);
    CHECK(r.comparison.switch_agreement() >= 0.95);
}

TEST_CASE("replay: a task already exiting when the recording begins runs with no mm until it "
          "dies, so switches to it write no CR3",
          "[replay]") {
    // d (its own process) is past exit_mm() before the first line: switched to and away (R+)
    // twice with no CR3 write, then it dies (Z) with no sched_process_exit in the recording.
    using namespace ftrace_test;
    const std::string text =
        kHeader + tf("a", 100, 100, 0, "d..2.", 1'000, switch_event("a", 100, "R", "d", 200)) +
        tf("d", 200, 200, 0, "d..2.", 2'000, switch_event("d", 200, "R+", "a", 100)) +
        tf("a", 100, 100, 0, "d..2.", 3'000, switch_event("a", 100, "R", "d", 200)) +
        tf("d", 200, 200, 0, "d..2.", 4'000, switch_event("d", 200, "Z", "b", 300)) +
        tf("d", 200, 200, 0, "d..2.", 4'000, kCr3Flush) +
        tf("b", 300, 300, 0, "d..2.", 9'000, "tlb_flush: pages:1 reason:local MM shootdown (3)");
    const ftrace::Workload w = import(text);
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    const run::ReplayRun r = run::replay_workload(w, rs, "mainline");
    REQUIRE(r.run.error.empty());
    CHECK(r.comparison.switches == 4);
    CHECK(r.comparison.agreed == 4);
    CHECK(std::any_of(rs.notes.begin(), rs.notes.end(), [](const std::string& n) {
        return n.find("already exiting") != std::string::npos;
    }));
}

TEST_CASE("replay: a TLB shootdown is replayed from its first line, the remote IPI send that "
          "follows the tlb_gen increment",
          "[replay]") {
    using namespace ftrace_test;
    const std::string text =
        kHeader +
        tf("x", 100, 100, 0, "...1.", 5'000, "tlb_flush: pages:8 reason:remote IPI send (4)") +
        tf("x", 100, 100, 0, "d..2.", 5'003, "tlb_flush: pages:8 reason:local MM shootdown (3)") +
        tf("x", 100, 100, 0, "d..2.", 6'000, "tlb_flush: pages:2 reason:local MM shootdown (3)") +
        tf("x", 100, 100, 0, "d..2.", 7'000, switch_event("x", 100, "S", "y", 200)) +
        tf("x", 100, 100, 0, "d..2.", 7'000, kCr3Flush);
    const ftrace::Workload w = import(text);
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    const scenario::Thread& x = rs.scenario.threads.front();
    REQUIRE(x.program.size() >= 2);
    CHECK(x.program[0].op == scenario::Op::flush_tlb);
    CHECK(x.program[0].pages == 8);
    CHECK(x.program[0].at == rs.cycles(w.flushes[0].time)); // the remote line's time
    CHECK(x.program[1].at == rs.cycles(w.flushes[2].time)); // local only: its own line
}

TEST_CASE("replay: an exit's exit_mmap() flushes at the exiting task's own CR3 write to init_mm, "
          "or, with none, just before it dies",
          "[replay]") {
    // The flush of a CPU still lazily on the dying mm is flush_tlb_func()'s switch to init_mm
    // (arch/x86/mm/tlb.c): a CR3 write outside a switch by the exiting task. e (pid 200) shows
    // one 40 us after its exit line; f (pid 300) is preempted (R+) first and shows none.
    using namespace ftrace_test;
    const auto exit_line = [](std::string_view comm, int pid) {
        return "sched_process_exit: comm=" + std::string(comm) + " pid=" + std::to_string(pid) +
               " prio=120 group_dead=true";
    };
    const std::string text =
        kHeader + tf("a", 100, 100, 0, "d..2.", 1'000, switch_event("a", 100, "S", "e", 200)) +
        tf("a", 100, 100, 0, "d..2.", 1'000, kCr3Flush) +
        tf("e", 200, 200, 0, ".....", 2'000, exit_line("e", 200)) +
        tf("e", 200, 200, 0, "d..1.", 2'040, kCr3Flush) +
        tf("e", 200, 200, 0, "d..2.", 2'100, switch_event("e", 200, "Z", "f", 300)) +
        tf("e", 200, 200, 0, "d..2.", 2'100, kCr3Flush) +
        tf("f", 300, 300, 0, ".....", 3'000, exit_line("f", 300)) +
        tf("f", 300, 300, 0, "d..2.", 3'050, switch_event("f", 300, "R+", "a", 100)) +
        tf("f", 300, 300, 0, "d..2.", 3'050, kCr3NoFlush) +
        tf("a", 100, 100, 0, "d..2.", 4'000, switch_event("a", 100, "S", "f", 300)) +
        tf("f", 300, 300, 0, "d..2.", 9'000, switch_event("f", 300, "Z", "a", 100));
    const ftrace::Workload w = import(text);
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    const auto exit_of = [&](int pid) {
        const auto index = static_cast<std::size_t>(
            std::find(rs.thread_pid.begin(), rs.thread_pid.end(), pid) - rs.thread_pid.begin());
        REQUIRE(index < rs.scenario.threads.size());
        const scenario::Thread& th = rs.scenario.threads[index];
        REQUIRE(!th.program.empty());
        REQUIRE(th.program.back().op == scenario::Op::exit);
        return th.program.back();
    };
    const scenario::Step e_exit = exit_of(200);
    REQUIRE(w.cr3_writes.size() == 1); // e's switch to init_mm
    CHECK(e_exit.unmapped_at == rs.cycles(w.cr3_writes[0].time));
    CHECK(e_exit.unmapped_at <= e_exit.dead_at);
    const scenario::Step f_exit = exit_of(300);
    CHECK(f_exit.unmapped_at == f_exit.dead_at);
    CHECK(f_exit.dead_at > rs.cycles(w.switches[3].time)); // after a's switch back to f
    const run::ReplayRun r = run::replay_workload(w, rs, "mainline");
    REQUIRE(r.run.error.empty());
    CHECK(r.comparison.agreed == r.comparison.switches);
}

TEST_CASE("replay: the ASID slots a CPU held before the recording are inferred from its first "
          "CR3 writes, and the replay from them predicts the evictions the kernel made",
          "[replay][asid]") {
    // CPU 0 runs a (alive before the recording) when it begins. c's first switch is NOFLUSH: it
    // held a current slot. d and e take new slots (flush), and the switch back to c flushes: one
    // of those two allocations took c's slot. From empty slots the model gives c a new slot
    // (flush, wrong) and finds it on the way back (NOFLUSH, wrong). Of the 20 placements of a
    // and c in slots 1..5 for each of the 6 next_asid, the first that predicts all four is boot's
    // next_asid 1 with a in slot 1 and c in slot 2 (round robin takes 1 for d, 2 for e).
    using namespace ftrace_test;
    const std::string text = kHeader + sw("a", 100, "c", 300, 1'000, kCr3NoFlush) +
                             sw("c", 300, "d", 400, 2'000, kCr3Flush) +
                             sw("d", 400, "e", 500, 3'000, kCr3Flush) +
                             sw("e", 500, "c", 300, 4'000, kCr3Flush);
    const ftrace::Workload w = import(text);
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    const run::ReplayRun r = run::replay_workload(w, rs, "mainline");
    REQUIRE(r.run.error.empty());
    CHECK(r.comparison.switches == 4);
    CHECK(r.comparison.agreed == 2); // from empty slots: c's two switches are wrong
    REQUIRE(r.inference.cpus.size() == 1);
    const run::InferredCpuSlots& cpu0 = r.inference.cpus[0];
    CHECK(cpu0.candidates == 6 * 20);
    CHECK(cpu0.next_asid == 1);
    CHECK(cpu0.mismatches_empty == 2);
    CHECK(cpu0.mismatches == 0);
    const auto name = [&](int p) {
        return rs.scenario.processes[static_cast<std::size_t>(p)].name;
    };
    REQUIRE(cpu0.slot_process.size() == 5);
    CHECK(name(cpu0.slot_process[0]) == "a[100]");
    CHECK(name(cpu0.slot_process[1]) == "c[300]");
    CHECK(cpu0.slot_process[2] == -1);
    REQUIRE(r.inferred);
    CHECK(r.inferred->comparison.agreed == 4);
    CHECK(r.inferred->comparison.predicted.get(run::ReplayOutcome::cr3_flush) == 3);
}

TEST_CASE("replay: where round robin resumed before the recording (next_asid) is inferred with "
          "the slots, when no placement after boot's next_asid explains the recording",
          "[replay][asid]") {
    // CPU 0 runs a when the recording begins; c's first switch is NOFLUSH. Five new mms then
    // take slots (d..h, each a flush), and the switch back to a is NOFLUSH, to c a flush: one
    // slot held from before survived five allocations, so round robin did not start at slot 1
    // (from next_asid 1 the five take slots 1..5, every one an mm could hold). From next_asid 2
    // they take 2, 3, 4, 5 and 0 (init_mm's from boot): a in slot 1 survives, c in slot 2 goes.
    using namespace ftrace_test;
    std::string text = kHeader + sw("a", 100, "c", 300, 1'000, kCr3NoFlush);
    const char* names[] = {"c", "d", "e", "f", "g", "h"};
    for (int k = 0; k < 5; ++k) {
        text +=
            sw(names[k], 300 + 100 * k, names[k + 1], 400 + 100 * k, 2'000 + 1'000 * k, kCr3Flush);
    }
    text += sw("h", 800, "a", 100, 8'000, kCr3NoFlush) + sw("a", 100, "c", 300, 9'000, kCr3Flush);
    const ftrace::Workload w = import(text);
    const run::ReplayRun r = replay(w);
    REQUIRE(r.run.error.empty());
    CHECK(r.comparison.switches == 8);
    CHECK(r.comparison.agreed == 6); // from empty slots: c's first switch and a's return
    REQUIRE(r.inference.cpus.size() == 1);
    const run::InferredCpuSlots& cpu0 = r.inference.cpus[0];
    CHECK(cpu0.mismatches_empty == 2);
    CHECK(cpu0.mismatches == 0);
    CHECK(cpu0.next_asid == 2);
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    REQUIRE(cpu0.slot_process.size() == 5);
    CHECK(rs.scenario.processes[static_cast<std::size_t>(cpu0.slot_process[0])].name == "a[100]");
    CHECK(rs.scenario.processes[static_cast<std::size_t>(cpu0.slot_process[1])].name == "c[300]");
    REQUIRE(r.inferred);
    CHECK(r.inferred->comparison.agreed == 8); // the model, from next_asid 2, agrees
}

TEST_CASE("replay: slots are inferred only where they explain the recording better than empty "
          "ones",
          "[replay][asid]") {
    // Every first switch flushes: nothing says any mm held a slot before the recording.
    using namespace ftrace_test;
    const std::string text = kHeader + sw("a", 100, "c", 300, 1'000, kCr3Flush) +
                             sw("c", 300, "a", 100, 2'000, kCr3NoFlush);
    const ftrace::Workload w = import(text);
    const run::ReplayRun r = replay(w);
    CHECK(r.comparison.agreed == 2);
    CHECK_FALSE(r.inference.any());
    CHECK_FALSE(r.inferred);
}

TEST_CASE("replay: each membarrier call's IPIs are compared with the kernel's, with what the "
          "model's scan read where they differ",
          "[replay][calls]") {
    const ftrace::Workload w = ftrace::import_trace(trace_path("membarrier"));
    const run::ReplayRun r = replay(w);
    REQUIRE(r.run.error.empty());
    const run::CallComparison& c = r.comparison.calls;
    CHECK(c.calls == static_cast<std::int64_t>(w.membarriers.size()));
    CHECK(c.agreed + static_cast<std::int64_t>(c.mismatches.size()) == c.calls);
    CHECK(c.agreed >= c.calls * 98 / 100);
    // Membarrier IPIs are sent by membarrier calls only, in the kernel and in the model: the
    // calls' targets add up to the totals, so a total's difference is the calls' differences.
    std::int64_t observed = 0;
    std::int64_t predicted = 0;
    for (const run::CallMismatch& m : c.mismatches) {
        observed += static_cast<std::int64_t>(m.observed.size());
        predicted += static_cast<std::int64_t>(m.predicted.size());
        CHECK(m.made);
        CHECK(m.observed != m.predicted);
        CHECK(m.reason.starts_with("rq(")); // what the scan read, CPU by CPU
    }
    const auto o = r.comparison.observed.get(run::ReplayOutcome::ipi_membarrier);
    const auto p = r.comparison.predicted.get(run::ReplayOutcome::ipi_membarrier);
    CHECK(p - o == predicted - observed);
}

TEST_CASE("replay: the recording's IPI delivery time is measured, from each TLB-flush IPI to the "
          "target's flush_tlb_func line, and given to the model",
          "[replay][timing]") {
    ftrace::Workload w;
    w.cpus = 2;
    const auto ipi = [&](ftrace::Nanos t, int target) {
        ftrace::Ipi i;
        i.time = t;
        i.cpu = 1 - target;
        i.targets = {target};
        i.kind = ftrace::IpiKind::tlb;
        w.ipis.push_back(i);
    };
    const auto handler = [&](ftrace::Nanos t, int cpu, ftrace::FlushReason reason) {
        ftrace::Flush f;
        f.time = t;
        f.cpu = cpu;
        f.reason = reason;
        w.flushes.push_back(f);
    };
    // Delays 10, 20, 30, 40 us, and one whose handler line is 2 ms later (left out: over 1 ms).
    for (int k = 0; k < 4; ++k) {
        ipi(1'000'000 * (k + 1), k % 2);
        handler(1'000'000 * (k + 1) + 10'000 * (k + 1), k % 2,
                k == 3 ? ftrace::FlushReason::remote_wrong_cpu
                       : ftrace::FlushReason::remote_shootdown);
    }
    ipi(9'000'000, 0);
    handler(11'000'000, 0, ftrace::FlushReason::remote_shootdown);
    CHECK_FALSE(run::measure_ipi_delivery(w)); // four pairs: fewer than kMinIpiSamples
    ipi(12'000'000, 1);
    handler(12'025'000, 1, ftrace::FlushReason::remote_shootdown);
    std::sort(w.flushes.begin(), w.flushes.end(),
              [](const auto& a, const auto& b) { return a.time < b.time; });
    const auto d = run::measure_ipi_delivery(w);
    REQUIRE(d);
    CHECK(d->samples == 5);
    CHECK(d->median == 25'000); // of 10, 20, 25, 30, 40 us
    // A replay of a development trace delivers its IPIs in the time its recording measured.
    const ftrace::Workload shootdown = ftrace::import_trace(trace_path("shootdown"));
    const run::ReplayScenario rs = run::scenario_from_workload(shootdown, {});
    const auto measured = run::measure_ipi_delivery(shootdown);
    REQUIRE(measured);
    CHECK(rs.scenario.machine.costs.at("ipi_latency") ==
          std::llround(static_cast<double>(measured->median) * rs.options.ghz));
    REQUIRE(rs.measured.size() == 1);
    CHECK(rs.measured[0].starts_with("IPI delivery: median"));
}

TEST_CASE("replay: the kernel's time from a membarrier call's entry line to its first IPI send is "
          "measured, and the model's calls start later by its difference from the model's path",
          "[replay][timing]") {
    ftrace::Workload w;
    w.cpus = 2;
    const auto call = [&](ftrace::Nanos enter, ftrace::Nanos exit, int pid) {
        ftrace::MembarrierCall c;
        c.enter = enter;
        c.exit = exit;
        c.returned = true;
        c.pid = pid;
        c.cmd = 8;
        w.membarriers.push_back(c);
    };
    const auto send = [&](ftrace::Nanos t, int pid, ftrace::IpiKind kind) {
        ftrace::Ipi i;
        i.time = t;
        i.pid = pid;
        i.targets = {1};
        i.kind = kind;
        w.ipis.push_back(i);
    };
    // Sends 1, 2, 2, 3 and 4 us after entry; a call whose send is 12 us after (over
    // kMaxScanDelay: interrupted, or waiting for the mutex); a call with no IPI; an IPI of
    // another kind, and one by another task, inside calls (neither is the call's).
    for (int k = 0; k < 5; ++k) {
        const ftrace::Nanos enter = 1'000'000 * (k + 1);
        call(enter, enter + 30'000, 10);
        send(enter + 1'000 * std::max(1, k) + (k == 1 ? 1'000 : 0), 10,
             ftrace::IpiKind::membarrier);
    }
    call(7'000'000, 7'030'000, 10);
    send(7'012'000, 10, ftrace::IpiKind::membarrier);
    call(8'000'000, 8'002'000, 10);
    call(9'000'000, 9'030'000, 10);
    send(9'000'500, 10, ftrace::IpiKind::tlb);
    send(9'000'700, 11, ftrace::IpiKind::membarrier);
    const auto scan = run::measure_membarrier_scan(w);
    REQUIRE(scan);
    CHECK(scan->samples == 5);
    CHECK(scan->mean == 2'400); // (1 + 2 + 2 + 3 + 4) / 5 us: the sends at k = 0..4
    // Calls that do not scan every CPU's rq->curr are not measured: a FLAG_CPU call (one read),
    // a registration (sync_runqueues_membarrier_state's IPIs).
    call(10'000'000, 10'030'000, 10);
    w.membarriers.back().cmd = 0x80; // PRIVATE_EXPEDITED_RSEQ
    w.membarriers.back().flags = 1;  // MEMBARRIER_CMD_FLAG_CPU
    send(10'000'100, 10, ftrace::IpiKind::membarrier);
    call(11'000'000, 11'030'000, 10);
    w.membarriers.back().cmd = 0x10; // REGISTER_PRIVATE_EXPEDITED
    send(11'000'100, 10, ftrace::IpiKind::membarrier);
    CHECK(run::measure_membarrier_scan(w)->mean == 2'400);
    CHECK_FALSE(run::scans_runqueues(w.membarriers[w.membarriers.size() - 2]));
    CHECK_FALSE(run::scans_runqueues(w.membarriers.back()));
    CHECK(run::scans_runqueues(w.membarriers.front()));
    w.ipis.erase(w.ipis.begin() + 1);
    CHECK_FALSE(run::measure_membarrier_scan(w)); // four calls with a send

    // A development trace: its calls start the measured mean less the model's path later.
    const ftrace::Workload mb = ftrace::import_trace(trace_path("membarrier"));
    const run::ReplayScenario rs = run::scenario_from_workload(mb, {});
    const auto measured = run::measure_membarrier_scan(mb);
    REQUIRE(measured);
    CHECK(measured->mean > 1'000); // 1-3 us on the project's KVM guests
    const std::int64_t delay = std::llround(static_cast<double>(measured->mean) * rs.options.ghz) -
                               run::kMembarrierScanPathCycles;
    std::size_t calls = 0;
    for (std::size_t t = 0; t < rs.scenario.threads.size(); ++t) {
        for (const scenario::Step& st : rs.scenario.threads[t].program) {
            if (st.op == scenario::Op::membarrier) {
                const auto it =
                    std::find_if(mb.membarriers.begin(), mb.membarriers.end(), [&](const auto& c) {
                        return c.line == static_cast<ftrace::Line>(st.source);
                    });
                REQUIRE(it != mb.membarriers.end());
                CHECK(st.at == rs.cycles(it->enter) + (run::scans_runqueues(*it) ? delay : 0));
                ++calls;
            }
        }
    }
    CHECK(calls == mb.membarriers.size());
    REQUIRE_FALSE(rs.measured.empty());
    CHECK(rs.measured.back().starts_with("membarrier scan: mean"));
}

namespace {

/// The cycles from each membarrier call's system call entry to its rq->curr reads.
class ScanPath : public kernel::RecordObserver {
public:
    void on_record(const kernel::Record& r) override {
        const auto cpu = static_cast<std::size_t>(r.cpu);
        if (entry_.size() <= cpu) {
            entry_.resize(cpu + 1, -1);
        }
        if (r.kind == kernel::RecordKind::kernel_entry &&
            kernel::rec::entry_kind(r) == kernel::EntryKind::syscall) {
            entry_[cpu] = r.time.count();
        } else if (r.kind == kernel::RecordKind::membarrier_read && entry_[cpu] >= 0) {
            offsets.push_back(r.time.count() - entry_[cpu]);
        }
    }
    std::vector<std::int64_t> offsets;

private:
    std::vector<std::int64_t> entry_;
};

} // namespace

TEST_CASE("replay: kMembarrierScanPathCycles is the model's path from a membarrier call's entry "
          "to its rq->curr reads",
          "[replay][timing]") {
    const ftrace::Workload w = ftrace::import_trace(trace_path("membarrier"));
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    ScanPath path;
    run::RunOptions options;
    options.observers.push_back(&path);
    const run::ReplayRun r = run::replay_workload(w, rs, "mainline", options);
    REQUIRE(r.run.error.empty());
    REQUIRE(path.offsets.size() > 100);
    std::sort(path.offsets.begin(), path.offsets.end());
    // Two CPUs: each scan reads both rq->curr, 20 cycles apart (membarrier_read_curr); an
    // interrupt in the middle of a call only delays its reads.
    CHECK(path.offsets.front() == run::kMembarrierScanPathCycles - 10);
    CHECK(path.offsets[path.offsets.size() / 2] <= run::kMembarrierScanPathCycles + 10);
}
