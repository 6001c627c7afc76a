#include "run/bisect.h"

#include "policy/presets.h"
#include "run/runner.h"
#include "sim/panic.h"

#include <algorithm>

namespace run {

namespace {

std::vector<std::string> verdict_of(const scenario::Scenario& sc, const std::string& name,
                                    const policy::Knobs& knobs, int* runs) {
    ++*runs;
    RunOptions options;
    options.knobs = knobs;
    RunResult r = run_scenario(sc, name, options);
    std::vector<std::string> v = r.violations;
    if (!r.error.empty()) {
        v.push_back("error: " + r.error);
    }
    std::sort(v.begin(), v.end());
    return v;
}

/// Calls f(subset) for every k-subset of [0, n), in lexicographic order, until f returns true.
template <class F>
bool for_each_subset(int n, int k, F&& f) {
    std::vector<int> idx(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) {
        idx[static_cast<std::size_t>(i)] = i;
    }
    for (;;) {
        if (f(idx)) {
            return true;
        }
        int i = k - 1;
        while (i >= 0 && idx[static_cast<std::size_t>(i)] == n - k + i) {
            --i;
        }
        if (i < 0) {
            return false;
        }
        ++idx[static_cast<std::size_t>(i)];
        for (int j = i + 1; j < k; ++j) {
            idx[static_cast<std::size_t>(j)] = idx[static_cast<std::size_t>(j - 1)] + 1;
        }
    }
}

/// A's knobs with the knobs `subset` (indices into `diff`) set to B's values.
policy::Knobs mix(const policy::Knobs& ka, const policy::Knobs& kb,
                  const std::vector<const policy::KnobInfo*>& diff,
                  const std::vector<int>& subset) {
    policy::Knobs k = ka;
    for (int i : subset) {
        const auto* info = diff[static_cast<std::size_t>(i)];
        policy::KnobSetting s;
        s.name = std::string(info->name);
        const std::string value = info->get(kb);
        if (info->type == policy::KnobType::boolean) {
            s.kind = policy::KnobSetting::Kind::boolean;
            s.b = value == "true";
        } else {
            s.kind = policy::KnobSetting::Kind::string;
            s.s = value;
        }
        info->set(k, s);
    }
    return k;
}

/// The knobs on which A and B differ, in knob-table order.
std::vector<const policy::KnobInfo*> differing_knobs(const policy::Knobs& ka,
                                                     const policy::Knobs& kb) {
    std::vector<const policy::KnobInfo*> diff;
    for (const auto& k : policy::knob_table()) {
        if (k.get(ka) != k.get(kb)) {
            diff.push_back(&k);
        }
    }
    return diff;
}

} // namespace

BisectResult bisect(const scenario::Scenario& sc, const std::string& a, const std::string& b,
                    int max_runs) {
    BisectResult result;
    const auto ka = resolve_policy(sc, a);
    const auto kb = resolve_policy(sc, b);
    SIM_ASSERT(ka && kb, "bisect of unresolved policies {} and {}", a, b);
    const std::vector<const policy::KnobInfo*> diff = differing_knobs(*ka, *kb);
    for (const auto* k : diff) {
        result.differing.emplace_back(k->name);
    }
    result.verdict_a = verdict_of(sc, a, *ka, &result.runs);
    result.verdict_b = verdict_of(sc, b, *kb, &result.runs);
    result.flips = result.verdict_a != result.verdict_b;
    if (!result.flips) {
        return result;
    }
    // Does moving `subset` to B's values give B's verdict? (True also ends the search when the
    // run budget is spent.)
    const auto flips = [&](const std::vector<int>& subset) {
        if (result.runs >= max_runs) {
            return true;
        }
        const policy::Knobs k = mix(*ka, *kb, diff, subset);
        if (!policy::check_combination(k).empty()) {
            return false; // no kernel has this mix (e.g. v4.16 without rq->membarrier_state)
        }
        if (verdict_of(sc, a, k, &result.runs) != result.verdict_b) {
            return false;
        }
        for (int i : subset) {
            result.culprit.emplace_back(diff[static_cast<std::size_t>(i)]->name);
        }
        return true;
    };
    const int n = static_cast<int>(diff.size());
    for (int size = 1; size <= n && result.runs < max_runs; ++size) {
        if (for_each_subset(n, size, flips)) {
            break;
        }
    }
    return result;
}

} // namespace run
