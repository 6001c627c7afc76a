#include "cli/catalog.h"
#include "cli/output_file.h"

#include "check/counter_catalog.h"
#include "kernel/cost_model.h"
#include "policy/presets.h"
#include "run/runner.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace cli {

const scenario::Catalog& scenario_catalog() {
    static const scenario::Catalog catalog = [] {
        scenario::Catalog c;
        c.is_counter = [](std::string_view name) { return check::counter_catalog().is_name(name); };
        for (const auto& info : kernel::cost_table()) {
            c.cost_names.emplace_back(info.name);
        }
        for (const auto& p : policy::presets()) {
            c.preset_names.emplace_back(p.name);
        }
        for (const auto& p : check::properties) {
            c.property_names.emplace_back(p.name);
        }
        c.check_knob = [](std::string_view knob, const scenario::KnobValue& value) {
            policy::KnobSetting s;
            s.name = std::string(knob);
            s.kind = static_cast<policy::KnobSetting::Kind>(value.kind);
            s.b = value.b;
            s.i = value.i;
            s.s = value.s;
            return policy::check_knob(s);
        };
        c.check_policy = [](const scenario::Scenario& sc, const std::string& name) {
            const auto knobs = run::resolve_policy(sc, name);
            return knobs ? policy::check_combination(*knobs) : std::string();
        };
        return c;
    }();
    return catalog;
}

scenario::Scenario load_scenario(const std::string& path) {
    return scenario::load_file(path, scenario_catalog());
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const auto& p : paths) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<std::string> found;
            for (const auto& entry : fs::recursive_directory_iterator(p, ec)) {
                if (entry.is_regular_file() && entry.path().extension() == ".toml") {
                    found.push_back(entry.path().string());
                }
            }
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::exists(p, ec)) {
            files.push_back(p);
        } else {
            throw UserError(p + ": no such file or directory");
        }
    }
    return files;
}

} // namespace cli
