#include "cli/run_text.h"

#include "cli/commands.h"
#include "sim/panic.h"

#include <fmt/format.h>

namespace cli {

int report_run_failure(const run::RunResult& r, const std::string& file, const Io& io) {
    std::fflush(io.out);
    if (!r.internal_error.empty()) {
        fmt::print(io.err, "tlbsim: {}: {}: {}\n", file, r.policy, r.internal_error);
        return exit_internal;
    }
    if (!r.error.empty()) {
        fmt::print(io.err, "{}: {}: {}\n", file, r.policy, r.error);
        return exit_usage;
    }
    return exit_ok;
}

const check::Violation& report_of(const run::RunResult& r, const std::string& property) {
    for (const check::Violation& v : r.violation_reports) {
        if (v.property == property) {
            return v;
        }
    }
    // A run reports its first violations in full and, after them, the first of each property.
    SIM_ASSERT(false, "{} is among the run's violations but has no report", property);
}

void print_violation(const std::string& policy, const check::Violation& v, const Io& io) {
    if (v.time < 0) { // found at the end of the run (a reference leak)
        fmt::print(io.out, "  violation ({}): {} at the end of the run: {}\n", policy, v.property,
                   v.call);
    } else {
        fmt::print(io.out,
                   "  violation ({}): {} on cpu{} at t={} by {}\n    call: {} (t_a={}, t_b={}, "
                   "t_r={})\n",
                   policy, v.property, v.cpu, v.time, v.task, v.call, v.t_a, v.t_b, v.t_r);
    }
    for (const auto& line : v.chain) {
        fmt::print(io.out, "      {}\n", line);
    }
}

void print_warning(const std::string& policy, const check::Warning& w, bool with_chain,
                   const Io& io) {
    fmt::print(io.out, "  warning ({}): {}\n", policy, w.text);
    if (!with_chain) {
        return;
    }
    for (const auto& line : w.chain) {
        fmt::print(io.out, "      {}\n", line);
    }
}

void print_findings(const run::RunResult& r, const Io& io) {
    for (const auto& v : r.violation_reports) {
        print_violation(r.policy, v, io);
    }
    // The first warning of each rule with the records behind it; `explain` shows the others'.
    check::PerRule<bool> chained{};
    for (const auto& w : r.warnings) {
        print_warning(r.policy, w, !chained[w.rule], io);
        chained[w.rule] = true;
    }
    const auto shown = static_cast<std::int64_t>(r.warnings.size());
    if (r.warning_count > shown) {
        fmt::print(io.out, "  ({} more warnings)\n", r.warning_count - shown);
    }
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

} // namespace cli
