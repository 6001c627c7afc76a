#include "scenario/load_state.h"

#include "scenario/text_util.h"
#include "scenario_model/errno_names.h"

#include <fmt/format.h>

#include <algorithm>

namespace scenario::detail {

LoadState::LoadState(const TomlReader& reader, const Catalog& names)
    : in(reader), catalog(names), presets(names.preset_names.begin(), names.preset_names.end()) {
    sc.file = reader.file();
}

void LoadState::check_cpu(std::int64_t cpu, SourceLoc loc, const std::string& path) const {
    const Machine& m = sc.machine;
    if (cpu < 0 || cpu >= m.cpus) {
        in.fail(loc, path, no_such_cpu(cpu, m));
    }
    if (!m.is_online(static_cast<int>(cpu))) {
        in.fail(loc, path, fmt::format("CPU {} is offline", cpu));
    }
}

void LoadState::check_counter_cpu(std::string_view counter, SourceLoc loc,
                                  const std::string& path) const {
    if (const auto cpu = counter_cpu(counter); cpu && *cpu >= sc.machine.cpus) {
        in.fail(loc, path, no_such_cpu(*cpu, sc.machine));
    }
}

int LoadState::find_process(std::string_view name, SourceLoc loc, const std::string& path) const {
    if (auto it = process_index.find(name); it != process_index.end()) {
        return it->second;
    }
    std::vector<std::string_view> names;
    for (const Process& p : sc.processes) {
        names.push_back(p.name);
    }
    in.fail(loc, path,
            fmt::format("no process named {}{}", quote(name), did_you_mean(closest(name, names))));
}

int LoadState::find_variable(std::string_view name, SourceLoc loc, const std::string& path) const {
    const auto it = variable_index.find(name);
    if (it == variable_index.end()) {
        std::vector<std::string_view> names;
        for (const Variable& v : sc.variables) {
            names.push_back(v.name);
        }
        in.fail(loc, path,
                fmt::format("no variable named {}{} (variables are declared in [[process]] "
                            "variables)",
                            quote(name), did_you_mean(closest(name, names))));
    }
    const Variable& v = sc.variables[static_cast<std::size_t>(it->second)];
    if (v.process != program_process && program_process >= 0) {
        in.fail(loc, path,
                fmt::format("variable {} belongs to process {}, not to this thread's process {}",
                            quote(name), sc.processes[static_cast<std::size_t>(v.process)].name,
                            sc.processes[static_cast<std::size_t>(program_process)].name));
    }
    return it->second;
}

int LoadState::register_id(std::string_view name, SourceLoc loc, const std::string& path) {
    if (!is_identifier(name)) {
        in.fail(loc, path,
                fmt::format("invalid register name {} (a register is [A-Za-z_][A-Za-z0-9_]*)",
                            quote(name)));
    }
    const auto it = std::find(program_registers.begin(), program_registers.end(), name);
    if (it != program_registers.end()) {
        return static_cast<int>(it - program_registers.begin());
    }
    program_registers.emplace_back(name);
    return static_cast<int>(program_registers.size()) - 1;
}

int LoadState::event_id(std::string_view name) {
    if (auto it = event_index.find(name); it != event_index.end()) {
        return it->second;
    }
    const int id = static_cast<int>(sc.events.size());
    sc.events.emplace_back(name);
    event_index.emplace(std::string(name), id);
    return id;
}

bool LoadState::is_known_policy(std::string_view name) const {
    return presets.count(name) != 0 || policy_index.count(name) != 0;
}

std::vector<std::string> LoadState::known_policies() const {
    std::vector<std::string> names = catalog.preset_names;
    for (const PolicyDef& p : sc.policy_defs) {
        names.push_back(p.name);
    }
    return names;
}

void LoadState::check_policy_ref(const toml::node& n, const std::string& path,
                                 std::vector<std::string>& out, std::set<std::string>& seen) const {
    const std::string name = in.get_string(n, path);
    if (!is_known_policy(name)) {
        in.fail(
            TomlReader::node_loc(n), path,
            fmt::format("unknown policy {}{}", quote(name), suggest_from(name, known_policies())));
    }
    if (!seen.insert(name).second) {
        in.fail(TomlReader::node_loc(n), path,
                fmt::format("policy {} is listed twice", quote(name)));
    }
    out.push_back(name);
}

std::string no_such_cpu(std::int64_t cpu, const Machine& m) {
    return fmt::format("CPU {} does not exist (the machine has {} CPU{}: 0..{})", cpu, m.cpus,
                       m.cpus == 1 ? "" : "s", m.cpus - 1);
}

std::string suggest_from(std::string_view word, const std::vector<std::string>& names) {
    std::vector<std::string_view> views(names.begin(), names.end());
    return did_you_mean(closest(word, views));
}

std::optional<ResultValue> errno_result(std::string_view name) {
    if (!errno_value(name)) {
        return std::nullopt;
    }
    ResultValue r;
    r.is_errno = true;
    r.errno_name = std::string(name);
    return r;
}

std::string errno_hint(std::string_view name) {
    return did_you_mean(closest(name, errno_names()));
}

std::string negative_result_hint(std::int64_t value) {
    const std::string_view name =
        value > -100000 ? errno_name(static_cast<int>(-value)) : std::string_view();
    return name.empty() ? std::string() : did_you_mean(std::string(name));
}

} // namespace scenario::detail
