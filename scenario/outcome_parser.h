#pragma once
// [[expect]] forbid and require: a condition over a run's final registers and memory
// (docs/memory-model.md, Outcomes). Internal to the scenario layer.
//
//   condition := disjunct ( "||" disjunct )*
//   disjunct  := term ( "&&" term )*
//   term      := "!" term | "(" condition ")" | operand ( "==" | "!=" ) operand
//   operand   := THREAD ":" REG | VAR | INTEGER

#include "scenario/load_state.h"

#include <string>
#include <toml++/toml.h>

namespace scenario::detail {

/// The condition in the string `node` (at `path`), its names resolved against the threads and
/// variables loaded so far. A syntax error or an unknown name fails at its column.
Outcome parse_outcome(const LoadState& st, const toml::node& node, const std::string& path);

} // namespace scenario::detail
