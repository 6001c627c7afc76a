#pragma once
// Named presets (docs/design.md, Policies): each is a set of knob values with the kernel it models.
// Preset names appear here and in reports only; kernel code reads knobs.

#include "policy/knobs.h"

#include <string>
#include <string_view>
#include <vector>

namespace policy {

struct Preset {
    std::string_view name;
    std::string_view history; ///< the label of the preset in docs/design.md, Policies
    std::string_view models;
    Knobs knobs;
};

const std::vector<Preset>& presets();
const Preset* find_preset(std::string_view name);

/// Checks a setting against the knob table: "" when valid, else the message (messages about an
/// unknown knob start with "unknown").
std::string check_knob(const KnobSetting& setting);
/// Applies a (checked) setting.
void apply_knob(Knobs& knobs, const KnobSetting& setting);
/// Knobs that model code built on another knob's kernel structure: "" when the combination is
/// one a kernel could have, else the message naming the knobs.
std::string check_combination(const Knobs& knobs);
/// The value of `knob` in `knobs`, as text (for listings and diffs).
std::string knob_value(const Knobs& knobs, std::string_view knob);

} // namespace policy
