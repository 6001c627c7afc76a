// Policy bisection finds the hunk that breaks (or fixes) a scenario's verdict.

#include "kernel/support.h"
#include "policy/knobs.h"
#include "policy/presets.h"
#include "run/bisect.h"

#include <fstream>
#include <sstream>

namespace {
scenario::Scenario history(const std::string& name) {
    std::ifstream in(std::string(TLBSIM_SOURCE_DIR) + "/scenarios/history/" + name);
    std::stringstream text;
    text << in.rdbuf();
    return test::load(text.str());
}
} // namespace

TEST_CASE("bisect names the RFC's moved sync as what breaks the idle return", "[bisect]") {
    const auto r = run::bisect(history("idle-return.toml"), "v5.10", "rfc-v2");
    CHECK(r.flips);
    CHECK(r.verdict_a.empty());
    CHECK(r.verdict_b == std::vector<std::string>{"G-SC"});
    CHECK(r.culprit == std::vector<std::string>{"lazy_sync_core"});
}

TEST_CASE("bisect names ce29ddc47b91 as what fixes the registration race", "[bisect]") {
    const auto r = run::bisect(history("registration-race.toml"), "v5.10", "mainline");
    CHECK(r.flips);
    CHECK(r.verdict_a == std::vector<std::string>{"G-MB"});
    CHECK(r.verdict_b.empty());
    // Every knob on which the two presets differ is a candidate; one of them alone flips the
    // verdict.
    const auto& a = policy::find_preset("v5.10")->knobs;
    const auto& b = policy::find_preset("mainline")->knobs;
    std::vector<std::string> differing;
    for (const auto& k : policy::knob_table()) {
        if (policy::knob_value(a, k.name) != policy::knob_value(b, k.name)) {
            differing.emplace_back(k.name);
        }
    }
    CHECK(r.differing == differing);
    CHECK(r.differing.size() >= 8); // the seven membarrier and lazy-TLB knobs, fred_entry, ...
    CHECK(r.culprit == std::vector<std::string>{"sync_rq_state_on_caller_cpu"});
}

TEST_CASE("bisect reports an unchanged verdict", "[bisect]") {
    const auto r = run::bisect(history("idle-return.toml"), "v5.10", "mainline");
    CHECK_FALSE(r.flips);
    CHECK(r.culprit.empty());
}

TEST_CASE("bisect: v4.16 has no registration race because it has no runqueue copy", "[bisect]") {
    // v5.10 -> v4.16 moves eight knobs; membarrier_rq_state alone removes the stale
    // rq->membarrier_state that GLOBAL_EXPEDITED trusted.
    const auto r = run::bisect(history("registration-race.toml"), "v5.10", "v4.16");
    CHECK(r.flips);
    CHECK(r.verdict_a == std::vector<std::string>{"G-MB"});
    CHECK(r.verdict_b.empty());
    CHECK(r.culprit == std::vector<std::string>{"membarrier_rq_state"});
}

TEST_CASE("bisect skips knob mixes no kernel has", "[bisect]") {
    // From mainline towards v4.16, moving membarrier_rq_state alone would leave mainline's
    // membarrier_update_current_mm and sync_rq_state_on_caller_cpu without the runqueue copy
    // they update: such subsets are skipped, not run.
    const auto r = run::bisect(history("registration-race.toml"), "v4.16", "v5.10");
    CHECK(r.flips);
    CHECK(r.culprit == std::vector<std::string>{"membarrier_rq_state"});
    // kthread-use-mm: mainline fails G-SC, v4.16 G-SC-SELF; the search runs through the mixes
    // and names a culprit set a kernel could have.
    const auto mix = run::bisect(history("kthread-use-mm.toml"), "mainline", "v4.16");
    CHECK(mix.flips);
    CHECK_FALSE(mix.culprit.empty());
}
