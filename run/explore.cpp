#include "run/explore.h"

#include "run/outcome.h"
#include "sim/rng.h"

#include <algorithm>
#include <limits>
#include <set>

namespace run {

namespace {

constexpr std::uint64_t max_seed = std::numeric_limits<std::int64_t>::max();
constexpr std::size_t max_windows = 256;

/// Roughly log-uniform in [1, max]: as many change points of 1..2 cycles as of 1,024..2,048, so
/// that windows of a few cycles and of thousands are both hit.
std::int64_t log_uniform(sim::Rng& r, std::int64_t max) {
    int bits = 0;
    while ((std::int64_t{1} << (bits + 1)) <= max) {
        ++bits;
    }
    const std::int64_t low = std::int64_t{1} << r.below(static_cast<std::uint64_t>(bits) + 1);
    return std::min(max, low + static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(low))));
}

/// The largest extra delay: an eighth of the run, between 64 and a million cycles.
std::int64_t max_extra(std::int64_t horizon) {
    return std::clamp<std::int64_t>(horizon / 8, 64, 1'000'000);
}

std::vector<int> online_cpus(const scenario::Machine& m) {
    std::vector<int> cpus;
    for (int c = 0; c < m.cpus; ++c) {
        if (m.is_online(c)) {
            cpus.push_back(c);
        }
    }
    return cpus;
}

template <typename T>
const T& pick(sim::Rng& r, const std::vector<T>& items) {
    return items[static_cast<std::size_t>(r.below(items.size()))];
}

/// One change point: inside a warned window half the time once the probes have found some.
scenario::Delay change_point(sim::Rng& r, const std::vector<int>& cpus, std::int64_t horizon,
                             const std::vector<Window>& windows) {
    scenario::Delay d;
    if (!windows.empty() && r.below(2) == 0) {
        const Window& w = pick(r, windows);
        d.cpu = r.below(2) == 0 ? w.cpu : pick(r, cpus);
        d.at = w.from +
               static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(w.to - w.from) + 1));
    } else {
        d.cpu = pick(r, cpus);
        d.at = static_cast<std::int64_t>(
            r.below(static_cast<std::uint64_t>(std::max<std::int64_t>(horizon, 1))));
    }
    d.extra = log_uniform(r, max_extra(horizon));
    return d;
}

RunOptions options_of(const Plan& p) {
    RunOptions o;
    o.seed = p.seed;
    o.jitter = p.jitter;
    o.delays = p.delays;
    return o;
}

/// The windows a probe run's warnings mark: from a little before the rule's window opened (a
/// delay must come first to move what follows) to the warning.
void add_windows(const RunResult& r, std::vector<Window>& windows) {
    if (!r.violation_reports.empty()) {
        return;
    }
    for (const auto& w : r.warnings) {
        const std::int64_t lead = std::max<std::int64_t>(w.time - w.window_start, 100);
        const Window win{w.cpu, std::max<std::int64_t>(w.window_start - lead, 0), w.time};
        const bool known = std::any_of(windows.begin(), windows.end(), [&](const Window& x) {
            return x.cpu == win.cpu && x.from == win.from && x.to == win.to;
        });
        if (!known && windows.size() < max_windows) {
            windows.push_back(win);
        }
    }
}

/// "forbid C" of the first [[expect]] block for `r`'s policy whose forbidden outcome the run's
/// final registers and memory show, or "" (docs/memory-model.md, Outcomes). `require` pins what
/// the scenario as written gives, so a perturbed run may differ from it.
std::string broken_outcome(const scenario::Scenario& sc, const RunResult& r) {
    if (r.user.memory.size() != sc.variables.size()) {
        return "";
    }
    for (const scenario::Expectation& e : sc.expectations) {
        if (std::find(e.policies.begin(), e.policies.end(), r.policy) == e.policies.end()) {
            continue;
        }
        if (e.forbid && outcome_holds(*e.forbid, r.user)) {
            return "forbid " + e.forbid->text;
        }
    }
    return "";
}

