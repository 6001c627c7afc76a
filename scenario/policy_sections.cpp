// The sections about policies and results: [[policy]], `policies` and [[expect]].

#include "scenario/sections.h"

#include "scenario/outcome_parser.h"

#include "scenario/keys.h"
#include "scenario/text_util.h"

#include <algorithm>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

/// Names of policies: they appear on command lines and in reports.
bool is_policy_name(std::string_view s) {
    auto ok = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-' || c == '+';
    };
    return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}

// --- [[policy]] ----------------------------------------------------------------------------------

/// The name of every [[policy]] in the file and where, to tell "defined later" from "unknown".
using PolicyNames = std::vector<std::pair<std::string, SourceLoc>>;

PolicyNames policy_names(const std::vector<const toml::table*>& tables) {
    PolicyNames names;
    for (const toml::table* tp : tables) {
        const toml::node* n = tp->get("name");
        names.emplace_back(n != nullptr && n->is_string() ? n->as_string()->get() : std::string(),
                           TomlReader::node_loc(*tp));
    }
    return names;
}

std::string load_policy_name(const LoadState& st, const Tbl& t) {
    const Entry& name = st.in.required(t, "name");
    const std::string np = t.child("name");
    const SourceLoc at = TomlReader::node_loc(*name.node);
    std::string def = st.in.get_name(*name.node, np);
    if (!is_policy_name(def)) {
        st.in.fail(at, np,
                   fmt::format("invalid policy name {} (use letters, digits, '_', '.', '-', '+')",
                               quote(def)));
    }
    if (st.presets.count(def) != 0) {
        st.in.fail(at, np,
                   fmt::format("{} is a preset; a [[policy]] may not shadow it (choose another "
                               "name)",
                               quote(def)));
    }
    if (auto it = st.policy_index.find(def); it != st.policy_index.end()) {
        const PolicyDef& first = st.sc.policy_defs[static_cast<std::size_t>(it->second)];
        st.in.fail(at, np,
                   fmt::format("duplicate policy name {} (first defined at policy[{}], line {})",
                               quote(def), it->second, first.loc.line));
    }
    return def;
}

/// `base`: a preset or a [[policy]] defined before the `index`th.
std::string load_policy_base(const LoadState& st, const Tbl& t, const std::string& name,
                             std::size_t index, const PolicyNames& all_names) {
    const Entry& base = st.in.required(t, "base");
    const std::string bp = t.child("base");
    const SourceLoc at = TomlReader::node_loc(*base.node);
    std::string def = st.in.get_name(*base.node, bp);
    if (st.is_known_policy(def)) {
        return def;
    }
    if (def == name) {
        st.in.fail(at, bp, "a policy cannot be its own base");
    }
    for (std::size_t j = index + 1; j < all_names.size(); ++j) {
        if (all_names[j].first == def) {
            st.in.fail(at, bp,
                       fmt::format("policy {} is defined later in the file (policy[{}], line {}); "
                                   "a base must be a preset or a policy defined earlier",
                                   quote(def), j, all_names[j].second.line));
        }
    }
    st.in.fail(
        at, bp,
        fmt::format("unknown policy {}{}", quote(def), suggest_from(def, st.known_policies())));
}

KnobValue load_knob(const LoadState& st, const Entry& k, const std::string& path) {
    KnobValue v;
    v.loc = TomlReader::node_loc(*k.node);
    if (const auto* b = k.node->as_boolean()) {
        v.kind = KnobValue::Kind::boolean;
        v.b = b->get();
    } else if (const auto* iv = k.node->as_integer()) {
        v.kind = KnobValue::Kind::integer;
        v.i = iv->get();
    } else if (const auto* s = k.node->as_string()) {
        v.kind = KnobValue::Kind::string;
        v.s = s->get();
    } else {
        st.in.bad_type(*k.node, path, "a boolean, integer or string",
                       k.node->is_table() ? " (quote dotted knob names)" : "");
    }
    if (st.catalog.check_knob) {
        const std::string msg = st.catalog.check_knob(k.key, v);
        if (!msg.empty()) {
            // The catalogue's "unknown ..." is about the name, anything else the value.
            const bool about_name = msg.rfind("unknown", 0) == 0;
            st.in.fail(about_name ? k.key_loc : v.loc, path, msg);
        }
    }
    return v;
}

void load_knobs(const LoadState& st, const Entry& knobs, const std::string& path, PolicyDef& def) {
    const Tbl kt = st.in.open(st.in.get_table(*knobs.node, path), path);
    for (const Entry& k : kt.entries) {
        def.knobs.emplace_back(std::string(k.key), load_knob(st, k, kt.child(k.key)));
    }
}

