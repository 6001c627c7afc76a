// `tlbsim explore`: it finds the violations of the untuned scenarios of scenarios/explore under
// RFC v2 as posted (and scenario C's under neg-no-post-switch-fb) and none under v5.10, each
// finding replays with the `run` command it prints, the search is deterministic and the same in
// every shard, and bad options are usage errors.

#include "support.h"

#include "cli/catalog.h"
#include "run/explore.h"
#include "scenario/loader.h"

#include <sstream>

using namespace clitest;

namespace {

std::string source(const std::string& rel) {
    return std::string(TLBSIM_SOURCE_DIR) + "/" + rel;
}

/// `tlbsim` with `base`'s arguments, then `extra`'s.
Cmd tlbsim_with(const std::vector<std::string>& base, const std::vector<std::string>& extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return tlbsim(args);
}

/// The words of the "replay: tlbsim run ..." line of finding `n` (0-based), without "tlbsim".
std::vector<std::string> replay_args(const std::string& out, std::size_t n = 0) {
    std::size_t at = 0;
    for (std::size_t i = 0; i <= n; ++i) {
        at = out.find("replay: tlbsim ", at);
        REQUIRE(at != std::string::npos);
        at += std::string("replay: tlbsim ").size();
    }
    std::istringstream line(out.substr(at, out.find('\n', at) - at));
    std::vector<std::string> words;
    for (std::string w; line >> w;) {
        words.push_back(w);
    }
    return words;
}

/// The first "violation (P): G-.. on cpuN at t=T by X" line.
std::string violation_line(const std::string& out) {
    const auto at = out.find("violation (");
    REQUIRE(at != std::string::npos);
    return out.substr(at, out.find('\n', at) - at);
}

} // namespace

TEST_CASE("explore finds the exit handoff (P3b) in an untuned scenario; run replays it",
          "[cli][explore]") {
    const std::string file = source("scenarios/explore/jit-exit.toml");
    const Cmd e = tlbsim({"explore", file, "--policy", "rfc-v2", "--runs", "2000"});
    INFO(e.out << e.err);
    REQUIRE(e.code == cli::exit_expectation);
    // The run as written holds: the violation needs a membarrier that reads rq(1)->curr between
    // w1's exit_mm (tsk->mm = NULL) and the switch to w2.
    CHECK(e.out.find("finding 1: violation in run 0\n") == std::string::npos);
    CHECK(e.out.find("G-SC on cpu1") != std::string::npos);
    CHECK(e.out.find("rq->curr was w1 (mm NULL) when the caller read it") != std::string::npos);
    CHECK(e.out.find("(stopped at the first finding)") != std::string::npos);
    // The replay command reproduces the same violation, at the same time, by `run`.
    const Cmd r = tlbsim(replay_args(e.out));
    INFO(r.out << r.err);
    CHECK(violation_line(r.out) == violation_line(e.out));
}

TEST_CASE("explore finds the idle return (P3) in an untuned scenario, not under v5.10",
          "[cli][explore]") {
    const std::string file = source("scenarios/explore/jit-idle.toml");
    const Cmd bad = tlbsim({"explore", file, "--policy", "rfc-v2", "--runs", "2000"});
    INFO(bad.out);
    REQUIRE(bad.code == cli::exit_expectation);
    CHECK(bad.out.find("rq->curr was swapper/1 (mm NULL) when the caller read it") !=
          std::string::npos);
    const Cmd r = tlbsim(replay_args(bad.out));
    CHECK(violation_line(r.out) == violation_line(bad.out));
    // v5.10 syncs in finish_task_switch on the same path: nothing to find.
    const Cmd good = tlbsim({"explore", file, "--policy", "v5.10", "--runs", "500"});
    INFO(good.out);
    CHECK(good.code == cli::exit_ok);
    CHECK(good.out.find("500 runs made; ") != std::string::npos);
    CHECK(good.out.find("no violation found") != std::string::npos);
}

