#include "cli/diff.h"

#include "check/counter_catalog.h"
#include "cli/obligation_text.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

std::pair<int, int> diff_rank(std::string_view n) {
    if (n == "ser.redundant") {
        return {0, 0};
    }
    if (n == redundant_cycles_row) {
        return {0, 1};
    }
    if (n.starts_with("ser.sync_core.unneeded")) { // next to the local rule, whole-run notion
        return {0, 2};
    }
    if (n.starts_with("ser.sync_core@")) {
        return {1, 0};
    }
    if (n.starts_with("cycles.sync_core@")) {
        return {1, 1};
    }
    if (n == "ser.sync_core") {
        return {1, 2};
    }
    if (n == "ser.total") {
        return {1, 3};
    }
    if (n.starts_with("ser.")) {
        return {1, 4};
    }
    if (n == "cycles.ser") {
        return {1, 5};
    }
    if (n.starts_with("fb.")) {
        return {2, 0};
    }
    if (n == "cycles.fb") {
        return {2, 1};
    }
    return {3, 0};
}

namespace {

std::string error_of(const DiffPair& p) {
    if (!p.a->error.empty()) {
        return fmt::format("error under {}: {}", p.a->policy, p.a->error);
    }
    if (!p.b->error.empty()) {
        return fmt::format("error under {}: {}", p.b->policy, p.b->error);
    }
    return {};
}

std::string signed_num(std::int64_t v) {
    return v > 0 ? fmt::format("+{}", v) : fmt::format("{}", v);
}

std::string label(const std::string& name) {
    return name == redundant_cycles_row ? "cycles of ser.redundant (derived)" : name;
}

std::int64_t total_of(const run::RunResult& r, std::string_view name) {
    return r.counters.value(name).value_or(0);
}

std::int64_t violations_of(const run::RunResult& r) {
    std::int64_t n = 0;
    for (const auto& p : check::property_names) {
        n += total_of(r, fmt::format("violation.{}", p));
    }
    return n;
}

} // namespace

std::vector<CounterDelta> counter_deltas(const DiffPair& p, bool per_cpu) {
    std::vector<std::string> names;
    for (const auto& d : p.a->counters.declared()) {
        names.push_back(d.name);
    }
    names.emplace_back(redundant_cycles_row);
    std::stable_sort(names.begin(), names.end(), [](const std::string& x, const std::string& y) {
        return diff_rank(x) < diff_rank(y);
    });
    std::vector<CounterDelta> out;
    const int cpus = std::min(p.a->counters.cpus(), p.b->counters.cpus());
    for (const auto& n : names) {
        CounterDelta d{n, 0, 0};
        if (n == redundant_cycles_row) {
            d.a = p.redundant_cycles_a;
            d.b = p.redundant_cycles_b;
        } else {
            d.a = total_of(*p.a, n);
            d.b = total_of(*p.b, n);
        }
        if (d.a != d.b) {
            out.push_back(d);
        }
        if (!per_cpu || n == redundant_cycles_row) {
            continue;
        }
        for (int c = 0; c < cpus; ++c) {
            const std::string full = fmt::format("cpu{}.{}", c, n);
            CounterDelta dc{full, total_of(*p.a, full), total_of(*p.b, full)};
            if (dc.a != dc.b) {
                out.push_back(dc);
            }
        }
    }
    return out;
}

std::vector<CounterDelta> obligation_deltas(const DiffPair& p) {
    std::vector<CounterDelta> rows;
    const auto row = [&rows](const std::string& name) -> CounterDelta& {
        for (auto& r : rows) {
            if (r.name == name) {
                return r;
            }
        }
        return rows.emplace_back(CounterDelta{name, 0, 0});
    };
    for (const auto& [name, value] : obligation_rows(*p.a)) {
        row(name).a = value;
    }
    for (const auto& [name, value] : obligation_rows(*p.b)) {
        row(name).b = value;
    }
    std::erase_if(rows, [](const CounterDelta& d) { return d.a == d.b; });
    return rows;
}

std::vector<Verdict> verdicts(const run::RunResult& a, const run::RunResult& b) {
    std::vector<Verdict> out;
    for (const auto& p : check::property_names) {
        const std::string prop(p);
        const auto has = [&](const run::RunResult& r) {
            return std::find(r.violations.begin(), r.violations.end(), prop) != r.violations.end();
        };
        out.push_back({prop, has(a), has(b)});
    }
    return out;
}

std::vector<WarningChange> warning_changes(const run::RunResult& a, const run::RunResult& b) {
    std::vector<WarningChange> out;
    for (const auto& k : check::mechanism_rules) {
        const std::string counter = fmt::format("warning.{}", k.name);
        const std::int64_t na = total_of(a, counter);
        const std::int64_t nb = total_of(b, counter);
        if ((na == 0) != (nb == 0)) {
            out.push_back({k.id, na, nb});
        }
    }
    return out;
}

