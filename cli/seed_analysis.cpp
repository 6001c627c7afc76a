#include "cli/seed_analysis.h"

#include "check/properties.h"
#include "cli/diff.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

bool RunCounts::any() const {
    return std::any_of(runs.begin(), runs.end(), [](std::uint64_t n) { return n > 0; });
}

namespace {

/// The value of counter `name` (or derived.redundant_cycles) in the run of `policy`.
std::int64_t value_of(const SeedSample& s, std::size_t policy, const std::string& name) {
    if (name == redundant_cycles_row) {
        return s.redundant_cycles[policy];
    }
    return s.runs[policy].counters.value(name).value_or(0);
}

std::vector<const SeedSample*> complete_samples(const SeededScenario& s) {
    std::vector<const SeedSample*> out;
    for (const auto& sample : s.samples) {
        if (sample.complete()) {
            out.push_back(&sample);
        }
    }
    return out;
}

std::vector<SeedFailure> failures_of(const SeededScenario& s) {
    std::vector<SeedFailure> out;
    for (const auto& sample : s.samples) {
        for (std::size_t p = 0; p < sample.runs.size(); ++p) {
            const run::RunResult& r = sample.runs[p];
            const std::string& why = r.internal_error.empty() ? r.error : r.internal_error;
            if (!why.empty()) {
                out.push_back({sample.seed, s.policies[p], why.substr(0, why.find('\n'))});
            }
        }
    }
    return out;
}

/// The counter names of the runs, in catalog order (the order the runs declare them).
std::vector<std::string> counter_names(const std::vector<const SeedSample*>& samples) {
    std::vector<std::string> names;
    if (samples.empty()) {
        return names;
    }
    for (const auto& d : samples.front()->runs.front().counters.declared()) {
        names.push_back(d.name);
    }
    return names;
}

std::vector<std::int64_t> series(const std::vector<const SeedSample*>& samples, std::size_t policy,
                                 const std::string& name) {
    std::vector<std::int64_t> v;
    v.reserve(samples.size());
    for (const auto* s : samples) {
        v.push_back(value_of(*s, policy, name));
    }
    return v;
}

bool any_nonzero(const std::vector<std::vector<std::int64_t>>& values) {
    return std::any_of(values.begin(), values.end(), [](const auto& v) {
        return std::any_of(v.begin(), v.end(), [](std::int64_t x) { return x != 0; });
    });
}

/// run: every counter non-zero in some run, with its statistics per policy.
void add_run_counters(const SeededScenario& s, const std::vector<const SeedSample*>& samples,
                      SeededAnalysis& a) {
    for (const auto& name : counter_names(samples)) {
        std::vector<std::vector<std::int64_t>> values;
        for (std::size_t p = 0; p < s.policies.size(); ++p) {
            values.push_back(series(samples, p, name));
        }
        if (!any_nonzero(values)) {
            continue;
        }
        CounterSeries c{name, {}, std::nullopt};
        for (const auto& v : values) {
            c.per_policy.push_back(sample_stats(v));
        }
        a.counters.push_back(std::move(c));
    }
}

/// diff: the counters that differ on some seed, in diff order, with paired statistics.
void add_diff_counters(const std::vector<const SeedSample*>& samples, SeededAnalysis& a) {
    std::vector<std::string> names = counter_names(samples);
    if (!names.empty()) {
        names.emplace_back(redundant_cycles_row);
    }
    std::stable_sort(names.begin(), names.end(), [](const std::string& x, const std::string& y) {
        return diff_rank(x) < diff_rank(y);
    });
    for (const auto& name : names) {
        const auto va = series(samples, 0, name);
        const auto vb = series(samples, 1, name);
        if (va == vb) {
            a.unchanged += any_nonzero({va}) ? 1 : 0;
            continue;
        }
        PairedStats p = paired_stats(va, vb);
        a.counters.push_back(CounterSeries{name, {p.a, p.b}, std::move(p)});
    }
}

/// In how many samples' runs `hit(run)` holds, per policy, and the first such seed.
template <class Hit>
RunCounts count_runs(std::string name, const std::vector<const SeedSample*>& samples,
                     std::size_t policies, Hit hit) {
    RunCounts c{std::move(name), std::vector<std::uint64_t>(policies, 0),
                std::vector<std::optional<std::uint64_t>>(policies)};
    for (const auto* s : samples) {
        for (std::size_t p = 0; p < policies; ++p) {
            if (hit(s->runs[p])) {
                ++c.runs[p];
                c.first_seed[p] = c.first_seed[p].value_or(s->seed);
            }
        }
    }
    return c;
}

void add_verdict_counts(const SeededScenario& s, const std::vector<const SeedSample*>& samples,
                        SeededAnalysis& a) {
    for (const auto& prop : check::property_names) {
        const std::string name(prop);
        a.properties.push_back(count_runs(name, samples, s.policies.size(), [&](const auto& r) {
            return std::find(r.violations.begin(), r.violations.end(), name) != r.violations.end();
        }));
    }
    for (const auto& rule : check::mechanism_rules) {
        const std::string counter = fmt::format("warning.{}", rule.name);
        a.warnings.push_back(count_runs(
            std::string(rule.name), samples, s.policies.size(),
            [&](const run::RunResult& r) { return r.counters.value(counter).value_or(0) > 0; }));
    }
}

} // namespace

SeededAnalysis analyse_seeded(const SeededScenario& s, bool paired) {
    SeededAnalysis a;
    const std::vector<const SeedSample*> samples = complete_samples(s);
    a.complete = samples.size();
    a.failures = failures_of(s);
    if (paired) {
        add_diff_counters(samples, a);
    } else {
        add_run_counters(s, samples, a);
    }
    add_verdict_counts(s, samples, a);
    return a;
}

} // namespace cli