TEST_CASE("explore finds scenario C's buffered rq->curr store under neg-no-post-switch-fb only",
          "[cli][explore][memory]") {
    // x86-TSO (docs/memory-model.md, Scenario C): jitter alone moves a scan into the 50 cycles
    // the rq->curr = u1 store waits in cpu1's store buffer after the last full barrier.
    const std::string file = source("scenarios/explore/membarrier-c.toml");
    const Cmd bad = tlbsim(
        {"explore", file, "--policy", "neg-no-post-switch-fb", "--depth", "0", "--runs", "2000"});
    INFO(bad.out);
    REQUIRE(bad.code == cli::exit_expectation);
    CHECK(bad.out.find("finding 1: violation in run 0\n") == std::string::npos);
    CHECK(bad.out.find("G-MB on cpu1") != std::string::npos);
    CHECK(bad.out.find("cpu1: rq->curr = u1 was still in cpu1's store buffer then, so the read "
                       "returned the old value from memory") != std::string::npos);
    const Cmd r = tlbsim(replay_args(bad.out));
    CHECK(violation_line(r.out) == violation_line(bad.out));
    // v5.10 and mainline drain the buffer after the store (switch_mm_irqs_off's smp_mb).
    for (const std::string policy : {"v5.10", "mainline"}) {
        const Cmd good =
            tlbsim({"explore", file, "--policy", policy, "--depth", "0", "--runs", "2000"});
        INFO(good.out);
        CHECK(good.code == cli::exit_ok);
        CHECK(good.out.find("no violation found") != std::string::npos);
    }
}

TEST_CASE("explore is deterministic; --all collects distinct findings with their counts",
          "[cli][explore]") {
    const std::string file = source("scenarios/explore/jit-idle.toml");
    const std::vector<std::string> args = {"explore", file,  "--policy", "rfc-v2",
                                           "--runs",  "400", "--all"};
    const Cmd a = tlbsim(args);
    const Cmd b = tlbsim(args);
    CHECK(a.code == cli::exit_expectation);
    CHECK(a.out == b.out);
    CHECK(a.out.find("400 runs made; ") != std::string::npos);
    CHECK(a.out.find("(stopped") == std::string::npos);
    // Another search seed searches other timings.
    std::vector<std::string> other = args;
    other.insert(other.end(), {"--seed", "7"});
    CHECK(tlbsim(other).out != a.out);
}

TEST_CASE("every shard plans each run as one machine does", "[cli][explore][shard]") {
    const scenario::Scenario sc =
        scenario::load_file(source("scenarios/explore/jit-idle.toml"), cli::scenario_catalog());
    run::ExploreOptions o;
    o.policy = "rfc-v2";
    o.runs = 300;
    o.all = true;
    const run::ExploreResult whole = run::explore(sc, o);
    REQUIRE(!whole.findings.empty());
    // Each signature's first run over the shards is the one machine's; the runs add up.
    std::map<std::string, std::uint64_t> first;
    std::uint64_t runs = 0;
    for (std::uint32_t k = 0; k < 3; ++k) {
        run::ExploreOptions s = o;
        s.shard_index = k;
        s.shard_count = 3;
        const run::ExploreResult part = run::explore(sc, s);
        CHECK(part.horizon == whole.horizon);
        CHECK(part.windows.size() == whole.windows.size());
        runs += part.runs;
        for (const auto& f : part.findings) {
            CHECK(f.plan.index % 3 == k);
            auto [it, fresh] = first.emplace(f.signature, f.plan.index);
            if (!fresh) {
                it->second = std::min(it->second, f.plan.index);
            }
        }
    }
    CHECK(runs == whole.runs);
    REQUIRE(first.size() == whole.findings.size());
    for (const auto& f : whole.findings) {
        CHECK(first.at(f.signature) == f.plan.index);
    }
}

