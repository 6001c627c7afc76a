#include "run/shrink.h"

#include "run/runner.h"
#include "run/shrink_toml.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace run {

namespace {

/// The kernel sites of a violation's chain, from its signature ("G-SC none a,b,c").
std::vector<std::string> sites_of(const check::Violation& v) {
    const std::string sig = violation_signature(v);
    const std::string list = sig.substr(sig.rfind(' ') + 1);
    std::vector<std::string> sites;
    if (list == "-") {
        return sites;
    }
    std::istringstream in(list);
    for (std::string s; std::getline(in, s, ',');) {
        sites.push_back(s);
    }
    return sites;
}

/// The lines of the chain that are not kernel records (what the call read on the CPU, why the
/// return broke the guarantee, the cause), times masked: "t=17605" reads "t=#".
std::vector<std::string> explanation_of(const check::Violation& v) {
    std::vector<std::string> lines;
    for (const auto& line : v.chain) {
        if (!line.empty() && line.back() == ']') {
            continue;
        }
        std::string masked;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const bool digit = std::isdigit(static_cast<unsigned char>(line[i])) != 0;
            if (digit && i > 0 && (line[i - 1] == '=' || masked.back() == '#')) {
                if (masked.back() != '#') {
                    masked += '#';
                }
                continue;
            }
            masked += line[i];
        }
        lines.push_back(std::move(masked));
    }
    return lines;
}

/// The document `text` with the timing of `plan` written into [machine], the policy as its only
/// policy, and no [[expect]] (the shrunk scenario gets expectations of its own).
toml::table with_plan(std::string_view text, const std::string& file, const std::string& policy,
                      const Plan& plan) {
    toml::table doc;
    try {
        doc = toml::parse(text, std::string_view(file));
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << file << ":" << e.source().begin.line << ":" << e.source().begin.column
            << ": syntax: " << e.description();
        throw scenario::ScenarioError(msg.str());
    }
    doc.erase("expect");
    doc.insert_or_assign("policies", toml::array{policy});
    toml::table* machine = doc.get_as<toml::table>("machine");
    if (machine == nullptr) {
        throw scenario::ScenarioError(file + ":1:1: machine: missing [machine]");
    }
    machine->insert_or_assign("seed", static_cast<std::int64_t>(plan.seed));
    machine->insert_or_assign("jitter", plan.jitter);
    toml::array delays;
    for (const auto& d : plan.delays) {
        delays.push_back(scenario::format_delay(d));
    }
    machine->insert_or_assign("delays", std::move(delays));
    return doc;
}

/// Runs candidates: each is loaded, run under the policy, and judged against the target.
class Judge {
public:
    Judge(const std::string& file, const scenario::Catalog& catalog, const std::string& policy,
          const check::Violation& target, std::size_t bound)
        : file_(file), catalog_(catalog), policy_(policy), target_(target), bound_(bound) {}

    /// The candidate's violation when it is the target's by the same mechanism.
    std::optional<check::Violation> judge(const toml::table& doc) {
        std::string text = shrink_edit::format(doc);
        if (rejected_.count(text) != 0) {
            return std::nullopt;
        }
        ++tried_;
        auto v = violation_of(text);
        if (!v) {
            rejected_.insert(std::move(text));
        }
        return v;
    }

    /// The violation of the scenario `text`, if it loads and violates the target's way.
    std::optional<check::Violation> violation_of(const std::string& text) const {
        scenario::Scenario sc;
        try {
            sc = scenario::load_string(text, file_, catalog_);
        } catch (const scenario::ScenarioError&) {
            return std::nullopt;
        }
        RunResult r = run_scenario(sc, policy_, {});
        if (!r.error.empty() || !r.internal_error.empty() || r.violation_reports.empty() ||
            !same_mechanism(r.violation_reports.front(), target_)) {
            return std::nullopt;
        }
        return r.violation_reports.front();
    }

    bool exhausted() const { return tried_ >= bound_; }
    std::size_t tried() const { return tried_; }

private:
    const std::string& file_;
    const scenario::Catalog& catalog_;
    const std::string& policy_;
    const check::Violation& target_;
    std::size_t bound_;
    std::size_t tried_ = 0;
    std::unordered_set<std::string> rejected_; ///< candidates already refused
};

/// One pass over every reduction, each applied wherever it is kept. True when one was kept.
bool reduce_once(Judge& judge, toml::table& doc, check::Violation& v, std::size_t& kept) {
    bool changed = false;
    for (const auto& kind : shrink_edit::kinds()) {
        for (std::size_t site = 0; site < kind.sites(doc) && !judge.exhausted();) {
            auto candidate = kind.apply(doc, site);
            if (candidate) {
                if (auto found = judge.judge(*candidate)) {
                    // Kept: the same site again (the next element, or a smaller value).
                    doc = std::move(*candidate);
                    v = std::move(*found);
                    ++kept;
                    changed = true;
                    continue;
                }
            }
            ++site;
        }
    }
    return changed;
}

} // namespace

bool same_mechanism(const check::Violation& found, const check::Violation& target) {
    if (found.property != target.property || found.cause != target.cause ||
        explanation_of(found) != explanation_of(target)) {
        return false;
    }
    const auto allowed = sites_of(target);
    const auto sites = sites_of(found);
    return std::all_of(sites.begin(), sites.end(), [&](const std::string& s) {
        return std::find(allowed.begin(), allowed.end(), s) != allowed.end();
    });
}

ShrinkResult shrink(std::string_view text, const std::string& file,
                    const scenario::Catalog& catalog, const std::string& policy, const Plan& plan,
                    const check::Violation& target, const ShrinkOptions& options) {
    toml::table doc = with_plan(text, file, policy, plan);
    // Loads or throws: the original with its timing fixed is a scenario.
    (void)scenario::load_string(shrink_edit::format(doc), file, catalog);
    Judge judge(file, catalog, policy, target, options.max_candidates);
    auto v = judge.violation_of(shrink_edit::format(doc));
    if (!v) {
        throw std::logic_error(file + ": the run under " + policy +
                               " with the finding's timing does not show its violation again");
    }
    ShrinkResult r;
    r.threads_before = shrink_edit::thread_count(doc);
    r.steps_before = shrink_edit::step_count(doc);
    while (!judge.exhausted() && reduce_once(judge, doc, *v, r.kept)) {
    }
    r.bounded = judge.exhausted();
    r.toml = shrink_edit::format(doc);
    r.violation = std::move(*v);
    r.threads = shrink_edit::thread_count(doc);
    r.steps = shrink_edit::step_count(doc);
    r.candidates = judge.tried();
    return r;
}

} // namespace run
