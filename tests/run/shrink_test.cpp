// `explore --shrink` (run/shrink.h, run/found_scenario.h): a violation explore finds shrinks to
// a smaller scenario that loads, violates the same property by the same mechanism without any
// option, and whose generated expectations pass; what the violation does not need goes.

#include "cli/catalog.h"
#include "cli/expectations.h"
#include "run/explore.h"
#include "run/found_scenario.h"
#include "run/runner.h"
#include "run/shrink.h"
#include "run/shrink_toml.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace {

std::string source_text(const std::string& path) {
    std::ifstream in(std::string(TLBSIM_SOURCE_DIR) + "/" + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The first violation explore finds in `text` under rfc-v2 (the search's default seed).
run::Finding first_violation(const std::string& text) {
    const auto sc = scenario::load_string(text, "t.toml", cli::scenario_catalog());
    run::ExploreOptions o;
    o.policy = "rfc-v2";
    o.runs = 2000;
    const auto res = run::explore(sc, o);
    REQUIRE(res.findings.size() == 1);
    REQUIRE(res.findings[0].kind == run::Finding::Kind::violation);
    return res.findings[0];
}

run::ShrinkResult shrink_finding(const std::string& text, const run::Finding& f) {
    return run::shrink(text, "t.toml", cli::scenario_catalog(), "rfc-v2", f.plan, f.violation());
}

/// The padding: a process of its own on a third CPU, with steps and a repeat the race does not
/// involve.
const char* const padding = R"(
[[process]]
name = "bystander"

[[thread]]
name = "noise"
process = "bystander"
cpu = 2
program = ["user 3000", "repeat 4", "syscall 200", "user 900", "end", "sleep 500", "user 100"]
)";

} // namespace

TEST_CASE("a shrunk exit handoff loads, violates G-SC the same way without options, and its "
          "expectations pass",
          "[shrink]") {
    const std::string text = source_text("scenarios/explore/jit-exit.toml");
    const run::Finding f = first_violation(text);
    const run::ShrinkResult s = shrink_finding(text, f);
    CHECK(s.threads <= s.threads_before);
    CHECK(s.steps < s.steps_before);
    CHECK_FALSE(s.bounded);
    CHECK(run::same_mechanism(s.violation, f.violation()));

    run::FoundOrigin origin;
    origin.file = "scenarios/explore/jit-exit.toml";
    origin.scenario = "jit-exit";
    origin.policy = "rfc-v2";
    origin.signature = f.signature;
    origin.policies = {"v5.10", "rfc-v2", "rfc-v2-intended"};
    const std::string found = run::found_scenario(s, origin, cli::scenario_catalog());
    const auto sc = scenario::load_string(found, "found.toml", cli::scenario_catalog());
    CHECK(sc.name == "jit-exit-rfc-v2-found");
    CHECK(sc.policies == std::vector<std::string>{"rfc-v2", "v5.10", "rfc-v2-intended"});
    REQUIRE(sc.expectations.size() == 2);
    for (const auto& policy : sc.policies) {
        const run::RunResult r = run::run_scenario(sc, policy, {});
        CHECK(cli::check_expectations(sc, r).empty());
        if (policy == "rfc-v2") { // no --seed, --jitter or --delay: the timing is in the file
            REQUIRE_FALSE(r.violation_reports.empty());
            CHECK(run::same_mechanism(r.violation_reports.front(), f.violation()));
        } else {
            CHECK(r.violations.empty());
        }
    }
}

TEST_CASE("shrinking drops the threads, process, CPU and steps the violation does not need",
          "[shrink]") {
    std::string text = source_text("scenarios/explore/jit-idle.toml");
    text.replace(text.find("cpus = 2"), 8, "cpus = 3");
    text += padding;
    const run::Finding f = first_violation(text);
    const run::ShrinkResult s = shrink_finding(text, f);
    CHECK(s.threads_before == 3);
    CHECK(s.threads == 2);
    CHECK(s.steps < s.steps_before - 7);
    const auto sc = scenario::load_string(s.toml, "s.toml", cli::scenario_catalog());
    CHECK(sc.machine.cpus == 2);
    REQUIRE(sc.processes.size() == 1);
    CHECK(sc.processes[0].name == "jit");
    CHECK(s.toml.find("noise") == std::string::npos);
    CHECK(run::same_mechanism(s.violation, f.violation()));
}

TEST_CASE("the same mechanism: property, cause, what the call read, and no new kernel site",
          "[shrink]") {
    check::Violation exit_handoff;
    exit_handoff.property = "G-SC";
    exit_handoff.chain = {
        "cpu1: rq->curr was w1 (mm NULL) when the caller read it at t=16551, so no IPI",
        "cpu1 t=16576 w1: rq->curr = w2 (mm NULL -> jit) [__schedule]",
        "cpu1 t=17605 w2: return to user by SYSRET (mm jit) [exit_to_user_mode]"};
    check::Violation later = exit_handoff; // other times, one site fewer
    later.chain = {"cpu1: rq->curr was w1 (mm NULL) when the caller read it at t=902, so no IPI",
                   "cpu1 t=1000 w2: return to user by SYSRET (mm jit) [exit_to_user_mode]"};
    CHECK(run::same_mechanism(later, exit_handoff));
    CHECK_FALSE(run::same_mechanism(exit_handoff, later)); // __schedule is new to `later`'s

    check::Violation idle_return = exit_handoff; // the call read the idle task instead
    idle_return.chain[0] =
        "cpu1: rq->curr was swapper/1 (mm NULL) when the caller read it at t=16551, so no IPI";
    CHECK_FALSE(run::same_mechanism(idle_return, exit_handoff));

    check::Violation other_property = exit_handoff;
    other_property.property = "G-MB";
    CHECK_FALSE(run::same_mechanism(other_property, exit_handoff));
    check::Violation other_cause = exit_handoff;
    other_cause.cause = check::Cause::kthread_use_mm;
    CHECK_FALSE(run::same_mechanism(other_cause, exit_handoff));
}

TEST_CASE("the generated expectations are the block scripts/regenerate-expectations writes",
          "[shrink]") {
    // The committed found scenarios carry blocks this function wrote; the script rewrites them
    // to the same bytes (docs/explore.md): here, the block of a file under two policies.
    const std::string found = source_text("scenarios/found/jit-idle-rfc-v2-found.toml");
    const auto sc = scenario::load_string(found, "f.toml", cli::scenario_catalog());
    std::vector<run::RunResult> runs;
    for (const auto& p : sc.policies) {
        runs.push_back(run::run_scenario(sc, p, {}));
    }
    const std::string block = run::expectation_block(runs);
    CHECK(found.substr(found.find("# BEGIN GENERATED")) == block);
}

TEST_CASE("removing the highest CPU trims the per-CPU arrays, so that the candidate loads",
          "[shrink]") {
    const std::string text = R"(
[machine]
cpus = 3
next_asid = [1, 2, 6]

[[process]]
name = "p"
asid_slots = [0, 1, 2]

[[thread]]
name = "t"
process = "p"
cpu = 0
program = ["user 100"]
)";
    const toml::table doc = toml::parse(text);
    const auto& kinds = run::shrink_edit::kinds();
    const auto drop = std::find_if(kinds.begin(), kinds.end(), [](const auto& k) {
        return std::string(k.what) == "remove the highest CPU";
    });
    REQUIRE(drop != kinds.end());
    const auto smaller = drop->apply(doc, 0);
    REQUIRE(smaller);
    const std::string out = run::shrink_edit::format(*smaller);
    const auto sc = scenario::load_string(out, "t.toml", cli::scenario_catalog());
    CHECK(sc.machine.cpus == 2);
    CHECK(sc.machine.next_asid == std::vector<int>{1, 2});
    CHECK(sc.processes[0].asid_slots == std::vector<int>{0, 1});
}
