#pragma once
// Strict TOML scenario loader (docs/scenario-keys.md, docs/steps.md, docs/scenario-loader.md).
// Every problem is reported as a ScenarioError whose what() is exactly one line: `file:line:col:
// path: message`.

#include "scenario_model/scenario.h"

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scenario {

class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The names the loader validates against. They are owned by other layers (counter catalogue,
/// cost model, policy presets and knobs) and handed in, so the loader stays independent of them.
struct Catalog {
    std::function<bool(std::string_view)> is_counter; ///< e.g. "ser.total", "cpu1.fb.total"
    std::vector<std::string> cost_names;              ///< every [machine.costs] key allowed
    std::vector<std::string> preset_names;            ///< built-in policy presets
    /// The guarantees `[[expect]] violations` may name ("G-MB", ...; check::properties).
    std::vector<std::string> property_names;
    /// Returns "" when `value` is valid for `knob`, otherwise the message (unknown knob, wrong
    /// type).
    std::function<std::string(std::string_view knob, const KnobValue& value)> check_knob;
    /// Returns "" when the policy `name` (defined in `sc`, with its base resolved) is a knob
    /// combination a kernel could have, otherwise the message.
    std::function<std::string(const Scenario& sc, const std::string& name)> check_policy;
};

/// Loads and validates a scenario file. Throws ScenarioError.
Scenario load_file(const std::string& path, const Catalog& catalog);

/// Same, from text; `file` is the name used in messages.
Scenario load_string(std::string_view text, const std::string& file, const Catalog& catalog);

} // namespace scenario
