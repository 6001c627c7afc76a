#include "run/exhaustive.h"

#include "arch_x86/memory_search.h"
#include "run/outcome.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace run {

namespace {

/// The choice vector of a stateless search: replays the prefix the last backtrack left, then
/// takes alternative 0 at every new choice point.
class ChoiceVector : public arch_x86::MemoryChooser {
public:
    int choose(int options) override {
        if (depth_ < path_.size()) {
            Choice& c = path_[depth_++];
            if (c.options != options) {
                diverged_ = true; // the same prefix reached a different point: not deterministic
                c.options = options;
                c.taken = std::min(c.taken, options - 1);
            }
            return c.taken;
        }
        path_.push_back({0, options});
        ++depth_;
        return 0;
    }

    void blocked() override {
        if (!blocked_at_) {
            blocked_at_ = depth_;
        }
    }

    /// Moves to the next execution; false when every alternative was taken. The choices an
    /// execution made after it was sleep-set blocked are dropped: their alternatives would repeat
    /// explored executions too.
    bool next() {
        depth_ = 0;
        if (blocked_at_) {
            path_.resize(std::min(path_.size(), *blocked_at_));
            blocked_at_.reset();
        }
        while (!path_.empty()) {
            Choice& c = path_.back();
            if (c.taken + 1 < c.options) {
                ++c.taken;
                return true;
            }
            path_.pop_back();
        }
        return false;
    }

    std::size_t size() const { return path_.size(); }
    std::vector<int> taken() const {
        std::vector<int> out;
        for (const Choice& c : path_) {
            out.push_back(c.taken);
        }
        return out;
    }
    bool diverged() const { return diverged_; }

private:
    struct Choice {
        int taken = 0;
        int options = 0;
    };
    std::vector<Choice> path_;
    std::size_t depth_ = 0;
    std::optional<std::size_t> blocked_at_; ///< depth_ when the execution was blocked
    bool diverged_ = false;
};

/// Replays a witness: its choices, then 0 at any later point.
class FixedChoices : public arch_x86::MemoryChooser {
public:
    explicit FixedChoices(const std::vector<int>& choices) : choices_(choices) {}
    int choose(int options) override {
        const int c = next_ < choices_.size() ? choices_[next_] : 0;
        ++next_;
        return std::min(c, options - 1);
    }

private:
    const std::vector<int>& choices_;
    std::size_t next_ = 0;
};

RunOptions search_options(arch_x86::MemoryChooser& chooser, bool reduction) {
    RunOptions ro;
    ro.jitter = 0;
    ro.delays = std::vector<scenario::Delay>{};
    ro.memory_chooser = &chooser;
    ro.search_reduction = reduction;
    return ro;
}

/// Adds one execution's final states and verdicts to `res`.
void absorb(ExhaustiveResult& res, RunResult&& r, const ChoiceVector& choices) {
    if (r.search_repeats) {
        ++res.repeats;
    }
    for (const std::vector<std::int64_t>& memory : r.final_memories) {
        UserState u{memory, r.user.registers};
        if (res.states.insert(u).second) {
            res.witnesses.emplace(std::move(u), choices.taken());
        }
    }
    if (!r.internal_error.empty() || !r.error.empty()) {
        if (res.failures.empty()) {
            res.failures.push_back(std::move(r));
        }
        return;
    }
    for (const std::string& v : r.violations) {
        if (!res.violations.contains(v)) {
            res.violations.emplace(v, r);
        }
    }
}

} // namespace

ExhaustiveResult explore_exhaustively(const scenario::Scenario& sc,
                                      const ExhaustiveOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    ExhaustiveResult res;
    res.scenario = sc.name;
    res.policy = options.policy;
    ChoiceVector choices;
    const RunOptions ro = search_options(choices, options.reduction);
    do {
        if (res.executions == options.max_executions) {
            res.bound_reached = true;
            break;
        }
        RunResult r = run_scenario(sc, options.policy, ro);
        ++res.executions;
        res.max_choices = std::max(res.max_choices, static_cast<std::int64_t>(choices.size()));
        if (choices.diverged() && r.internal_error.empty()) {
            r.internal_error = "exhaustive search: a replayed choice vector reached a different "
                               "choice point (the run is not deterministic)";
        }
        absorb(res, std::move(r), choices);
    } while (res.failures.empty() && choices.next());
    res.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;
}

RunResult run_witness(const scenario::Scenario& sc, const ExhaustiveOptions& options,
                      const std::vector<int>& choices,
                      const std::vector<kernel::RecordObserver*>& observers) {
    FixedChoices fixed(choices);
    RunOptions ro = search_options(fixed, options.reduction);
    ro.observers = observers;
    return run_scenario(sc, options.policy, ro);
}

std::vector<std::string> broken_outcomes(const scenario::Scenario& sc,
                                         const ExhaustiveResult& res) {
    std::vector<std::string> broken;
    for (const scenario::Expectation& e : sc.expectations) {
        if (std::find(e.policies.begin(), e.policies.end(), res.policy) == e.policies.end()) {
            continue;
        }
        for (const UserState& u : res.states) {
            if (e.forbid && outcome_holds(*e.forbid, u)) {
                broken.push_back(fmt::format("{}: forbid \"{}\" holds in some execution: {}",
                                             e.path, e.forbid->text,
                                             outcome_values(sc, *e.forbid, u)));
                break;
            }
        }
    }
    return broken;
}

} // namespace run