namespace {

/// "K2 on cpu1 at t=...": the first kept warning of `rule` in `r`, or "" when none was kept.
std::string first_warning_text(const run::RunResult& r, check::MechanismRule rule) {
    for (const auto& w : r.warnings) {
        if (w.rule == rule) {
            return w.text;
        }
    }
    return {};
}

/// The mechanism rules broken under one policy and not the other, each with the first warning.
std::string format_warning_changes(const DiffPair& p) {
    std::string out;
    for (const auto& c : warning_changes(*p.a, *p.b)) {
        const run::RunResult& side = c.a > 0 ? *p.a : *p.b;
        out += fmt::format("  {}: {} warning{} under {}, {} under {}; first under {}: {}\n",
                           check::name(c.rule), c.a, c.a == 1 ? "" : "s", p.a->policy, c.b,
                           p.b->policy, side.policy, first_warning_text(side, c.rule));
    }
    return out;
}

} // namespace

std::string format_diff(const DiffPair& p, bool per_cpu) {
    std::string out = fmt::format("scenario {} ({}): {} -> {}\n", p.a->scenario, p.file,
                                  p.a->policy, p.b->policy);
    if (const auto err = error_of(p); !err.empty()) {
        return out + fmt::format("  {}\n", err.substr(0, err.find('\n')));
    }
    auto rows = counter_deltas(p, per_cpu);
    for (auto& d : obligation_deltas(p)) {
        rows.push_back(std::move(d));
    }
    if (rows.empty()) {
        out += "  no counter differs\n";
    } else {
        std::size_t w0 = std::string("counter").size();
        std::size_t wa = p.a->policy.size();
        std::size_t wb = p.b->policy.size();
        std::size_t wd = std::string("delta").size();
        for (const auto& r : rows) {
            w0 = std::max(w0, label(r.name).size());
            wa = std::max(wa, std::to_string(r.a).size());
            wb = std::max(wb, std::to_string(r.b).size());
            wd = std::max(wd, signed_num(r.delta()).size());
        }
        out += fmt::format("  {:<{}}  {:>{}}  {:>{}}  {:>{}}\n", "counter", w0, p.a->policy, wa,
                           p.b->policy, wb, "delta", wd);
        for (const auto& r : rows) {
            out += fmt::format("  {:<{}}  {:>{}}  {:>{}}  {:>{}}\n", label(r.name), w0, r.a, wa,
                               r.b, wb, signed_num(r.delta()), wd);
        }
    }
    bool changed = false;
    for (const auto& v : verdicts(*p.a, *p.b)) {
        if (v.violated_a != v.violated_b) {
            changed = true;
            out += fmt::format("  {}: {} under {}, {} under {}\n", v.property,
                               v.violated_a ? "violated" : "holds", p.a->policy,
                               v.violated_b ? "violated" : "holds", p.b->policy);
        }
    }
    if (!changed) {
        std::string same;
        for (const auto& prop : p.a->violations) {
            same += (same.empty() ? "" : ", ") + prop;
        }
        out += same.empty() ? "  verdicts: no change (no property violated under either)\n"
                            : fmt::format("  verdicts: no change ({} violated under both)\n", same);
    }
    return out + format_warning_changes(p);
}

