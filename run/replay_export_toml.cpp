// The text of an exported window (run/replay_export.h): an ordinary scenario file in the
// loader's language (docs/scenario-keys.md, docs/steps.md), one step a line, a header comment
// saying where it came from.

#include "run/replay_export.h"

#include "scenario_model/membarrier_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace run {

namespace {

using ftrace::Nanos;
using scenario::Op;
using scenario::Step;

/// A TOML basic string. Control characters and bytes outside ASCII (a comm is bytes, TOML text
/// is UTF-8) are written as \uXXXX.
std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x7f) {
            out += fmt::format("\\u{:04X}", c);
        } else {
            out += ch;
        }
    }
    return out + '"';
}

/// `text` as lines of at most `width` characters, each starting with `lead` (words kept whole).
std::string wrapped(std::string_view text, std::string_view lead, std::size_t width = 99) {
    std::string out;
    std::string line(lead);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t space = text.find(' ', pos);
        const std::string_view word =
            text.substr(pos, space == std::string_view::npos ? text.npos : space - pos);
        pos = space == std::string_view::npos ? text.size() : space + 1;
        if (line.size() > lead.size() && line.size() + 1 + word.size() > width) {
            out += line + '\n';
            line = std::string(lead);
        }
        line += line.size() > lead.size() ? " " : "";
        line += word;
    }
    return out + line + '\n';
}

/// `s` for a TOML multi-line basic string.
std::string escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        out += c == '"' || c == '\\' ? std::string{'\\', c} : std::string{c};
    }
    return out;
}

std::string cmd_text(const Step& st) {
    const auto index = scenario::membarrier_cmd_index(st.cmd);
    return index ? std::string(scenario::membarrier_cmd_names[*index]) : std::to_string(st.cmd);
}

std::string step_text(const Step& st) {
    switch (st.op) {
    case Op::user:
        return fmt::format("user {}", st.n);
    case Op::work:
        return fmt::format("work {}", st.n);
    case Op::sleep:
        return fmt::format("sleep {}", st.n);
    case Op::exec:
        return "exec";
    case Op::exit:
        return "exit";
    case Op::repeat:
        return fmt::format("repeat {}", st.n);
    case Op::membarrier:
        return fmt::format("membarrier {}{}{}", cmd_text(st),
                           st.flags != 0 ? fmt::format(" flags={}", st.flags) : "",
                           st.cpu_id != 0 ? fmt::format(" cpu={}", st.cpu_id) : "");
    case Op::flush_tlb:
        return fmt::format("flush_tlb{}{}", st.pages > 0 ? fmt::format(" pages={}", st.pages) : "",
                           st.freed_tables ? " freed_tables" : "");
    default:
        throw std::logic_error(
            fmt::format("export: no text for step op {}", static_cast<int>(st.op)));
    }
}

void program_lines(const std::vector<Step>& program, int depth, std::string& out) {
    const std::string indent(static_cast<std::size_t>(4 * depth), ' ');
    for (const Step& st : program) {
        out += fmt::format("{}{},\n", indent, toml_string(step_text(st)));
        if (st.op == Op::repeat) {
            program_lines(st.body, depth + 1, out);
            out += fmt::format("{}{},\n", indent, toml_string("end"));
        }
    }
}

std::string registration_name(scenario::Registration r) {
    switch (r) {
    case scenario::Registration::private_expedited:
        return "private_expedited";
    case scenario::Registration::private_expedited_sync_core:
        return "private_expedited_sync_core";
    case scenario::Registration::private_expedited_rseq:
        return "private_expedited_rseq";
    case scenario::Registration::global_expedited:
        return "global_expedited";
    }
    throw std::logic_error("export: unknown registration");
}

std::string ghz_text(double ghz) {
    std::string s = fmt::format("{}", ghz);
    return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
}