TEST_CASE("explore --json: the findings, their plans and runs", "[cli][explore][json]") {
    TempDir dir;
    const std::string file = source("scenarios/history/idle-return.toml");
    const Cmd e = tlbsim(
        {"explore", file, "--policy", "rfc-v2", "--runs", "5", "--json", dir.file("x.json")});
    REQUIRE(e.code == cli::exit_expectation);
    const Json doc = schema_checked(dir.file("x.json"));
    CHECK(doc["command"] == "explore");
    const auto& x = doc["explore"][0];
    CHECK(x["policy"] == "rfc-v2");
    // The scenario as written already violates G-SC (run 0: its own seed and jitter, no delays).
    REQUIRE(x["findings"].size() == 1);
    const auto& f = x["findings"][0];
    CHECK(f["kind"] == "violation");
    CHECK(f["plan"]["run"] == 0);
    CHECK(f["plan"]["delays"] == Json::array());
    CHECK(f["replay"] == "tlbsim run " + file + " --policy rfc-v2 --seed 0 --jitter 0");
    CHECK(doc["runs"][f["run_index"].get<std::size_t>()]["violated"] == Json::array({"G-SC"}));
}

TEST_CASE("explore --exhaustive --json: the search's numbers, states and violations",
          "[cli][explore][json]") {
    TempDir dir;
    const std::string file = source("scenarios/exhaustive/membarrier-c.toml");
    const Cmd e = tlbsim({"explore", file, "--exhaustive", "--policy", "v5.10", "--policy",
                          "neg-no-post-switch-fb", "--json", dir.file("x.json")});
    REQUIRE(e.code == cli::exit_expectation);
    const Json doc = schema_checked(dir.file("x.json"));
    REQUIRE(doc["exhaustive"].size() == 2);
    const auto& held = doc["exhaustive"][0];
    CHECK(held["policy"] == "v5.10");
    CHECK(held["bound_reached"] == false);
    CHECK(held["max_executions"] == 100000);
    CHECK(held["violations"] == Json::array());
    CHECK(held["states"] == Json::array({""})); // no registers or variables
    const auto& neg = doc["exhaustive"][1];
    CHECK(neg["policy"] == "neg-no-post-switch-fb");
    CHECK(neg["executions"].get<int>() > held["executions"].get<int>());
    REQUIRE(neg["violations"].size() == 1);
    CHECK(neg["violations"][0]["property"] == "G-MB");
    const auto& run = doc["runs"][neg["violations"][0]["run"].get<std::size_t>()];
    CHECK(run["violated"] == Json::array({"G-MB"}));
    CHECK(neg["failed_run"].is_null());
}

TEST_CASE("explore: bad options are one-line usage errors", "[cli][explore]") {
    const std::string file = source("scenarios/explore/jit-idle.toml");
    for (const auto& [opt, value] : std::vector<std::pair<std::string, std::string>>{
             {"--shard", "0/4"},
             {"--shard", "5/4"},
             {"--shard", "2-4"},
             {"--runs", "0"},
             {"--runs", "-5"}, // not wrapped around to 2^64 - 5
             {"--runs", "5x"},
             {"--seed", "-1"},
             {"--jitter", "101"},
             {"--depth", "17"}}) {
        INFO(opt << " " << value);
        const Cmd c = tlbsim({"explore", file, "--policy", "rfc-v2", opt, value});
        CHECK(c.code == cli::exit_usage);
        CHECK(c.err.find("explore: ") != std::string::npos);
        CHECK(std::count(c.err.begin(), c.err.end(), '\n') == 1);
    }
}