namespace {

/// One total of the summary, summed over the compared scenarios.
struct SummaryTotal {
    std::string_view text_name;
    std::string_view json_name;
    std::int64_t a = 0;
    std::int64_t b = 0;
};

struct VerdictChange {
    std::string scenario;
    Verdict verdict;
};

struct ScenarioWarningChange {
    std::string scenario;
    WarningChange change;
};

/// What the text summary and the JSON "summary" report, computed once.
struct DiffSummary {
    std::size_t compared = 0;  ///< scenarios whose runs both completed
    std::size_t errors = 0;    ///< scenarios not compared
    std::size_t differing = 0; ///< compared scenarios whose counters differ
    std::vector<SummaryTotal> totals;
    std::vector<VerdictChange> changes;
    std::vector<ScenarioWarningChange> warning_changes;
};

DiffSummary summarize(const std::vector<DiffPair>& pairs) {
    DiffSummary s;
    s.totals = {{"ser.redundant", "ser.redundant"},
                {"cycles of ser.redundant (derived)", "derived.redundant_cycles"},
                {"ser.sync_core.unneeded", "ser.sync_core.unneeded"},
                {"cycles.ser", "cycles.ser"},
                {"violations (all properties)", "violations"},
                {"mechanism warnings (K1-K5)", "warnings"}};
    for (const auto& p : pairs) {
        if (!error_of(p).empty()) {
            ++s.errors;
            continue;
        }
        ++s.compared;
        const std::int64_t a[] = {total_of(*p.a, "ser.redundant"),
                                  p.redundant_cycles_a,
                                  total_of(*p.a, "ser.sync_core.unneeded"),
                                  total_of(*p.a, "cycles.ser"),
                                  violations_of(*p.a),
                                  p.a->warning_count};
        const std::int64_t b[] = {total_of(*p.b, "ser.redundant"),
                                  p.redundant_cycles_b,
                                  total_of(*p.b, "ser.sync_core.unneeded"),
                                  total_of(*p.b, "cycles.ser"),
                                  violations_of(*p.b),
                                  p.b->warning_count};
        for (std::size_t i = 0; i < s.totals.size(); ++i) {
            s.totals[i].a += a[i];
            s.totals[i].b += b[i];
        }
        s.differing += counter_deltas(p, false).empty() ? 0 : 1;
        for (const auto& v : verdicts(*p.a, *p.b)) {
            if (v.violated_a != v.violated_b) {
                s.changes.push_back({p.a->scenario, v});
            }
        }
        for (const auto& c : warning_changes(*p.a, *p.b)) {
            s.warning_changes.push_back({p.a->scenario, c});
        }
    }
    return s;
}

const char* verdict_word(bool violated) {
    return violated ? "violated" : "holds";
}

/// The "diff.scenarios" entry of one pair.
Json scenario_json(const DiffPair& p, const std::pair<std::size_t, std::size_t>& runs,
                   bool per_cpu) {
    Json s;
    s["scenario"] = p.a->scenario;
    s["file"] = p.file;
    s["runs"] = {runs.first, runs.second};
    const auto err = error_of(p);
    s["error"] = err.empty() ? Json(nullptr) : Json(err);
    Json counters = Json::array();
    Json verdict_rows = Json::array();
    if (err.empty()) {
        for (const auto& r : counter_deltas(p, per_cpu)) {
            counters.push_back({{"name", r.name}, {"a", r.a}, {"b", r.b}, {"delta", r.delta()}});
        }
        for (const auto& v : verdicts(*p.a, *p.b)) {
            verdict_rows.push_back({{"property", v.property},
                                    {"a", verdict_word(v.violated_a)},
                                    {"b", verdict_word(v.violated_b)},
                                    {"changed", v.violated_a != v.violated_b}});
        }
    }
    Json obligations = Json::array();
    if (err.empty()) {
        for (const auto& r : obligation_deltas(p)) {
            obligations.push_back({{"name", r.name}, {"a", r.a}, {"b", r.b}, {"delta", r.delta()}});
        }
    }
    s["counters"] = std::move(counters);
    s["verdicts"] = std::move(verdict_rows);
    s["obligations"] = std::move(obligations);
    return s;
}

} // namespace

std::string format_diff_summary(const std::vector<DiffPair>& pairs, const std::string& a,
                                const std::string& b) {
    const DiffSummary sum = summarize(pairs);
    std::string out = fmt::format("summary: {} scenario{}, {} -> {}", sum.compared,
                                  sum.compared == 1 ? "" : "s", a, b);
    if (sum.errors > 0) {
        out += fmt::format(" ({} not compared: scenario errors)", sum.errors);
    }
    out += "\n";
    for (const auto& t : sum.totals) {
        out += fmt::format("  {:<36} {:>10} -> {:<10} ({})\n", t.text_name, t.a, t.b,
                           signed_num(t.b - t.a));
    }
    out +=
        fmt::format("  scenarios whose counters differ: {} of {}\n", sum.differing, sum.compared);
    if (sum.changes.empty()) {
        out += "  verdict changes: none\n";
    } else {
        out += fmt::format("  verdict changes: {}\n", sum.changes.size());
    }
    for (const auto& c : sum.changes) {
        out += fmt::format("    {}: {}: {} under {}, {} under {}\n", c.scenario, c.verdict.property,
                           verdict_word(c.verdict.violated_a), a,
                           verdict_word(c.verdict.violated_b), b);
    }
    out += fmt::format("  mechanism rules broken under one policy only: {}\n",
                       sum.warning_changes.empty() ? std::string("none")
                                                   : std::to_string(sum.warning_changes.size()));
    for (const auto& c : sum.warning_changes) {
        out += fmt::format("    {}: {}: {} under {}, {} under {}\n", c.scenario,
                           check::name(c.change.rule), c.change.a, a, c.change.b, b);
    }
    return out;
}

Json diff_json(const std::vector<DiffPair>& pairs,
               const std::vector<std::pair<std::size_t, std::size_t>>& run_index,
               const std::string& a, const std::string& b, bool per_cpu) {
    Json scenarios = Json::array();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        scenarios.push_back(scenario_json(pairs[i], run_index[i], per_cpu));
    }
    const DiffSummary sum = summarize(pairs);
    Json totals = Json::array();
    for (const auto& t : sum.totals) {
        totals.push_back({{"name", t.json_name}, {"a", t.a}, {"b", t.b}, {"delta", t.b - t.a}});
    }
    Json summary;
    summary["scenarios"] = sum.compared;
    summary["errors"] = sum.errors;
    summary["differing"] = sum.differing;
    summary["verdict_changes"] = sum.changes.size();
    summary["totals"] = std::move(totals);
    return Json{
        {"policies", {a, b}}, {"scenarios", std::move(scenarios)}, {"summary", std::move(summary)}};
}

} // namespace cli