/// [machine], with the costs the replay measured from the recording (run/replay_timing.h) as
/// [machine.costs].
std::string machine_text(const scenario::Machine& m) {
    std::string out = fmt::format(
        "[machine]\ncpus = {}\npcid = {}\ninvpcid = {}\npti = {}\nidle = \"halt\"\n"
        "timeslice = {}\nwakeup_preempt = {}\nghz = {}\n",
        m.cpus, m.pcid, m.invpcid, m.pti, m.timeslice, m.wakeup_preempt, ghz_text(m.ghz));
    if (!m.costs.empty()) {
        out += "\n[machine.costs] # measured from the recording (the header)\n";
        for (const auto& [name, cycles] : m.costs) {
            out += fmt::format("{} = {}\n", name, cycles);
        }
    }
    return out;
}

std::string process_text(const scenario::Process& p) {
    std::string out = fmt::format("\n[[process]]\nname = {}\n", toml_string(p.name));
    if (!p.registrations.empty()) {
        std::vector<std::string> names;
        for (const scenario::Registration r : p.registrations) {
            names.push_back(toml_string(registration_name(r)));
        }
        out += fmt::format("register = [{}]\n", fmt::join(names, ", "));
    }
    return out;
}

std::string thread_text(const scenario::Scenario& sc, const scenario::Thread& th) {
    std::string out = fmt::format("\n[[{}]]\nname = {}\n", th.kthread ? "kthread" : "thread",
                                  toml_string(th.name));
    if (!th.kthread) {
        out += fmt::format("process = {}\n",
                           toml_string(sc.processes[static_cast<std::size_t>(th.process)].name));
    }
    out += fmt::format("cpu = {}\nstart = {}\nprogram = [\n", th.cpu, th.start);
    program_lines(th.program, 1, out);
    return out + "]\n";
}

std::string count(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// The header comment: the command, the window on the trace's clock and relative to its
/// first event, what the file holds and what it leaves out.
std::string header_text(const ScenarioExport& e, const std::string& command) {
    const Nanos from = e.window.from;
    const Nanos to = std::min(e.window.to, e.recording_end);
    const std::string absolute = e.origin ? fmt::format("{} to {} (", trace_seconds(from, e.origin),
                                                        trace_seconds(to, e.origin))
                                          : "(";
    std::size_t kthreads = 0;
    for (const scenario::Thread& th : e.scenario.threads) {
        kthreads += th.kthread ? 1 : 0;
    }
    std::string out = wrapped(fmt::format("Written by `{}`.", command), "# ");
    out += wrapped(
        fmt::format("The recorded schedule of {} from {}{} to {} s after its first event, {:.3f} "
                    "ms), {}: {}; {}, {} and {} ran in it. Times are cycles at {} GHz from the "
                    "window's start.",
                    e.trace, absolute, trace_seconds(from, {}), trace_seconds(to, {}),
                    static_cast<double>(to - from) / 1e6,
                    e.window.cpus.empty() ? std::string("every CPU")
                                          : fmt::format("CPU {}", fmt::join(e.window.cpus, ",")),
                    count(e.switches, "recorded context switch", "recorded context switches"),
                    count(e.scenario.processes.size(), "process", "processes"),
                    count(e.scenario.threads.size() - kthreads, "thread", "threads"),
                    count(kthreads, "kernel thread", "kernel threads"),
                    ghz_text(e.scenario.machine.ghz)),
        "# ");
    for (const std::string& note : e.notes) {
        out += wrapped("Left out: " + note + ".", "# ");
    }
    for (const std::string& m : e.measured) {
        out += wrapped("Measured: " + m + ".", "# ");
    }
    return out;
}

} // namespace

std::string export_toml(const ScenarioExport& e, const std::string& command) {
    const scenario::Scenario& sc = e.scenario;
    std::string out = header_text(e, command) + '\n';
    std::string description = wrapped(escaped(sc.description), "");
    description.pop_back();
    out += fmt::format("description = \"\"\"\n{}\"\"\"\n", description);
    std::vector<std::string> policies;
    for (const std::string& p : sc.policies) {
        policies.push_back(toml_string(p));
    }
    out += fmt::format("policies = [{}]\n\n", fmt::join(policies, ", "));
    out += machine_text(sc.machine);
    for (const scenario::Process& p : sc.processes) {
        out += process_text(p);
    }
    for (const scenario::Thread& th : sc.threads) {
        out += thread_text(sc, th);
    }
    return out;
}

} // namespace run
