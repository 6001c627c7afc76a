#pragma once
// herd7's verdict on a litmus test, over the final states of an exhaustive search
// (run/exhaustive.h): the states projected onto what the condition reads, how many satisfy it,
// and Never / Sometimes / Always (docs/litmus.md).

#include "litmus/litmus.h"
#include "run/exhaustive.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <string>
#include <vector>

namespace litmus {

struct Verdict {
    std::vector<Place> places; ///< what a state line shows (observed_places)
    /// The distinct states projected onto `places`, sorted, each with whether the condition holds.
    std::vector<std::pair<std::vector<std::int64_t>, bool>> states;
    std::int64_t positive = 0; ///< states where the condition holds
    std::int64_t negative = 0;
    std::string observation; ///< Never, Sometimes or Always
    /// herd7's Ok / No: exists holds in some state, ~exists in none, forall in all.
    bool ok = false;
};

/// Whether the test's condition holds in the final state `u` of a run of `sc`.
bool condition_holds(const LitmusTest& test, const scenario::Scenario& sc, const run::UserState& u);

/// The first state of `res` that shows the test's answer: one where the condition holds (for
/// exists and ~exists), or where it fails (forall); null when there is none.
const run::UserState* telling_state(const LitmusTest& test, const scenario::Scenario& sc,
                                    const run::ExhaustiveResult& res);

Verdict judge(const LitmusTest& test, const scenario::Scenario& sc,
              const run::ExhaustiveResult& res);

/// herd7's report: Test, States, the state lines, Ok/No, Witnesses, Condition, Observation.
std::string herd_text(const LitmusTest& test, const Verdict& v);

} // namespace litmus
