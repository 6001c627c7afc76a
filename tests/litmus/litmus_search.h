#pragma once
// What the litmus tests' cases share: a litmus test as a scenario, its exhaustive search, the
// states that search reaches as `tlbsim litmus` names them, and the records of a witness.

#include "cli/catalog.h"
#include "kernel/scenario_builder.h"
#include "litmus/litmus.h"
#include "run/exhaustive.h"
#include "run/outcome.h"
#include "scenario/loader.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace test {

inline std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline scenario::Scenario scenario_of(const litmus::LitmusTest& t) {
    return scenario::load_string(litmus::to_toml(t), t.file, cli::scenario_catalog());
}

inline run::ExhaustiveResult search(const scenario::Scenario& sc, bool reduction,
                                    const std::string& policy = "v5.10", bool races = true) {
    run::ExhaustiveOptions o;
    o.policy = policy;
    o.reduction = reduction;
    o.races = races;
    return run::explore_exhaustively(sc, o);
}

/// The records of the first execution of `litmus`'s search that reached `state`, run again.
inline std::vector<kernel::Record> witness_records(const char* litmus, const std::string& state) {
    const scenario::Scenario sc = scenario_of(litmus::parse_litmus(litmus, "t.litmus"));
    run::ExhaustiveOptions o;
    o.policy = "v5.10";
    const run::ExhaustiveResult res = run::explore_exhaustively(sc, o);
    const auto it = std::find_if(res.witnesses.begin(), res.witnesses.end(), [&](const auto& w) {
        return run::state_text(sc, w.first) == state;
    });
    REQUIRE(it != res.witnesses.end());
    std::vector<kernel::Record> records;
    test::RecordCollector collector(records);
    run::run_witness(sc, o, it->second, {&collector});
    return records;
}

/// The final states of `litmus`'s exhaustive search, as `tlbsim litmus` names them.
inline std::vector<std::string> state_texts(const char* litmus) {
    const litmus::LitmusTest t = litmus::parse_litmus(litmus, "t.litmus");
    const scenario::Scenario sc = scenario_of(t);
    const run::ExhaustiveResult res = search(sc, true);
    REQUIRE_FALSE(res.bound_reached);
    std::vector<std::string> out;
    for (const run::UserState& u : res.states) {
        out.push_back(run::state_text(sc, u));
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace test
