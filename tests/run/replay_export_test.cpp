// `tlbsim replay TRACE --scenario OUT` (run/replay_export.h, docs/replay.md "Real schedules as
// scenarios"): a window of a development trace (traces/dev/) written as an ordinary scenario
// loads with the real loader and runs under mainline; it keeps the window's tasks and their
// membarrier calls; --cpus leaves out the tasks of the other CPUs; bad windows are refused.
// What the window should hold is computed here from the recorded switches directly.

#include "../cli/support.h"
#include "kernel/support.h"

#include "ftrace/importer.h"
#include "run/replay_export.h"
#include "run/replay_scenario.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

namespace {

using clitest::Cmd;
using clitest::lines;
using clitest::read_file;
using clitest::TempDir;
using clitest::tlbsim;
using ftrace::Nanos;
namespace fs = std::filesystem;

constexpr Nanos ms = 1'000'000;

std::string trace_path(const std::string& name) {
    return std::string(TLBSIM_SOURCE_DIR) + "/traces/dev/" + name + ".trace";
}

const ftrace::Workload& workload(const std::string& name) {
    static std::map<std::string, ftrace::Workload> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        it = cache.emplace(name, ftrace::import_trace(trace_path(name))).first;
    }
    return it->second;
}

run::ScenarioExport exported(const ftrace::Workload& w, Nanos from, Nanos to,
                             std::vector<int> cpus = {}) {
    run::ExportOptions o;
    o.window = {from, to, std::move(cpus)};
    return run::export_window(w, o);
}

/// The pids each CPU ran for a positive time in [from, to), from the recorded switches alone.
std::map<int, std::set<int>> ran_in(const ftrace::Workload& w, Nanos from, Nanos to) {
    std::map<int, std::set<int>> ran;             // pid -> CPUs
    std::map<int, std::pair<int, Nanos>> current; // cpu -> pid, since
    const auto close = [&](int cpu, int pid, Nanos since, Nanos until) {
        if (pid != 0 && std::max(since, from) < std::min(until, to)) {
            ran[pid].insert(cpu);
        }
    };
    for (const ftrace::Switch& s : w.switches) {
        const auto it = current.find(s.cpu);
        close(s.cpu, s.prev_pid, it == current.end() ? 0 : it->second.second, s.time);
        current[s.cpu] = {s.next_pid, s.time};
    }
    for (const auto& [cpu, task] : current) {
        close(cpu, task.first, task.second, w.duration + 1);
    }
    return ran;
}

/// The membarrier steps of a program, repeats expanded, as command values.
void membarrier_cmds(const std::vector<scenario::Step>& program, std::vector<std::int64_t>& out) {
    for (const scenario::Step& st : program) {
        for (std::int64_t i = 0; i < (st.op == scenario::Op::repeat ? st.n : 1); ++i) {
            if (st.op == scenario::Op::repeat) {
                membarrier_cmds(st.body, out);
            } else if (st.op == scenario::Op::membarrier) {
                out.push_back(st.cmd);
            }
        }
    }
}

bool same_program(const std::vector<scenario::Step>& a, const std::vector<scenario::Step>& b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const bool same = a[i].op == b[i].op && a[i].n == b[i].n && a[i].cmd == b[i].cmd &&
                          a[i].flags == b[i].flags && a[i].cpu_id == b[i].cpu_id &&
                          a[i].pages == b[i].pages && a[i].freed_tables == b[i].freed_tables;
        if (!same || !same_program(a[i].body, b[i].body)) {
            return false;
        }
    }
    return true;
}

std::string toml_of(const run::ScenarioExport& e) {
    return run::export_toml(e, "tlbsim replay (test)");
}

} // namespace