TEST_CASE("--delay: a step stretched at a given time, replayable and checked", "[cli][explore]") {
    const std::string file = source("scenarios/explore/jit-exit.toml");
    // Without the delay the run holds; stretching the compiler's first step drawn at or after
    // cycle 7000 by 3,400..3,900 cycles moves a membarrier's read of rq(1)->curr into w1's exit
    // (tsk->mm NULL, so no IPI) and rfc-v2 fails G-SC on cpu1.
    const Cmd plain = tlbsim({"run", file, "--policy", "rfc-v2"});
    CHECK(plain.out.find("violation (") == std::string::npos);
    const Cmd late = tlbsim({"run", file, "--policy", "rfc-v2", "--delay", "0@7000+3600"});
    INFO(late.out);
    CHECK(late.out.find("violation (rfc-v2): G-SC on cpu1") != std::string::npos);
    CHECK(tlbsim({"run", file, "--delay", "3@0+10"}).code == cli::exit_usage); // 2 CPUs
    CHECK(tlbsim({"run", file, "--delay", "0@10+0"}).code == cli::exit_usage); // EXTRA >= 1
    CHECK(tlbsim({"run", file, "--delay", "0@10"}).code == cli::exit_usage);
}

TEST_CASE("merge: explore shards combine into the one-machine report; a missing or doubled "
          "shard is refused",
          "[cli][explore][shard]") {
    TempDir dir;
    const std::string file = source("scenarios/explore/jit-idle.toml");
    const std::vector<std::string> base = {"explore", file, "--policy", "rfc-v2", "--runs", "200"};
    auto with = [&](const std::vector<std::string>& extra) { return tlbsim_with(base, extra); };
    const Cmd one = with({});
    std::vector<std::string> merge = {"merge"};
    for (int k = 1; k <= 3; ++k) {
        const std::string out = dir.file("s" + std::to_string(k) + ".json");
        with({"--shard", std::to_string(k) + "/3", "--json", out});
        merge.push_back(out);
    }
    const Cmd merged = tlbsim(merge);
    CHECK(merged.code == one.code);
    CHECK(merged.out == one.out); // the finding of run 35 lives in shard 3/3 (35 % 3 == 2)
    const Cmd missing = tlbsim({"merge", merge[1], merge[2]});
    CHECK(missing.code == cli::exit_usage);
    CHECK(missing.err.find("2 of 3 shards given") != std::string::npos);
    const Cmd twice = tlbsim({"merge", merge[1], merge[1], merge[2]});
    CHECK(twice.code == cli::exit_usage);
    CHECK(twice.err.find("shard 1/3 is given twice") != std::string::npos);
}

namespace {

/// `text` with each search's time ("..., 0.01 s" at a line's end) left out.
std::string without_times(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        const auto at = line.rfind(", ");
        if (line.ends_with(" s") && at != std::string::npos) {
            line.erase(at);
        }
        out += line + "\n";
    }
    return out;
}

Json without_wall_seconds(Json doc) {
    for (auto& r : doc["runs"]) {
        r.erase("wall_seconds");
    }
    for (auto& x : doc["exhaustive"]) {
        x.erase("wall_seconds");
        x.erase("shards"); // how many documents were merged into this one
    }
    return doc;
}

} // namespace

