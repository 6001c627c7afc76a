#pragma once
// Named presets (DESIGN.md, Policies) and user-defined policies ([[policy]] in a scenario).
// Preset names appear here and in reports only; kernel code reads knobs.

#include "policy/knobs.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace policy {

struct Preset {
    std::string_view name;
    std::string_view models;
    Knobs knobs;
};

const std::vector<Preset>& presets();
const Preset* find_preset(std::string_view name);

/// A knob value as written in a scenario: bool, integer or string (enumerations).
struct KnobSetting {
    std::string name;
    enum class Kind { boolean, integer, string } kind = Kind::boolean;
    bool b = false;
    std::int64_t i = 0;
    std::string s;
};

/// Checks a setting against the knob table: "" when valid, else the message.
std::string check_knob(const KnobSetting& setting);
/// Applies a (checked) setting.
void apply_knob(Knobs& knobs, const KnobSetting& setting);
/// The value of `knob` in `knobs`, as text (for listings and diffs).
std::string knob_value(const Knobs& knobs, std::string_view knob);

} // namespace policy
