#include "policy/presets.h"

#include "sim/panic.h"

namespace policy {

const std::vector<Preset>& presets() {
    static const std::vector<Preset> table = {
        {"v5.10", "v5.10.13 (with the December 2020 membarrier fixes): the seed's baseline",
         Knobs{.lazy_sync_core = LazySyncCore::finish_task_switch}},
        {"rfc-v2",
         "RFC v2 1/2 as posted (2020-12-04): sync moved into switch_mm_irqs_off's lazy, "
         "generation-equal branch behind the current->mm guard, removed from finish_task_switch",
         Knobs{.lazy_sync_core = LazySyncCore::switch_mm_current_mm_guard}},
        {"rfc-v2-intended",
         "RFC v2 1/2 as intended: the same site, guarded by the next mm's SYNC_CORE registration",
         Knobs{.lazy_sync_core = LazySyncCore::switch_mm_next_registration}},
    };
    return table;
}

const Preset* find_preset(std::string_view name) {
    for (const auto& p : presets()) {
        if (p.name == name) {
            return &p;
        }
    }
    return nullptr;
}

namespace {
const KnobInfo* find_knob(std::string_view name) {
    for (const auto& k : knob_table()) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}
} // namespace

std::string check_knob(const KnobSetting& setting) {
    const KnobInfo* k = find_knob(setting.name);
    if (k == nullptr) {
        std::string names;
        for (const auto& info : knob_table()) {
            names += (names.empty() ? "" : ", ") + std::string(info.name);
        }
        return "unknown knob (expected one of: " + names + ")";
    }
    switch (k->type) {
    case KnobType::boolean:
        return setting.kind == KnobSetting::Kind::boolean ? "" : "expected a boolean";
    case KnobType::integer:
        return setting.kind == KnobSetting::Kind::integer ? "" : "expected an integer";
    case KnobType::enumeration: {
        std::string values;
        for (auto v : k->values) {
            if (setting.kind == KnobSetting::Kind::string && v == setting.s) {
                return "";
            }
            values += (values.empty() ? "" : ", ") + std::string(v);
        }
        return "expected one of: " + values;
    }
    }
    return "invalid knob";
}

void apply_knob(Knobs& knobs, const KnobSetting& setting) {
    if (setting.name == "lazy_sync_core") {
        for (auto v : {LazySyncCore::finish_task_switch, LazySyncCore::switch_mm_current_mm_guard,
                       LazySyncCore::switch_mm_next_registration}) {
            if (to_string(v) == setting.s) {
                knobs.lazy_sync_core = v;
                return;
            }
        }
    }
    SIM_ASSERT(false, "apply_knob: unchecked setting {}", setting.name);
}

std::string knob_value(const Knobs& knobs, std::string_view knob) {
    if (knob == "lazy_sync_core") {
        return std::string(to_string(knobs.lazy_sync_core));
    }
    return "?";
}

} // namespace policy
