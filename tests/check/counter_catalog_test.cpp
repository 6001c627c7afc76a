// The counter catalogue: every field of check::Counters is declared, once, as its own counter.

#include "check/counter_catalog.h"

#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <set>
#include <type_traits>

TEST_CASE("every field of Counters gets its own declared counter", "[check]") {
    // Counters holds nothing but CounterIds (single ones and arrays of them), so its bytes are an
    // array of ids. A field that declare_counters forgets keeps id 0 (ser.total's), which this
    // catches, and so does a counter declared but stored nowhere.
    static_assert(std::has_unique_object_representations_v<check::Counters>);
    static_assert(sizeof(check::Counters) % sizeof(sim::CounterId) == 0);
    sim::CounterRegistry registry;
    const check::Counters ids = check::declare_counters(registry);
    std::array<std::uint32_t, sizeof(check::Counters) / sizeof(sim::CounterId)> raw{};
    std::memcpy(raw.data(), &ids, sizeof ids);
    const std::set<std::uint32_t> distinct(raw.begin(), raw.end());
    CHECK(distinct.size() == raw.size());
    CHECK(raw.size() == registry.declared().size());
}
