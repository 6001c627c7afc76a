#pragma once
// `tlbsim diff FILE... --policy A --policy B`: per scenario, the counters that differ between
// two policies (redundant serializations and their cycles first, then serializations by site,
// then barriers, then the rest), the verdict changes in plain words, and a summary.

#include "cli/json_report.h"
#include "run/runner.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cli {

/// The name of the derived row: cycles spent in serializations counted as `ser.redundant`.
inline constexpr std::string_view redundant_cycles_row = "derived.redundant_cycles";

struct CounterDelta {
    std::string name;
    std::int64_t a = 0;
    std::int64_t b = 0;
    std::int64_t delta() const { return b - a; }
};

/// Ordering of diff rows: (group, rank within group); lower first, then registry order.
std::pair<int, int> diff_rank(std::string_view counter);

/// The runs of one scenario under A and B, and their redundant cycles.
struct DiffPair {
    std::string file;
    const run::RunResult* a = nullptr;
    const run::RunResult* b = nullptr;
    std::int64_t redundant_cycles_a = 0;
    std::int64_t redundant_cycles_b = 0;
};

/// The counters that differ, in diff order; with per_cpu, each total row is followed by the
/// cpuN rows that differ.
std::vector<CounterDelta> counter_deltas(const DiffPair& p, bool per_cpu);

/// The obligation breakdowns (obligation_text.h, obligation_rows) whose values differ: "G-SC
/// discharged by sync_core [ipi_sync_core]", "G-SC violated", ...; in A's order, then B's.
std::vector<CounterDelta> obligation_deltas(const DiffPair& p);

struct Verdict {
    std::string property;
    bool violated_a = false;
    bool violated_b = false;
};
/// Every property, in check::property_names order.
std::vector<Verdict> verdicts(const run::RunResult& a, const run::RunResult& b);

/// A mechanism rule broken under one policy and not the other: its warning.Kn counts.
struct WarningChange {
    check::MechanismRule rule{};
    std::int64_t a = 0;
    std::int64_t b = 0;
};
/// The rules whose warnings appear under one policy only, in check::mechanism_rules order.
std::vector<WarningChange> warning_changes(const run::RunResult& a, const run::RunResult& b);

/// The text report of one scenario (`diff` prints it).
std::string format_diff(const DiffPair& p, bool per_cpu);
/// The text summary over scenarios (errors excluded).
std::string format_diff_summary(const std::vector<DiffPair>& pairs, const std::string& a,
                                const std::string& b);

/// The "diff" object of the JSON document; run_index[i] = {index of a, index of b} in "runs".
Json diff_json(const std::vector<DiffPair>& pairs,
               const std::vector<std::pair<std::size_t, std::size_t>>& run_index,
               const std::string& a, const std::string& b, bool per_cpu);

} // namespace cli