// docs/memory-model.md, Sharding: the shards' documents merge into the whole search's report
// without the race-driven reduction (--no-races, which no shard can use), the text (but each
// search's time) and the JSON (but wall_seconds) byte for byte; scenario C's G-MB violation is
// reported from the run with the least choice vector, whichever shard ran it. The search with
// races finds the same states and violations.
TEST_CASE("merge: exhaustive shards combine into the one-machine search; an exploration's "
          "shards do not mix with them",
          "[cli][explore][shard]") {
    TempDir dir;
    const std::vector<std::string> base = {"explore",
                                           source("scenarios/exhaustive/membarrier-c.toml"),
                                           source("scenarios/memory"),
                                           "--exhaustive",
                                           "--no-races",
                                           "--policy",
                                           "v5.10",
                                           "--policy",
                                           "neg-no-post-switch-fb"};
    auto with = [&](const std::vector<std::string>& extra) { return tlbsim_with(base, extra); };
    const Cmd one = with({"--json", dir.file("one.json")});
    REQUIRE(one.code == cli::exit_expectation); // G-MB under the negative control
    std::vector<std::string> raced_cmd(base);
    std::erase(raced_cmd, std::string("--no-races"));
    raced_cmd.insert(raced_cmd.end(), {"--json", dir.file("raced.json")});
    CHECK(tlbsim(raced_cmd).code == one.code);
    const Json raced = schema_checked(dir.file("raced.json"));
    const Json unraced = schema_checked(dir.file("one.json"));
    REQUIRE(raced["exhaustive"].size() == unraced["exhaustive"].size());
    for (std::size_t i = 0; i < raced["exhaustive"].size(); ++i) {
        const Json& r = raced["exhaustive"][i];
        const Json& u = unraced["exhaustive"][i];
        CHECK((r["races"] && !u["races"]));
        CHECK(r["states"] == u["states"]);
        CHECK(r["violations"].size() == u["violations"].size());
        CHECK(r["executions"] <= u["executions"]);
    }
    std::vector<std::string> merge = {"merge", "--json", dir.file("merged.json")};
    for (int k = 1; k <= 3; ++k) {
        const std::string out = dir.file("s" + std::to_string(k) + ".json");
        const Cmd shard = with({"--shard", std::to_string(k) + "/3", "--json", out});
        CHECK(shard.out.find("exhaustive, shard " + std::to_string(k) + "/3: ") !=
              std::string::npos);
        CHECK(shard.out.find(" of other shards' subtrees") != std::string::npos);
        schema_checked(out);
        merge.push_back(out);
    }
    const Cmd merged = tlbsim(merge);
    CHECK(merged.code == one.code);
    CHECK(without_times(merged.out) == without_times(one.out));
    CHECK(without_wall_seconds(schema_checked(dir.file("merged.json"))).dump() ==
          without_wall_seconds(schema_checked(dir.file("one.json"))).dump());
    const Cmd missing = tlbsim({"merge", merge[3], merge[4]});
    CHECK(missing.err.find("2 of 3 shards given") != std::string::npos);
    tlbsim({"explore", source("scenarios/explore/jit-idle.toml"), "--policy", "rfc-v2", "--runs",
            "6", "--shard", "3/3", "--json", dir.file("x.json")});
    const Cmd mixed = tlbsim({"merge", merge[3], merge[4], dir.file("x.json")});
    CHECK(mixed.code == cli::exit_usage);
    CHECK(mixed.err.find("an explore document, but ") != std::string::npos);
}

namespace {

/// Runs `base` --no-races (what a shard searches) on one machine and as `shards` shards merged;
/// returns {one, merged}.
std::pair<Cmd, Cmd> one_and_merged(TempDir& dir, std::vector<std::string> base, int shards) {
    base.push_back("--no-races");
    auto with = [&](const std::vector<std::string>& extra) { return tlbsim_with(base, extra); };
    const Cmd one = with({});
    std::vector<std::string> merge = {"merge"};
    for (int k = 1; k <= shards; ++k) {
        const std::string out = dir.file("m" + std::to_string(k) + ".json");
        with({"--shard", std::to_string(k) + "/" + std::to_string(shards), "--json", out});
        merge.push_back(out);
    }
    return {one, tlbsim(merge)};
}

const char* const kForbiddenSb = R"(name = "sb-forbid"
policies = ["v5.10"]
[machine]
cpus = 2
memory = "tso"
[[process]]
name = "p"
variables = { x = 0, y = 0 }
[[thread]]
name = "t0"
process = "p"
cpu = 0
program = ["store x 1", "load y r1", "user 1"]
[[thread]]
name = "t1"
process = "p"
cpu = 1
program = ["store y 1", "load x r2", "user 1"]
[[expect]]
policy = "v5.10"
forbid = "t0:r1 == 0 && t1:r2 == 0"
[[expect]]
policy = "v5.10"
forbid = "x == 1"
)";

} // namespace