void load_policy_def(LoadState& st, const Tbl& t, std::size_t index, const PolicyNames& names) {
    st.in.check_keys(t, key_names(KeyTable::policy));
    PolicyDef def;
    def.loc = t.loc;
    def.name = load_policy_name(st, t);
    def.base = load_policy_base(st, t, def.name, index, names);
    const Entry* knobs = t.find("knobs");
    if (knobs != nullptr) {
        load_knobs(st, *knobs, t.child("knobs"), def);
    }
    const SourceLoc knobs_loc = knobs != nullptr ? TomlReader::node_loc(*knobs->node) : def.loc;
    st.policy_index.emplace(def.name, static_cast<int>(st.sc.policy_defs.size()));
    st.sc.policy_defs.push_back(std::move(def));
    if (st.catalog.check_policy) {
        const std::string msg = st.catalog.check_policy(st.sc, st.sc.policy_defs.back().name);
        if (!msg.empty()) {
            st.in.fail(knobs_loc, t.child("knobs"), msg);
        }
    }
}

// --- [[expect]] ----------------------------------------------------------------------------------

/// A "did you mean" for a counter name, found by asking the catalogue about every name one edit
/// away (the catalogue is a predicate, not a list): transpositions and deletions first (the
/// commonest typos), then substitutions, then insertions.
std::string suggest_counter(const Catalog& catalog, std::string_view name) {
    if (!catalog.is_counter || name.empty() || name.size() > 128) {
        return "";
    }
    static constexpr std::string_view kAlphabet =
        "abcdefghijklmnopqrstuvwxyz0123456789._@-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const std::string word(name);
    std::vector<std::string> candidates;
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
        std::string c = word;
        std::swap(c[i], c[i + 1]);
        candidates.push_back(std::move(c));
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        candidates.push_back(std::string(word).erase(i, 1));
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        for (const char ch : kAlphabet) {
            if (ch != word[i]) {
                candidates.push_back(std::string(word).replace(i, 1, 1, ch));
            }
        }
    }
    for (std::size_t i = 0; i <= word.size(); ++i) {
        for (const char ch : kAlphabet) {
            candidates.push_back(std::string(word).insert(i, 1, ch));
        }
    }
    for (const std::string& c : candidates) {
        if (!c.empty() && catalog.is_counter(c)) {
            return did_you_mean(c);
        }
    }
    return "";
}

std::vector<std::string> load_expect_policies(const LoadState& st, const Tbl& t) {
    const Entry& pol = st.in.required(t, "policy");
    const std::string pp = t.child("policy");
    std::vector<std::string> policies;
    std::set<std::string> seen;
    if (pol.node->is_string()) {
        st.check_policy_ref(*pol.node, pp, policies, seen);
    } else if (const auto* arr = pol.node->as_array()) {
        if (arr->empty()) {
            st.in.fail(TomlReader::node_loc(*pol.node), pp, "must name at least one policy");
        }
        for (std::size_t j = 0; j < arr->size(); ++j) {
            st.check_policy_ref(*arr->get(j), index_path(pp, j), policies, seen);
        }
    } else {
        st.in.bad_type(*pol.node, pp, "a string or an array of strings");
    }
    return policies;
}

std::vector<ExpectedCounter> load_expected_counters(const LoadState& st, const Entry& ce,
                                                    const std::string& path) {
    const Tbl ct = st.in.open(st.in.get_table(*ce.node, path), path);
    std::vector<ExpectedCounter> counters;
    for (const Entry& c : ct.entries) {
        const std::string kp = ct.child(c.key);
        if (!c.node->is_integer()) {
            st.in.bad_type(*c.node, kp, "an integer",
                           c.node->is_table() ? " (quote dotted counter names: \"ser.total\" = 1)"
                                              : "");
        }
        if (st.catalog.is_counter && !st.catalog.is_counter(c.key)) {
            st.in.fail(c.key_loc, kp, "unknown counter" + suggest_counter(st.catalog, c.key));
        }
        st.check_counter_cpu(c.key, c.key_loc, kp);
        ExpectedCounter ec;
        ec.name = std::string(c.key);
        ec.value = st.in.get_int_range(*c.node, kp, 0);
        ec.loc = TomlReader::node_loc(*c.node);
        counters.push_back(std::move(ec));
    }
    return counters;
}

std::vector<std::string> load_expected_violations(const LoadState& st, const Entry& ve,
                                                  const std::string& path) {
    const toml::array& arr = st.in.get_array(*ve.node, path, "an array of strings");
    // The guarantees come from the catalogue (check::properties), like every name it validates.
    const std::vector<std::string_view> known(st.catalog.property_names.begin(),
                                              st.catalog.property_names.end());
    std::vector<std::string> v;
    for (std::size_t j = 0; j < arr.size(); ++j) {
        const std::string ep = index_path(path, j);
        const SourceLoc at = TomlReader::node_loc(*arr.get(j));
        const std::string s = st.in.get_string(*arr.get(j), ep);
        if (std::find(known.begin(), known.end(), s) == known.end()) {
            st.in.fail(at, ep,
                       fmt::format("unknown property {}{}", quote(s),
                                   suggest_and_list(closest(s, known), known)));
        }
        if (std::find(v.begin(), v.end(), s) != v.end()) {
            st.in.fail(at, ep, fmt::format("property {} is listed twice", quote(s)));
        }
        v.push_back(s);
    }
    return v;
}

