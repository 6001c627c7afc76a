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

/// The split of a sharded search: the fewest leading choice points whose alternatives, along
/// the first execution's path, multiply to kSubtreesPerShard subtrees per shard (all of the
/// path's points when they do not). Every shard computes it from the same first execution.
std::size_t split_depth(const std::vector<int>& options_along_path, std::uint32_t shards) {
    if (shards == 1) {
        return options_along_path.size();
    }
    const std::int64_t wanted = kSubtreesPerShard * shards;
    std::int64_t subtrees = 1;
    for (std::size_t d = 0; d < options_along_path.size(); ++d) {
        subtrees *= options_along_path[d];
        if (subtrees >= wanted) {
            return d + 1;
        }
    }
    return options_along_path.size();
}

/// The choice vector of a stateless search: replays the prefix the last backtrack left, then
/// takes alternative 0 at every new choice point. With shards, the subtrees (executions that
/// share their first `split` choices) are numbered in the search's order, and the executions of a
/// subtree that is not this shard's are skipped after its first one.
class ChoiceVector : public arch_x86::MemoryChooser {
public:
    ChoiceVector(std::uint32_t shard_index, std::uint32_t shard_count, bool races)
        : shard_index_(shard_index), shard_count_(shard_count), races_(races) {}

    int choose(int options) override { return choose_up_to(options, options - 1); }

    /// Waiting is tried only once a race names the point (race()), unless the point is not
    /// race-driven or the search is not.
    int choose_wait(bool race_driven) override {
        return choose_up_to(2, race_driven && races_ ? 0 : 1);
    }

    bool races_driven() const override { return races_; }

    std::size_t made() const override { return depth_; }

    void race(std::size_t point) override {
        Choice& c = path_.at(point);
        c.last = c.options - 1;
    }

    void blocked() override {
        if (!blocked_at_) {
            blocked_at_ = depth_;
        }
    }

    /// Whether the execution about to run (or just run) is in one of this shard's subtrees.
    bool owned() const { return subtree_ % shard_count_ == shard_index_; }