// What the merged report keeps from one machine beyond the plain case: broken forbids (each with
// the first state that breaks it), a failed run (one machine stops there: the merged numbers,
// states and findings stop there too), the report of each violated property of a run that
// violates several, and a shard count other than 3.
TEST_CASE("merge: exhaustive shards keep broken forbids, a failed run and each property's report",
          "[cli][explore][shard]") {
    TempDir dir;
    const std::string sb = dir.write("sb.toml", kForbiddenSb);
    for (int shards : {2, 5}) {
        INFO(shards << " shards");
        const auto [one, merged] = one_and_merged(dir, {"explore", sb, "--exhaustive"}, shards);
        CHECK(one.code == cli::exit_expectation);
        CHECK(one.out.find("expect[0]: forbid") != std::string::npos);
        CHECK(one.out.find("expect[1]: forbid \"x == 1\"") != std::string::npos);
        CHECK(merged.code == one.code);
        CHECK(without_times(merged.out) == without_times(one.out));
    }
    // kthread-use-mm's search fails at its 244th execution (a step the scenario cannot do; the
    // 177th before 2026-12-07, when fewer waiting threads were put to sleep).
    const auto [one, merged] =
        one_and_merged(dir,
                       {"explore", source("scenarios/history/kthread-use-mm.toml"), "--exhaustive",
                        "--policy", "v5.10"},
                       3);
    CHECK(one.code == cli::exit_usage);
    CHECK(one.out.find("244 executions") != std::string::npos);
    CHECK(merged.code == one.code);
    CHECK(without_times(merged.out) == without_times(one.out));
    CHECK(merged.err == one.err);
    // fred-ipi's first violating run under neg-ipi-trusts-iret violates G-SC on cpu1 and
    // G-SC-SELF on cpu0: each property prints its own report.
    const Cmd fred = tlbsim({"explore", source("scenarios/history/fred-ipi.toml"), "--exhaustive",
                             "--policy", "neg-ipi-trusts-iret"});
    CHECK(fred.out.find("G-SC violated in some execution:\n  violation (neg-ipi-trusts-iret): "
                        "G-SC on cpu1") != std::string::npos);
    CHECK(fred.out.find("G-SC-SELF violated in some execution:\n  violation "
                        "(neg-ipi-trusts-iret): G-SC-SELF on cpu0") != std::string::npos);
}

TEST_CASE("merge: a bounded exhaustive search says which bound stopped it; a shard out of range "
          "is refused",
          "[cli][explore][shard]") {
    TempDir dir;
    const std::string c = source("scenarios/exhaustive/membarrier-c.toml");
    const Cmd shard =
        tlbsim({"explore", c, "--exhaustive", "--policy", "neg-no-post-switch-fb",
                "--max-executions", "10", "--shard", "1/3", "--json", dir.file("s1.json")});
    CHECK(shard.out.find("10 executions (") != std::string::npos);
    CHECK(shard.out.find("bound reached: this shard stopped after 10 executions of its own and "
                         "the search is incomplete") != std::string::npos);
    for (const char* k : {"2", "3"}) {
        tlbsim({"explore", c, "--exhaustive", "--policy", "neg-no-post-switch-fb",
                "--max-executions", "10", "--shard", std::string(k) + "/3", "--json",
                dir.file(std::string("s") + k + ".json")});
    }
    const Cmd merged =
        tlbsim({"merge", dir.file("s1.json"), dir.file("s2.json"), dir.file("s3.json")});
    CHECK(merged.out.find("bound reached: a shard stopped after 10 executions of its own and the "
                          "search is incomplete") != std::string::npos);
    // A document relabelled as shard 4 of 3.
    Json doc = Json::parse(read_file(dir.file("s1.json")));
    doc["exhaustive"][0]["shard"] = Json::array({4, 3});
    std::ofstream(dir.file("s4.json")) << doc.dump();
    const Cmd bad =
        tlbsim({"merge", dir.file("s1.json"), dir.file("s2.json"), dir.file("s4.json")});
    CHECK(bad.code == cli::exit_usage);
    CHECK(bad.err.find("s4.json: shard 4/3 is not a shard") != std::string::npos);
    // A document missing a field is refused by its own name, not the first file's.
    doc = Json::parse(read_file(dir.file("s3.json")));
    doc["exhaustive"][0].erase("final_states");
    std::ofstream(dir.file("s5.json")) << doc.dump();
    const Cmd missing =
        tlbsim({"merge", dir.file("s1.json"), dir.file("s2.json"), dir.file("s5.json")});
    CHECK(missing.code == cli::exit_usage);
    CHECK(missing.err.find("s5.json: ") != std::string::npos);
    // A document with both kinds of search, or neither, is not read as one of them.
    doc = Json::parse(read_file(dir.file("s3.json")));
    doc["explore"] = Json::array();
    std::ofstream(dir.file("s6.json")) << doc.dump();
    const Cmd both =
        tlbsim({"merge", dir.file("s1.json"), dir.file("s2.json"), dir.file("s6.json")});
    CHECK(both.code == cli::exit_usage);
    CHECK(both.err.find("s6.json: both \"explore\" and \"exhaustive\" searches") !=
          std::string::npos);
    doc.erase("explore");
    doc.erase("exhaustive");
    std::ofstream(dir.file("s7.json")) << doc.dump();
    const Cmd neither = tlbsim({"merge", dir.file("s7.json"), dir.file("s1.json")});
    CHECK(neither.code == cli::exit_usage);
    CHECK(neither.err.find("s7.json: no \"explore\" or \"exhaustive\" searches") !=
          std::string::npos);
}