TEST_CASE("replay export: times on the trace's clock or after its first event",
          "[replay][export]") {
    const auto absolute = run::parse_trace_time("48446.716339");
    REQUIRE(absolute);
    CHECK_FALSE(absolute->relative);
    CHECK(absolute->ns == 48'446'716'339'000);
    const auto relative = run::parse_trace_time("+0.010");
    REQUIRE(relative);
    CHECK(relative->relative);
    CHECK(relative->ns == 10 * ms);
    CHECK(run::parse_trace_time("+3")->ns == 3'000 * ms);
    for (const char* bad :
         {"", "+", "-0.5", "1.", ".5", "1.1234567891", "1e3", "0x10", "1.0s", "+ 1", "++1"}) {
        INFO(bad);
        CHECK_FALSE(run::parse_trace_time(bad));
    }
    // traces/dev/membarrier.trace's first event line is at 48444.764854.
    const ftrace::Workload& w = workload("membarrier");
    const Nanos origin = w.origin;
    CHECK(origin == 48'444'764'854'000);
    CHECK(run::trace_offset(*run::parse_trace_time("48444.814854"), origin) == 50 * ms);
    CHECK(run::trace_offset(*run::parse_trace_time("+0.050"), origin) == 50 * ms);
}

TEST_CASE("replay export: a window of membarrier-busy loads with the real loader, round-trips "
          "and runs under mainline",
          "[replay][export]") {
    const ftrace::Workload& w = workload("membarrier-busy");
    const run::ScenarioExport e = exported(w, 100 * ms, 110 * ms);
    const std::string text = toml_of(e);
    const scenario::Scenario sc = test::load(text);
    REQUIRE(sc.threads.size() == e.scenario.threads.size());
    REQUIRE(sc.processes.size() == e.scenario.processes.size());
    for (std::size_t i = 0; i < sc.threads.size(); ++i) {
        INFO(sc.threads[i].name);
        CHECK(sc.threads[i].name == e.scenario.threads[i].name);
        CHECK(sc.threads[i].kthread == e.scenario.threads[i].kthread);
        CHECK(sc.threads[i].cpu == e.scenario.threads[i].cpu);
        CHECK(sc.threads[i].start == e.scenario.threads[i].start);
        CHECK(same_program(sc.threads[i].program, e.scenario.threads[i].program));
    }
    CHECK(sc.directed_schedule.empty());
    CHECK(sc.policies == std::vector<std::string>{"mainline"});
    CHECK(sc.machine.cpus == 2);
    // The recording's IPI delivery time (9 TLB-flush IPIs, 20 us) is the machine's, as in the
    // replay, and the header says where it comes from.
    const run::ReplayScenario rs = run::scenario_from_workload(w, {});
    REQUIRE(rs.scenario.machine.costs.contains("ipi_latency"));
    CHECK(sc.machine.costs == rs.scenario.machine.costs);
    CHECK(text.find("# Measured: IPI delivery: median") != std::string::npos);
    const run::RunResult r = test::run(sc, "mainline");
    CHECK(r.internal_error.empty());
    // The same window gives the same text.
    CHECK(toml_of(exported(w, 100 * ms, 110 * ms)) == text);
}

TEST_CASE("replay export: a window of membarrier keeps its tasks, their membarrier calls and "
          "the registrations made before it",
          "[replay][export]") {
    const ftrace::Workload& w = workload("membarrier");
    const Nanos from = 50 * ms;
    const Nanos to = 60 * ms;
    const run::ScenarioExport e = exported(w, from, to);
    const auto ran = ran_in(w, from, to);
    std::set<int> pids(e.thread_pid.begin(), e.thread_pid.end());
    std::set<int> expected;
    for (const auto& [pid, cpus] : ran) {
        expected.insert(pid);
    }
    CHECK(pids == expected);
    // Each thread appears at its fork, or at the window's start when it was alive before it.
    for (std::size_t i = 0; i < e.thread_pid.size(); ++i) {
        const ftrace::Task* t = w.task(e.thread_pid[i]);
        REQUIRE(t != nullptr);
        CHECK(e.scenario.threads[i].start == 3 * std::max<Nanos>(0, t->born - from));
    }
    std::map<int, std::vector<std::int64_t>> recorded; // by pid, in the window
    for (const ftrace::MembarrierCall& c : w.membarriers) {
        if (c.enter >= from && c.enter < to) {
            recorded[c.pid].push_back(c.cmd);
        }
    }
    REQUIRE(!recorded.empty());
    std::size_t calls = 0;
    for (std::size_t i = 0; i < e.thread_pid.size(); ++i) {
        std::vector<std::int64_t> cmds;
        membarrier_cmds(e.scenario.threads[i].program, cmds);
        const auto it = recorded.find(e.thread_pid[i]);
        INFO(e.scenario.threads[i].name);
        CHECK(cmds == (it == recorded.end() ? std::vector<std::int64_t>{} : it->second));
        calls += cmds.size();
        if (it == recorded.end()) {
            continue;
        }
        // The workload registered at its start, before the window: its process holds both.
        const int process = e.scenario.threads[i].process;
        REQUIRE(process >= 0);
        const auto& regs = e.scenario.processes[static_cast<std::size_t>(process)].registrations;
        CHECK(std::count(regs.begin(), regs.end(), scenario::Registration::private_expedited) == 1);
        CHECK(std::count(regs.begin(), regs.end(),
                         scenario::Registration::private_expedited_sync_core) == 1);
    }
    CHECK(calls >= 10);
    // Its worker threads block and are woken: their blocked time is sleep.
    bool sleeps = false;
    for (const scenario::Thread& t : e.scenario.threads) {
        for (const scenario::Step& st : t.program) {
            sleeps = sleeps || st.op == scenario::Op::sleep;
        }
    }
    CHECK(sleeps);
    const run::RunResult r = test::run(test::load(toml_of(e)), "mainline");
    CHECK(r.counters.value("membarrier.calls.private_expedited_sync_core").value_or(0) > 0);
}

TEST_CASE("replay export: --cpus 0 leaves out the tasks that ran only on CPU 1",
          "[replay][export]") {
    const ftrace::Workload& w = workload("membarrier-busy");
    const Nanos from = 200 * ms;
    const Nanos to = 215 * ms;
    const auto ran = ran_in(w, from, to);
    std::size_t only_cpu1 = 0;
    for (const auto& [pid, cpus] : ran) {
        only_cpu1 += cpus == std::set<int>{1} ? 1 : 0;
    }
    REQUIRE(only_cpu1 > 0); // else the test could not fail
    const run::ScenarioExport e = exported(w, from, to, {0});
    REQUIRE(!e.thread_pid.empty());
    for (std::size_t i = 0; i < e.thread_pid.size(); ++i) {
        INFO(e.scenario.threads[i].name);
        CHECK(ran.at(e.thread_pid[i]).contains(0));
        CHECK(e.scenario.threads[i].cpu == 0);
    }
    CHECK(e.scenario.machine.cpus == 2);
    const run::ScenarioExport all = exported(w, from, to);
    CHECK(all.thread_pid.size() == e.thread_pid.size() + only_cpu1);
    test::run(test::load(toml_of(e)), "mainline");
}

TEST_CASE("replay export: a registration made in the window by a task left out is held from "
          "the window's start",
          "[replay][export]") {
    // membarrier.trace's main thread registers on CPU 1 at the start; its workers call
    // SYNC_CORE membarriers on CPU 0 too.
    const ftrace::Workload& w = workload("membarrier");
    const run::ScenarioExport e = exported(w, 0, 15 * ms, {0});
    const run::RunResult r = test::run(test::load(toml_of(e)), "mainline");
    CHECK(r.counters.value("membarrier.calls.private_expedited_sync_core").value_or(0) > 0);
    CHECK(r.counters.value("membarrier.errors.EPERM").value_or(0) == 0);
}

TEST_CASE("replay export: a bad window is refused", "[replay][export]") {
    const ftrace::Workload& w = workload("membarrier");
    CHECK_THROWS_AS(exported(w, 60 * ms, 50 * ms), run::WindowError);
    CHECK_THROWS_AS(exported(w, 50 * ms, 50 * ms), run::WindowError);
    CHECK_THROWS_AS(exported(w, 50 * ms, 60 * ms, {2}), run::WindowError);
    CHECK_THROWS_AS(exported(w, w.duration + 1, w.duration + 10 * ms), run::WindowError);
}

TEST_CASE("replay export: the command line writes the file and refuses bad windows with one "
          "line, exit 2",
          "[replay][export]") {
    const TempDir dir;
    const std::string out = dir.file("w.toml");
    const std::string trace = trace_path("membarrier");
    const Cmd ok = tlbsim({"replay", trace, "--scenario", out, "--from", "48444.814854", "--to",
                           "+0.060", "--cpus", "0,1", "--policy", "v5.10"});
    INFO(ok.err);
    REQUIRE(ok.code == 0);
    const std::string text = read_file(out);
    CHECK(text.find("# Written by `tlbsim replay " + trace) == 0);
    std::string header = text.substr(0, text.find("\ndescription"));
    for (std::size_t at; (at = header.find("\n# ")) != std::string::npos;) {
        header.replace(at, 3, " ");
    }
    CHECK(header.find("from 48444.814854 to 48444.824854") != std::string::npos);
    const scenario::Scenario sc = test::load(text);
    CHECK(sc.policies == std::vector<std::string>{"v5.10"});
    const std::vector<std::vector<std::string>> bad = {
        {"--from", "+0.060", "--to", "+0.050"},
        {"--from", "+0.050", "--to", "+0.050"},
        {"--cpus", "2"},
        {"--cpus", "0,x"},
        {"--from", "yesterday"},
        {"--from", "+10", "--to", "+11"},
        {"--from", "48000.0", "--to", "48000.5"},
    };
    for (const auto& options : bad) {
        std::vector<std::string> args{"replay", trace, "--scenario", dir.file("bad.toml")};
        args.insert(args.end(), options.begin(), options.end());
        const Cmd c = tlbsim(args);
        INFO(options.front() << " " << options.back() << ": " << c.err);
        CHECK(c.code == 2);
        CHECK(lines(c.err).size() == 1);
        CHECK_FALSE(fs::exists(dir.file("bad.toml")));
    }
    CHECK(tlbsim({"replay", trace, "--from", "+0.050"}).code == 2);
    CHECK(tlbsim({"replay", trace, trace, "--scenario", dir.file("two.toml")}).code == 2);
}
