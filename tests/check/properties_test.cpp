// The tables of check/properties.h: what catches a forgotten or misplaced entry, and what is
// derived from them (the verdict counters, the names [[expect]] may use).

#include "check/counter_catalog.h"
#include "check/properties.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using check::Entry;
using check::MechanismRule;
using check::Property;

} // namespace

TEST_CASE("in_enum_order rejects a table with an entry missing or out of place", "[check]") {
    STATIC_REQUIRE(check::in_enum_order(check::properties));
    STATIC_REQUIRE(check::in_enum_order(check::mechanism_rules));
    // A new Property without its entry: the array's last element is left value-initialised.
    constexpr std::array<Entry<Property>, check::count_of<Property>> missing = {{
        {Property::g_mb, "G-MB", "m"},
        {Property::g_sc, "G-SC", "m"},
        {Property::g_sc_self, "G-SC-SELF", "m"},
        {Property::g_tlb, "G-TLB", "m"},
    }};
    STATIC_REQUIRE_FALSE(check::in_enum_order(missing));
    constexpr std::array<Entry<MechanismRule>, 2> swapped = {{
        {MechanismRule::k2, "K2", "m"},
        {MechanismRule::k1, "K1", "m"},
    }};
    STATIC_REQUIRE_FALSE(check::in_enum_order(swapped));
    constexpr std::array<Entry<MechanismRule>, 1> unnamed = {{{MechanismRule::k1, "", "m"}}};
    STATIC_REQUIRE_FALSE(check::in_enum_order(unnamed));
}

TEST_CASE("every property and rule has its verdict counter", "[check]") {
    const sim::CounterRegistry& catalog = check::counter_catalog();
    for (const auto& p : check::properties) {
        CHECK(catalog.is_name("violation." + std::string(p.name)));
        CHECK(check::name(p.id) == p.name);
    }
    for (const auto& k : check::mechanism_rules) {
        CHECK(catalog.is_name("warning." + std::string(k.name)));
        CHECK(check::name(k.id) == k.name);
    }
    // The names are a contract (counters, reports, [[expect]] blocks): a new one is added here.
    const std::vector<std::string_view> names(check::property_names.begin(),
                                              check::property_names.end());
    CHECK(names == std::vector<std::string_view>{"G-MB", "G-SC", "G-SC-SELF", "G-TLB", "G-REF"});
}

TEST_CASE("PropertySet holds each property on its own", "[check]") {
    check::PropertySet s;
    s.insert(Property::g_sc_self);
    CHECK(s.contains(Property::g_sc_self));
    CHECK_FALSE(s.contains(Property::g_sc));
    CHECK_FALSE(s.contains(Property::g_mb));
    s.insert(Property::g_mb);
    CHECK(s.contains(Property::g_mb));
    CHECK(s.contains(Property::g_sc_self));
    CHECK_FALSE(s.contains(Property::g_ref));
}