TEST_CASE("merge: a violation whose run does not report it is refused, not printed with another "
          "property's report",
          "[cli][explore][shard]") {
    TempDir dir;
    const std::string c = source("scenarios/exhaustive/membarrier-c.toml");
    for (const char* k : {"1", "2"}) {
        tlbsim({"explore", c, "--exhaustive", "--policy", "neg-no-post-switch-fb", "--shard",
                std::string(k) + "/2", "--json", dir.file(std::string("s") + k + ".json")});
    }
    const Cmd merged = tlbsim({"merge", dir.file("s1.json"), dir.file("s2.json")});
    REQUIRE(merged.code == cli::exit_expectation);
    CHECK(merged.out.find("violation (neg-no-post-switch-fb): G-MB on cpu1") != std::string::npos);
    // Both shards found G-MB; shard 2's run is the first in the search's order. Its report
    // relabelled (G-SC), then removed: the document no longer fits its search.
    Json doc = Json::parse(read_file(dir.file("s2.json")));
    REQUIRE(doc["exhaustive"][0]["violations"][0]["property"] == "G-MB");
    const auto run = doc["exhaustive"][0]["violations"][0]["run"].get<std::size_t>();
    Json& reports = doc["runs"][run]["violations"];
    REQUIRE(!reports.empty());
    const Json original = reports;
    reports[0]["cpu"] = "x"; // the report the text would print, malformed
    std::ofstream(dir.file("malformed.json")) << doc.dump();
    reports = original;
    for (Json& r : reports) {
        r["property"] = "G-SC";
    }
    std::ofstream(dir.file("relabelled.json")) << doc.dump();
    reports = Json::array();
    std::ofstream(dir.file("unreported.json")) << doc.dump();
    const Cmd malformed = tlbsim({"merge", dir.file("s1.json"), dir.file("malformed.json")});
    CHECK(malformed.code == cli::exit_usage);
    CHECK(malformed.out.empty());
    CHECK(malformed.err.find("malformed.json: ") != std::string::npos);
    for (const char* bad : {"relabelled.json", "unreported.json"}) {
        const Cmd m = tlbsim({"merge", dir.file("s1.json"), dir.file(bad)});
        CHECK(m.code == cli::exit_usage);
        CHECK(m.out.empty());
        CHECK(m.err.find(std::string(bad) + ": an exhaustive search whose fields do not fit") !=
              std::string::npos);
    }
}