/// An expected result: a non-negative integer or a canonical errno name.
ResultValue load_expected_result(const LoadState& st, const Entry& r, const std::string& path) {
    const SourceLoc at = TomlReader::node_loc(*r.node);
    if (const auto* iv = r.node->as_integer()) {
        if (iv->get() < 0) {
            st.in.fail(at, path,
                       fmt::format("expected a non-negative integer or an errno name, got {}{}",
                                   iv->get(), negative_result_hint(iv->get())));
        }
        ResultValue rv;
        rv.value = iv->get();
        return rv;
    }
    if (const auto* sv = r.node->as_string()) {
        auto e = errno_result(sv->get());
        if (!e) {
            st.in.fail(
                at, path,
                fmt::format("unknown errno name {}{}", quote(sv->get()), errno_hint(sv->get())));
        }
        return *e;
    }
    st.in.bad_type(*r.node, path, "an integer or an errno name");
}

/// The label of an expected result names a membarrier step.
void check_result_label(const LoadState& st, const Entry& r, const std::string& path) {
    auto it = st.labels.find(r.key);
    if (it == st.labels.end()) {
        std::vector<std::string_view> names;
        for (const auto& [name, info] : st.labels) {
            names.push_back(name);
        }
        st.in.fail(r.key_loc, path,
                   fmt::format("no step is labelled {}{}", quote(r.key),
                               did_you_mean(closest(r.key, names))));
    }
    if (it->second.op != Op::membarrier) {
        st.in.fail(r.key_loc, path,
                   fmt::format("label {} is not on a membarrier step (it labels {})", quote(r.key),
                               it->second.path));
    }
}

std::vector<std::pair<std::string, ResultValue>>
load_expected_results(const LoadState& st, const Entry& re, const std::string& path) {
    const Tbl rt = st.in.open(st.in.get_table(*re.node, path), path);
    std::vector<std::pair<std::string, ResultValue>> results;
    for (const Entry& r : rt.entries) {
        const std::string kp = rt.child(r.key);
        ResultValue rv = load_expected_result(st, r, kp);
        check_result_label(st, r, kp);
        results.emplace_back(std::string(r.key), std::move(rv));
    }
    return results;
}

Expectation load_expect(const LoadState& st, const Tbl& t) {
    st.in.check_keys(t, key_names(KeyTable::expect));
    Expectation ex;
    ex.path = t.path;
    ex.loc = t.loc;
    ex.policies = load_expect_policies(st, t);
    if (const Entry* ce = t.find("counters")) {
        ex.counters = load_expected_counters(st, *ce, t.child("counters"));
    }
    if (const Entry* ve = t.find("violations")) {
        ex.violations = load_expected_violations(st, *ve, t.child("violations"));
    }
    if (const Entry* re = t.find("results")) {
        ex.results = load_expected_results(st, *re, t.child("results"));
    }
    if (const Entry* fe = t.find("forbid")) {
        ex.forbid = parse_outcome(st, *fe->node, t.child("forbid"));
    }
    if (const Entry* re = t.find("require")) {
        ex.require = parse_outcome(st, *re->node, t.child("require"));
    }
    return ex;
}

} // namespace

void load_policy_defs(LoadState& st, const Tbl& root) {
    const Entry* pe = root.find("policy");
    if (pe == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = st.in.get_table_array(*pe->node, "policy");
    const PolicyNames names = policy_names(tables);
    for (std::size_t i = 0; i < tables.size(); ++i) {
        load_policy_def(st, st.in.open(*tables[i], index_path("policy", i)), i, names);
    }
}

void load_policies(LoadState& st, const Tbl& root) {
    const Entry* pe = root.find("policies");
    if (pe == nullptr) {
        return;
    }
    const toml::array& arr = st.in.get_array(*pe->node, "policies", "an array of strings");
    if (arr.empty()) {
        st.in.fail(TomlReader::node_loc(*pe->node), "policies", "must name at least one policy");
    }
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        st.check_policy_ref(*arr.get(i), index_path("policies", i), out, seen);
    }
    st.sc.policies = std::move(out);
}

void load_expects(LoadState& st, const Tbl& root) {
    const Entry* ee = root.find("expect");
    if (ee == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = st.in.get_table_array(*ee->node, "expect");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        st.sc.expectations.push_back(
            load_expect(st, st.in.open(*tables[i], index_path("expect", i))));
    }
}

} // namespace scenario::detail
