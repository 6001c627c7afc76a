#include "gen/draft.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iterator>

namespace gen {

namespace {

/// A TOML basic string. Generated names and step strings are plain ASCII words; the description
/// is ours too, but escaping keeps the writer correct for any text.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            out += c;
        }
    }
    return out + "\"";
}

std::string string_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ", ") + quoted(items[i]);
    }
    return out + "]";
}

const char* boolean(bool b) {
    return b ? "true" : "false";
}

void write_machine(std::string& out, const DraftMachine& m) {
    auto it = std::back_inserter(out);
    fmt::format_to(it, "[machine]\ncpus = {}\n", m.cpus);
    fmt::format_to(it, "pcid = {}\npti = {}\nserialize = {}\nfred = {}\n", boolean(m.pcid),
                   boolean(m.pti), boolean(m.serialize), boolean(m.fred));
    fmt::format_to(it, "idle = \"{}\"\ntimeslice = {}\nwakeup_preempt = {}\n", m.idle, m.timeslice,
                   boolean(m.wakeup_preempt));
    if (!m.offline.empty()) {
        fmt::format_to(it, "offline = [{}]\n", fmt::join(m.offline, ", "));
    }
    fmt::format_to(it, "nohz_full = {}\nseed = {}\n\n", boolean(m.nohz_full), m.seed);
}

void write_thread(std::string& out, const Draft& d, const DraftThread& t) {
    auto it = std::back_inserter(out);
    const bool kthread = t.process < 0;
    fmt::format_to(it, "[[{}]]\nname = {}\n", kthread ? "kthread" : "thread", quoted(t.name));
    if (!kthread) {
        fmt::format_to(it, "process = {}\n",
                       quoted(d.processes[static_cast<std::size_t>(t.process)].name));
    }
    fmt::format_to(it, "cpu = {}\n", t.cpu);
    if (t.start > 0) {
        fmt::format_to(it, "start = {}\n", t.start);
    }
    fmt::format_to(it, "program = {}\n\n", string_array(t.program));
}

} // namespace

std::string to_toml(const Draft& d) {
    std::string out;
    auto it = std::back_inserter(out);
    fmt::format_to(it, "name = {}\ndescription = {}\npolicies = {}\n\n", quoted(d.name),
                   quoted(d.description), string_array(d.policies));
    write_machine(out, d.machine);
    for (const DraftProcess& p : d.processes) {
        fmt::format_to(it, "[[process]]\nname = {}\n", quoted(p.name));
        if (!p.registrations.empty()) {
            fmt::format_to(it, "register = {}\n", string_array(p.registrations));
        }
        if (!p.variables.empty()) {
            std::string vars;
            for (const std::string& v : p.variables) {
                vars += fmt::format("{}{} = 0", vars.empty() ? "" : ", ", v);
            }
            fmt::format_to(it, "variables = {{ {} }}\n", vars);
        }
        out += "\n";
    }
    for (const DraftThread& t : d.threads) {
        write_thread(out, d, t);
    }
    for (const DraftInterrupt& i : d.interrupts) {
        fmt::format_to(it, "[[inject]]\nat = {}\ncpu = {}\nevent = \"interrupt\"\n\n", i.at, i.cpu);
    }
    return out;
}

} // namespace gen
