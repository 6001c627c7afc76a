#pragma once
// Litmus tests in the C format of the Linux-kernel memory model (tools/memory-model/ in the
// kernel tree, run by herd7), read into a tlbsim scenario (docs/litmus.md). A test is
//
//   C NAME
//   (* comments *)
//   tlbsim { register = none; P1.cpu = 1; ... }     <- tlbsim's extension, optional
//   { x = 1; }                                      <- initial values, optional
//   P0(int *x, int *y) { WRITE_ONCE(*x, 1); smp_mb(); r0 = READ_ONCE(*y); }
//   ...
//   exists (0:r0=0 /\ 1:r0=0)                       <- or ~exists, or forall
//
// Each Pn is a [[thread]] "Pn" of one process "p" registered for
// MEMBARRIER_CMD_PRIVATE_EXPEDITED, on CPU n, unless the header says otherwise. The statements
// become user memory steps (docs/memory-model.md); anything this subset does not model is
// refused at its line and column.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace litmus {

/// A litmus file the reader refuses: "file:line:column: message".
struct LitmusError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class Quantifier { exists, not_exists, forall };

/// A register of a thread (thread >= 0) or a location's final value (thread -1).
struct Place {
    int thread = -1;
    std::string name;
    bool operator==(const Place&) const = default;
    auto operator<=>(const Place&) const = default;
};

/// A node of the final condition: `/\`, `\/`, `~`, `PLACE=VALUE` or a constant.
struct CondNode {
    enum class Kind : std::uint8_t { all, any, negate, equal, truth };
    Kind kind = Kind::truth;
    std::vector<int> children; ///< all, any, negate: indices into Condition::nodes
    Place place;               ///< equal
    std::int64_t value = 0;    ///< equal: the value; truth: 1 true, 0 false
};

struct Condition {
    Quantifier quantifier = Quantifier::exists;
    std::vector<CondNode> nodes;
    int root = -1;
    std::string text; ///< as written after the quantifier
};

struct LitmusThread {
    std::string name; ///< "P0"
    int cpu = 0;
    std::string process = "p";
    std::int64_t start = 0;
    std::vector<std::string> program; ///< tlbsim steps ("store x 1", ...)
};

struct LitmusTest {
    std::string file;
    std::string name;
    std::vector<std::pair<std::string, std::int64_t>> variables; ///< in order of first mention
    std::vector<LitmusThread> threads;
    std::vector<std::string> registration{"private_expedited"}; ///< of process "p"
    int cpus = 0;
    Condition condition;
};

/// Reads a litmus test; throws LitmusError.
LitmusTest parse_litmus(std::string_view text, const std::string& file);

/// The scenario file (TOML) the test stands for.
std::string to_toml(const LitmusTest& test);

/// Whether the condition holds for the values `value_of` gives each place.
template <typename ValueOf>
bool holds(const Condition& c, int node, const ValueOf& value_of) {
    const CondNode& n = c.nodes[static_cast<std::size_t>(node)];
    switch (n.kind) {
    case CondNode::Kind::all:
        for (const int ch : n.children) {
            if (!holds(c, ch, value_of)) {
                return false;
            }
        }
        return true;
    case CondNode::Kind::any:
        for (const int ch : n.children) {
            if (holds(c, ch, value_of)) {
                return true;
            }
        }
        return false;
    case CondNode::Kind::negate:
        return !holds(c, n.children.front(), value_of);
    case CondNode::Kind::equal:
        return value_of(n.place) == n.value;
    case CondNode::Kind::truth:
        return n.value != 0;
    }
    return false;
}

/// The places the condition reads, registers first (by thread), then locations, each once.
std::vector<Place> observed_places(const Condition& c);

} // namespace litmus
