#pragma once
// What the checker judges, each declared once: the membarrier guarantees (docs/properties.md)
// and the kernel mechanism rules K1..K5 (docs/properties.md, Mechanism warnings). A name here is a
// contract: it makes the counters `violation.NAME` and `warning.NAME`, the `property` of a reported
// violation, and the names a scenario's `[[expect]] violations` may use (cli/catalog.cpp hands them
// to the loader through scenario::Catalog, as it hands it every name it validates). Anything sized
// or named by them is derived from these tables: adding an enum value without its table entry fails
// the static_asserts below (docs/extending.md).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace check {

/// The guarantees (in report order).
enum class Property : std::uint8_t { g_mb, g_sc, g_sc_self, g_tlb, g_ref, count_ };

/// The mechanism rules, reported as warnings, never as violations.
enum class MechanismRule : std::uint8_t { k1, k2, k3, k4, k5, count_ };

template <class E>
inline constexpr std::size_t count_of = static_cast<std::size_t>(E::count_);

template <class E>
constexpr std::size_t to_index(E e) {
    return static_cast<std::size_t>(e);
}

/// A std::array with one element per value of the enum E.
template <class E, class T>
struct EnumArray {
    std::array<T, count_of<E>> items{};

    T& operator[](E e) { return items[to_index(e)]; }
    const T& operator[](E e) const { return items[to_index(e)]; }
    auto begin() { return items.begin(); }
    auto end() { return items.end(); }
    auto begin() const { return items.begin(); }
    auto end() const { return items.end(); }
    static constexpr std::size_t size() { return count_of<E>; }
};

template <class T>
using PerProperty = EnumArray<Property, T>;
template <class T>
using PerRule = EnumArray<MechanismRule, T>;

/// A set of properties, in one byte (a per-CPU field of every call in flight).
class PropertySet {
public:
    bool contains(Property p) const { return (bits_ & bit(p)) != 0; }
    void insert(Property p) { bits_ = static_cast<std::uint8_t>(bits_ | bit(p)); }

private:
    static_assert(count_of<Property> <= 8, "PropertySet: one bit per property");
    static constexpr std::uint8_t bit(Property p) {
        return static_cast<std::uint8_t>(1U << to_index(p));
    }
    std::uint8_t bits_ = 0;
};

/// One entry of a table below: the value, its name and what it means.
template <class E>
struct Entry {
    E id;
    std::string_view name;
    std::string_view meaning;
};

inline constexpr std::array<Entry<Property>, count_of<Property>> properties = {{
    {Property::g_mb, "G-MB",
     "memory ordering of every other thread's user accesses around the call"},
    {Property::g_sc, "G-SC",
     "core serialization of every other thread of the mm before it runs user code again"},
    {Property::g_sc_self, "G-SC-SELF",
     "core serialization of the caller before it returns to user mode"},
    {Property::g_tlb, "G-TLB",
     "no user code of an mm on a TLB context older than a completed flush of it"},
    {Property::g_ref, "G-REF",
     "no use of an mm after its last reference is dropped, no leaked reference"},
}};

inline constexpr std::array<Entry<MechanismRule>, count_of<MechanismRule>> mechanism_rules = {{
    {MechanismRule::k1, "K1",
     "the IPI rule: a CPU read running the mm runs the handler's barrier before t_b"},
    {MechanismRule::k2, "K2",
     "the switch-in rule: a barrier (and a core sync for SYNC_CORE) between a change of the "
     "visible mm to M and M's user code"},
    {MechanismRule::k3, "K3",
     "the switch-out rule: a barrier between the last user access of M and the store that "
     "leaves it"},
    {MechanismRule::k4, "K4",
     "the registration rule: after REGISTER_* returns, CPUs running the mm have its bits in "
     "rq->membarrier_state"},
    {MechanismRule::k5, "K5",
     "the same-mm exemption: switch_mm_irqs_off's same-mm return only when the visible mm "
     "did not change"},
}};

/// Whether every entry of `table` sits at its value's index and is named (a forgotten entry
/// leaves a default one behind, which fails this).
template <class E, std::size_t N>
constexpr bool in_enum_order(const std::array<Entry<E>, N>& table) {
    for (std::size_t i = 0; i < N; ++i) {
        if (to_index(table[i].id) != i || table[i].name.empty() || table[i].meaning.empty()) {
            return false;
        }
    }
    return true;
}
static_assert(in_enum_order(properties), "check::properties: one entry per Property, in order");
static_assert(in_enum_order(mechanism_rules),
              "check::mechanism_rules: one entry per MechanismRule, in order");

constexpr std::string_view name(Property p) {
    return properties[to_index(p)].name;
}
constexpr std::string_view name(MechanismRule k) {
    return mechanism_rules[to_index(k)].name;
}

/// The properties a membarrier call owes per CPU, in report order: obligation accounting
/// (check/obligations.h) and its counters (discharged.NAME) are per these.
inline constexpr std::array<Property, 3> call_properties = {Property::g_mb, Property::g_sc,
                                                            Property::g_sc_self};

/// The property names in report order ("G-MB", ...), for listings and name checks.
inline constexpr std::array<std::string_view, count_of<Property>> property_names = [] {
    std::array<std::string_view, count_of<Property>> out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = properties[i].name;
    }
    return out;
}();

} // namespace check