    /// Moves to the next execution; false when every alternative was taken. The choices an
    /// execution made after it was sleep-set blocked are dropped: their alternatives would repeat
    /// explored executions too; so are those below the split in another shard's subtree.
    bool next() {
        depth_ = 0;
        if (!split_) {
            split_ = split_depth(options_along_path(), shard_count_);
        }
        if (blocked_at_) {
            path_.resize(std::min(path_.size(), *blocked_at_));
            blocked_at_.reset();
        }
        if (!owned()) {
            path_.resize(std::min(path_.size(), *split_));
        }
        return backtrack();
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
    /// The current execution's subtree, in the search's order.
    std::uint64_t subtree() const { return subtree_; }

private:
    struct Choice {
        int taken = 0;
        int options = 0;
        int last = 0; ///< the last alternative to take (a turn point's wait: once a race names it)
    };

    /// The choice at the current depth: replayed, or a new point of `options` alternatives of
    /// which those up to `last` are to be taken.
    int choose_up_to(int options, int last) {
        if (depth_ < path_.size()) {
            Choice& c = path_[depth_++];
            if (c.options != options) {
                diverged_ = true; // the same prefix reached a different point: not deterministic
                c.options = options;
                c.taken = std::min(c.taken, options - 1);
                c.last = std::min(c.last, options - 1);
            }
            return c.taken;
        }
        path_.push_back({0, options, last});
        ++depth_;
        return 0;
    }

    /// The next alternative at the deepest point that has one; a point above the split starts
    /// the next subtree.
    bool backtrack() {
        while (!path_.empty()) {
            Choice& c = path_.back();
            if (c.taken < c.last) {
                ++c.taken;
                if (path_.size() <= *split_) {
                    ++subtree_;
                }
                return true;
            }
            path_.pop_back();
        }
        return false;
    }

    std::vector<int> options_along_path() const {
        std::vector<int> out;
        for (const Choice& c : path_) {
            out.push_back(c.options);
        }
        return out;
    }

    std::vector<Choice> path_;
    std::size_t depth_ = 0;
    std::optional<std::size_t> blocked_at_; ///< depth_ when the execution was blocked
    bool diverged_ = false;
    std::uint32_t shard_index_;
    std::uint32_t shard_count_;
    bool races_;                       ///< race-driven turn points (MemoryChooser::choose_wait)
    std::optional<std::size_t> split_; ///< set after the first execution
    std::uint64_t subtree_ = 0;        ///< the current execution's subtree, in search order
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

/// Counts one execution in a tally (the whole search's, or a subtree's).
void count_in(std::int64_t& executions, std::int64_t& repeats, std::int64_t& max_choices,
              const RunResult& r, const ChoiceVector& choices) {
    ++executions;
    repeats += r.search_repeats ? 1 : 0;
    max_choices = std::max(max_choices, static_cast<std::int64_t>(choices.size()));
}

/// Counts one execution of this search's own in `res` and, for a shard, in its subtree's tally
/// (merge's bookkeeping; a whole search keeps none).
void count_execution(ExhaustiveResult& res, const RunResult& r, const ChoiceVector& choices) {
    count_in(res.executions, res.repeats, res.max_choices, r, choices);
    if (res.shard_count == 1) {
        return;
    }
    if (res.subtrees.empty() || res.subtrees.back().subtree != choices.subtree()) {
        res.subtrees.push_back({choices.subtree(), 0, 0, 0});
    }
    ExhaustiveResult::SubtreeTally& t = res.subtrees.back();
    count_in(t.executions, t.repeats, t.max_choices, r, choices);
}

/// Adds one execution's final states and verdicts to `res`.
void absorb(ExhaustiveResult& res, RunResult&& r, const ChoiceVector& choices) {
    for (const std::vector<std::int64_t>& memory : r.final_memories) {
        UserState u{memory, r.user.registers};
        if (res.states.insert(u).second) {
            res.witnesses.emplace(std::move(u), choices.taken());
        }
    }
    if (!r.internal_error.empty() || !r.error.empty()) {
        if (res.failures.empty()) {
            res.failures.push_back(std::move(r));
            res.failure_choices = choices.taken();
            res.failure_subtree = choices.subtree();
        }
        return;
    }
    for (const std::string& v : r.violations) {
        if (!res.violations.contains(v)) {
            res.violations.emplace(v, r);
            res.violation_choices.emplace(v, choices.taken());
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
    res.shard_index = options.shard_index;
    res.shard_count = options.shard_count;
    // A shard cannot learn from races: whether a turn point above its split is to wait is found
    // in executions of other shards' subtrees.
    res.races = options.reduction && options.races && options.shard_count == 1;
    ChoiceVector choices(options.shard_index, options.shard_count, res.races);
    const RunOptions ro = search_options(choices, options.reduction);
    do {
        if (res.executions == options.max_executions && choices.owned()) {
            res.bound_reached = true;
            break;
        }
        RunResult r = run_scenario(sc, options.policy, ro);
        if (!choices.owned()) {
            ++res.probes; // another shard's subtree: its owner reports what it shows
            continue;
        }
        count_execution(res, r, choices);
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

std::string broken_by(const scenario::Scenario& sc, std::size_t index, const std::string& policy,
                      const UserState& u) {
    const scenario::Expectation& e = sc.expectations.at(index);
    if (!e.forbid || std::find(e.policies.begin(), e.policies.end(), policy) == e.policies.end() ||
        !outcome_holds(*e.forbid, u)) {
        return "";
    }
    return fmt::format("{}: forbid \"{}\" holds in some execution: {}", e.path, e.forbid->text,
                       outcome_values(sc, *e.forbid, u));
}

std::vector<std::string> broken_outcomes(const scenario::Scenario& sc,
                                         const ExhaustiveResult& res) {
    std::vector<std::string> broken;
    for (std::size_t i = 0; i < sc.expectations.size(); ++i) {
        for (const UserState& u : res.states) {
            if (std::string line = broken_by(sc, i, res.policy, u); !line.empty()) {
                broken.push_back(std::move(line));
                break;
            }
        }
    }
    return broken;
}

} // namespace run
