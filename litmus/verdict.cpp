#include "litmus/verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace litmus {

namespace {

/// Where a place's value is in a run::UserState: -1 when the thread never sets the register
/// (herd7: a register is 0 until set).
struct Slot {
    bool memory = false;
    std::size_t thread = 0;
    int index = -1;
};

Slot slot_of(const scenario::Scenario& sc, const Place& p) {
    if (p.thread < 0) {
        for (std::size_t v = 0; v < sc.variables.size(); ++v) {
            if (sc.variables[v].name == p.name) {
                return {true, 0, static_cast<int>(v)};
            }
        }
        return {true, 0, -1};
    }
    const auto t = static_cast<std::size_t>(p.thread);
    const auto& regs = sc.threads[t].registers;
    const auto it = std::find(regs.begin(), regs.end(), p.name);
    return {false, t, it == regs.end() ? -1 : static_cast<int>(it - regs.begin())};
}

std::int64_t value_at(const Slot& s, const run::UserState& u) {
    if (s.index < 0) {
        return 0;
    }
    const auto i = static_cast<std::size_t>(s.index);
    return s.memory ? u.memory[i] : u.registers[s.thread][i];
}

const char* quantifier_text(Quantifier q) {
    switch (q) {
    case Quantifier::exists:
        return "exists";
    case Quantifier::not_exists:
        return "~exists";
    case Quantifier::forall:
        return "forall";
    }
    return "";
}

} // namespace

bool condition_holds(const LitmusTest& test, const scenario::Scenario& sc,
                     const run::UserState& u) {
    return holds(test.condition, test.condition.root,
                 [&](const Place& p) { return value_at(slot_of(sc, p), u); });
}

const run::UserState* telling_state(const LitmusTest& test, const scenario::Scenario& sc,
                                    const run::ExhaustiveResult& res) {
    const bool want = test.condition.quantifier != Quantifier::forall;
    for (const run::UserState& u : res.states) {
        if (condition_holds(test, sc, u) == want) {
            return &u;
        }
    }
    return nullptr;
}

Verdict judge(const LitmusTest& test, const scenario::Scenario& sc,
              const run::ExhaustiveResult& res) {
    Verdict v;
    v.places = observed_places(test.condition);
    std::map<Place, Slot> slots;
    for (const Place& p : v.places) {
        slots[p] = slot_of(sc, p);
    }
    std::map<std::vector<std::int64_t>, bool> projected;
    for (const run::UserState& u : res.states) {
        std::vector<std::int64_t> values;
        for (const Place& p : v.places) {
            values.push_back(value_at(slots[p], u));
        }
        const auto value_of = [&](const Place& p) { return value_at(slots[p], u); };
        projected[values] = holds(test.condition, test.condition.root, value_of);
    }
    for (const auto& [values, holds_here] : projected) {
        v.states.emplace_back(values, holds_here);
        ++(holds_here ? v.positive : v.negative);
    }
    v.observation = v.positive == 0 ? "Never" : v.negative == 0 ? "Always" : "Sometimes";
    switch (test.condition.quantifier) {
    case Quantifier::exists:
        v.ok = v.positive > 0;
        break;
    case Quantifier::not_exists:
        v.ok = v.positive == 0;
        break;
    case Quantifier::forall:
        v.ok = v.negative == 0;
        break;
    }
    return v;
}

std::string herd_text(const LitmusTest& test, const Verdict& v) {
    std::string out = fmt::format(
        "Test {} {}\nStates {}\n", test.name,
        test.condition.quantifier == Quantifier::forall ? "Required" : "Allowed", v.states.size());
    for (const auto& [values, holds_here] : v.states) {
        std::string line;
        for (std::size_t i = 0; i < v.places.size(); ++i) {
            const Place& p = v.places[i];
            line += p.thread >= 0 ? fmt::format("{}:{}={}; ", p.thread, p.name, values[i])
                                  : fmt::format("{}={}; ", p.name, values[i]);
        }
        out += line.empty() ? "\n" : line.substr(0, line.size() - 1) + "\n";
    }
    out += fmt::format("{}\nWitnesses\nPositive: {} Negative: {}\n", v.ok ? "Ok" : "No", v.positive,
                       v.negative);
    out += fmt::format("Condition {} {}\n", quantifier_text(test.condition.quantifier),
                       test.condition.text);
    out +=
        fmt::format("Observation {} {} {} {}\n", test.name, v.observation, v.positive, v.negative);
    return out;
}

} // namespace litmus
