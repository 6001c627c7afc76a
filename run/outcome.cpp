#include "run/outcome.h"

#include <fmt/format.h>

#include <algorithm>

namespace run {

namespace {

using scenario::OutcomeNode;
using scenario::OutcomeOperand;

std::int64_t value_of(const OutcomeOperand& op, const UserState& u) {
    switch (op.kind) {
    case OutcomeOperand::Kind::reg:
        return u.registers[static_cast<std::size_t>(op.thread)][static_cast<std::size_t>(op.index)];
    case OutcomeOperand::Kind::var:
        return u.memory[static_cast<std::size_t>(op.index)];
    case OutcomeOperand::Kind::constant:
        return op.value;
    }
    return 0;
}

bool node_holds(const scenario::Outcome& o, int index, const UserState& u) {
    const OutcomeNode& n = o.nodes[static_cast<std::size_t>(index)];
    const auto child = [&](int c) { return node_holds(o, c, u); };
    switch (n.kind) {
    case OutcomeNode::Kind::all:
        return std::all_of(n.children.begin(), n.children.end(), child);
    case OutcomeNode::Kind::any:
        return std::any_of(n.children.begin(), n.children.end(), child);
    case OutcomeNode::Kind::negate:
        return !child(n.children.front());
    case OutcomeNode::Kind::equal:
        return value_of(n.lhs, u) == value_of(n.rhs, u);
    case OutcomeNode::Kind::not_equal:
        return value_of(n.lhs, u) != value_of(n.rhs, u);
    }
    return false;
}

std::string operand_name(const scenario::Scenario& sc, const OutcomeOperand& op) {
    if (op.kind == OutcomeOperand::Kind::reg) {
        const scenario::Thread& t = sc.threads[static_cast<std::size_t>(op.thread)];
        return t.name + ":" + t.registers[static_cast<std::size_t>(op.index)];
    }
    return sc.variables[static_cast<std::size_t>(op.index)].name;
}

} // namespace

bool outcome_holds(const scenario::Outcome& o, const UserState& u) {
    return node_holds(o, o.root, u);
}

std::string outcome_values(const scenario::Scenario& sc, const scenario::Outcome& o,
                           const UserState& u) {
    std::vector<std::string> seen;
    std::string text;
    // Nodes are stored children first; walk them in order and keep first mentions.
    for (const OutcomeNode& n : o.nodes) {
        for (const OutcomeOperand* op : {&n.lhs, &n.rhs}) {
            const bool compare =
                n.kind == OutcomeNode::Kind::equal || n.kind == OutcomeNode::Kind::not_equal;
            if (!compare || op->kind == OutcomeOperand::Kind::constant) {
                continue;
            }
            const std::string name = operand_name(sc, *op);
            if (std::find(seen.begin(), seen.end(), name) == seen.end()) {
                seen.push_back(name);
                text += fmt::format("{}{}={}", text.empty() ? "" : " ", name, value_of(*op, u));
            }
        }
    }
    return text;
}

std::string state_text(const scenario::Scenario& sc, const UserState& u) {
    std::string text;
    for (std::size_t t = 0; t < sc.threads.size(); ++t) {
        for (std::size_t r = 0; r < sc.threads[t].registers.size(); ++r) {
            text += fmt::format("{}:{}={}; ", sc.threads[t].name, sc.threads[t].registers[r],
                                u.registers[t][r]);
        }
    }
    for (std::size_t v = 0; v < sc.variables.size(); ++v) {
        text += fmt::format("{}={}; ", sc.variables[v].name, u.memory[v]);
    }
    if (!text.empty()) {
        text.pop_back();
    }
    return text;
}

} // namespace run
