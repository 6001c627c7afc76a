#include "cli/report_table.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

namespace {

int row_rank(const std::string& name) {
    if (name == "ser.redundant") {
        return 0;
    }
    if (name.starts_with("ser.sync_core")) {
        return 1;
    }
    if (name.starts_with("cycles.sync_core@")) {
        return 2;
    }
    if (name == "cycles.ser" || name == "cycles.fb") {
        return 3;
    }
    return 4;
}

} // namespace

std::string format_table(const std::vector<run::RunResult>& runs, bool per_cpu) {
    if (runs.empty()) {
        return {};
    }
    const auto& decls = runs.front().counters.declared();
    std::vector<std::string> names;
    for (const auto& d : decls) {
        names.push_back(d.name);
    }
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return row_rank(a) < row_rank(b);
    });
    std::vector<std::string> rows;
    for (const auto& n : names) {
        rows.push_back(n);
        if (per_cpu) {
            for (int c = 0; c < runs.front().counters.cpus(); ++c) {
                rows.push_back(fmt::format("cpu{}.{}", c, n));
            }
        }
    }
    std::vector<std::vector<std::int64_t>> values;
    std::vector<std::string> shown;
    for (const auto& row : rows) {
        std::vector<std::int64_t> v;
        bool nonzero = false;
        for (const auto& r : runs) {
            v.push_back(r.counters.value(row).value_or(0));
            nonzero = nonzero || v.back() != 0;
        }
        if (nonzero) {
            shown.push_back(row);
            values.push_back(std::move(v));
        }
    }
    std::size_t w0 = std::string("counter").size();
    for (const auto& s : shown) {
        w0 = std::max(w0, s.size());
    }
    std::vector<std::size_t> widths;
    for (std::size_t p = 0; p < runs.size(); ++p) {
        std::size_t w = runs[p].policy.size();
        for (const auto& v : values) {
            w = std::max(w, std::to_string(v[p]).size());
        }
        widths.push_back(w);
    }
    std::string out = fmt::format("  {:<{}}", "counter", w0);
    for (std::size_t p = 0; p < runs.size(); ++p) {
        out += fmt::format("  {:>{}}", runs[p].policy, widths[p]);
    }
    out += "\n";
    for (std::size_t i = 0; i < shown.size(); ++i) {
        const auto& v = values[i];
        const bool differs =
            std::adjacent_find(v.begin(), v.end(), std::not_equal_to<>()) != v.end();
        out += fmt::format("{} {:<{}}", differs ? "*" : " ", shown[i], w0);
        for (std::size_t p = 0; p < runs.size(); ++p) {
            out += fmt::format("  {:>{}}", v[p], widths[p]);
        }
        out += "\n";
    }
    return out;
}

} // namespace cli
