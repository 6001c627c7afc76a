#pragma once
// The generator's profiles (generator.h): each builds a Draft from checked parameters.

#include "gen/draft.h"
#include "gen/generator.h"

namespace gen {

Draft build_mix(const GenParams& p);
Draft build_jit(const GenParams& p);

/// The policies a generated scenario names: every preset, so that `tlbsim run FILE` runs them all.
std::vector<std::string> all_presets();

} // namespace gen