/// What run `plan` found, if anything.
std::optional<Finding> finding_of(const scenario::Scenario& sc, RunResult r, const Plan& plan) {
    Finding f;
    f.plan = plan;
    if (!r.internal_error.empty()) {
        f.kind = Finding::Kind::internal_error;
        f.signature = r.internal_error.substr(0, r.internal_error.find('\n'));
    } else if (!r.error.empty()) {
        f.kind = Finding::Kind::run_error;
        f.signature = r.error.substr(0, r.error.find('\n'));
    } else if (!r.violation_reports.empty()) {
        f.signature = violation_signature(r.violation_reports.front());
    } else if (std::string broken = broken_outcome(sc, r); !broken.empty()) {
        f.kind = Finding::Kind::outcome;
        f.signature = std::move(broken);
    } else {
        return std::nullopt;
    }
    f.run = std::move(r);
    return f;
}

/// Keeps `f` unless a finding with its signature is known (then counts it there).
void collect(std::vector<Finding>& findings, Finding f) {
    for (auto& known : findings) {
        if (known.kind == f.kind && known.signature == f.signature) {
            ++known.occurrences;
            return;
        }
    }
    findings.push_back(std::move(f));
}

} // namespace

std::string violation_signature(const check::Violation& v) {
    std::string sites;
    std::set<std::string> seen;
    for (const auto& line : v.chain) {
        if (line.empty() || line.back() != ']') {
            continue;
        }
        const std::size_t open = line.rfind(" [");
        if (open == std::string::npos) {
            continue;
        }
        const std::string site = line.substr(open + 2, line.size() - open - 3);
        if (seen.insert(site).second) {
            sites += (sites.empty() ? "" : ",") + site;
        }
    }
    return v.property + " " + std::string(check::cause_name(v.cause)) + " " +
           (sites.empty() ? "-" : sites);
}

Plan plan_run(const scenario::Scenario& sc, const ExploreOptions& o, std::uint64_t index,
              std::int64_t horizon, const std::vector<Window>& windows) {
    Plan p;
    p.index = index;
    if (index == 0) { // the scenario as written
        p.seed = sc.machine.seed;
        p.jitter = sc.machine.jitter;
        p.delays = sc.machine.delays;
        return p;
    }
    sim::Rng r(o.seed, index);
    p.seed = r.next() & max_seed;
    p.jitter = o.jitter;
    const std::vector<int> cpus = online_cpus(sc.machine);
    static const std::vector<Window> none;
    const auto& guide = index >= probe_runs ? windows : none;
    for (int k = 0; k < o.depth; ++k) {
        p.delays.push_back(change_point(r, cpus, horizon, guide));
    }
    std::stable_sort(p.delays.begin(), p.delays.end(),
                     [](const auto& a, const auto& b) { return a.at < b.at; });
    return p;
}

ExploreResult explore(const scenario::Scenario& sc, const ExploreOptions& o,
                      const ExploreProgress& progress) {
    ExploreResult res;
    res.scenario = sc.name;
    res.policy = o.policy;
    res.options = o;
    const auto owns = [&](std::uint64_t i) { return i % o.shard_count == o.shard_index; };
    for (std::uint64_t i = 0; i < o.runs; ++i) {
        const bool probe = i < probe_runs;
        if (!probe && !owns(i)) {
            continue;
        }
        const Plan plan = plan_run(sc, o, i, res.horizon, res.windows);
        RunResult r = run_scenario(sc, o.policy, options_of(plan));
        if (i == 0) {
            res.horizon = r.cycles;
        }
        if (probe) {
            add_windows(r, res.windows);
        }
        if (!owns(i)) {
            continue; // another shard's probe: guidance only
        }
        ++res.runs;
        const bool warned = r.warning_count > 0 && !r.warnings.empty();
        if (warned && r.violation_reports.empty() && !res.first_warned) {
            res.first_warned = plan;
            res.first_warning = r.warnings.front().text;
        }
        std::optional<Finding> f = finding_of(sc, std::move(r), plan);
        if (!f && warned) {
            res.warned_runs.push_back(i);
        }
        if (f) {
            collect(res.findings, std::move(*f));
            if (!o.all) {
                res.stopped = true;
                break;
            }
        }
        if (progress && (res.runs & 63) == 0) {
            progress(res.runs, res.findings.size());
        }
    }
    return res;
}

} // namespace run
