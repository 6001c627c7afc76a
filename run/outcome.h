#pragma once
// Outcomes ([[expect]] forbid and require): conditions over what user code ended with
// (docs/memory-model.md, Outcomes).

#include "run/runner.h"
#include "scenario_model/scenario.h"

#include <string>

namespace run {

/// Whether `o` holds for the final registers and memory `u`.
bool outcome_holds(const scenario::Outcome& o, const UserState& u);

/// "t0:r1=0 t1:r2=0 x=1": the registers and variables `o` reads, in order of first mention, with
/// their values in `u`.
std::string outcome_values(const scenario::Scenario& sc, const scenario::Outcome& o,
                           const UserState& u);

/// "t0:r1=0; t1:r2=1; x=1;": every register of every thread, then every variable (herd7's
/// order of a state line).
std::string state_text(const scenario::Scenario& sc, const UserState& u);

} // namespace run
