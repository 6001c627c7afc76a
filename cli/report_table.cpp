#include "cli/report_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace cli {

namespace {

int row_rank(const std::string& name) {
    if (name == "ser.redundant" || name == "ser.sync_core.unneeded") {
        return 0;
    }
    if (name.starts_with("ser.sync_core")) {
        return 1;
    }
    if (name.starts_with("cycles.sync_core@")) {
        return 2;
    }
    if (name == "cycles.ser" || name == "cycles.fb" || name == "cycles.tlb_refill") {
        return 3;
    }
    return 4;
}

/// The table before it is drawn: the rows shown, their values per run, the column widths.
struct TableLayout {
    std::vector<std::string> rows;
    std::vector<std::vector<std::int64_t>> values; ///< per row, per run
    std::size_t name_width = 0;
    std::vector<std::size_t> widths; ///< per run
};

/// Every counter, in table order; with per_cpu, each followed by its cpuN rows.
std::vector<std::string> candidate_rows(const run::RunResult& first, bool per_cpu) {
    std::vector<std::string> names;
    for (const auto& d : first.counters.declared()) {
        names.push_back(d.name);
    }
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return row_rank(a) < row_rank(b);
    });
    std::vector<std::string> rows;
    for (const auto& n : names) {
        rows.push_back(n);
        if (per_cpu) {
            for (int c = 0; c < first.counters.cpus(); ++c) {
                rows.push_back(fmt::format("cpu{}.{}", c, n));
            }
        }
    }
    return rows;
}

TableLayout lay_out(const std::vector<const run::RunResult*>& runs, bool per_cpu) {
    TableLayout t;
    for (const auto& row : candidate_rows(*runs.front(), per_cpu)) {
        std::vector<std::int64_t> v;
        bool nonzero = false;
        for (const auto* r : runs) {
            v.push_back(r->counters.value(row).value_or(0));
            nonzero = nonzero || v.back() != 0;
        }
        if (nonzero) {
            t.rows.push_back(row);
            t.values.push_back(std::move(v));
        }
    }
    t.name_width = std::string("counter").size();
    for (const auto& s : t.rows) {
        t.name_width = std::max(t.name_width, s.size());
    }
    for (std::size_t p = 0; p < runs.size(); ++p) {
        std::size_t w = runs[p]->policy.size();
        for (const auto& v : t.values) {
            w = std::max(w, std::to_string(v[p]).size());
        }
        t.widths.push_back(w);
    }
    return t;
}

std::string draw(const TableLayout& t, const std::vector<const run::RunResult*>& runs) {
    std::string out = fmt::format("  {:<{}}", "counter", t.name_width);
    for (std::size_t p = 0; p < runs.size(); ++p) {
        out += fmt::format("  {:>{}}", runs[p]->policy, t.widths[p]);
    }
    out += "\n";
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const auto& v = t.values[i];
        const bool differs =
            std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) != v.end();
        out += fmt::format("{} {:<{}}", differs ? "*" : " ", t.rows[i], t.name_width);
        for (std::size_t p = 0; p < runs.size(); ++p) {
            out += fmt::format("  {:>{}}", v[p], t.widths[p]);
        }
        out += "\n";
    }
    return out;
}

} // namespace

std::string format_table(const std::vector<const run::RunResult*>& runs, bool per_cpu) {
    return runs.empty() ? std::string() : draw(lay_out(runs, per_cpu), runs);
}

} // namespace cli
