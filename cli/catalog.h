#pragma once
// The names a scenario is validated against, gathered from the layers that own them.

#include "scenario/loader.h"

namespace cli {

const scenario::Catalog& scenario_catalog();

/// Loads a scenario with the full catalog (throws scenario::ScenarioError).
scenario::Scenario load_scenario(const std::string& path);

/// Expands files and directories (recursively, sorted) into scenario files (*.toml).
/// Throws UserError for a path that does not exist.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths);

} // namespace cli
