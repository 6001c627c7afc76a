// The obligation ledger's per-CPU containers of waiting calls (check/awaiting.h): what each take
// visits, in which order, and what it leaves.

#include "check/awaiting.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

namespace {

using Keys = std::vector<std::uint64_t>;

template <class Calls>
Keys take_others(Calls& calls, int mm, int task) {
    Keys keys;
    calls.take_others(mm, task, [&](std::uint64_t key) { keys.push_back(key); });
    return keys;
}

template <class Calls>
Keys take_mm(Calls& calls, int mm) {
    Keys keys;
    calls.take_mm(mm, [&](std::uint64_t key) { keys.push_back(key); });
    return keys;
}

} // namespace

TEMPLATE_TEST_CASE("waiting calls: a return takes its mm's calls of other callers, once",
                   "[check][awaiting]", check::CallList, check::CallsByMm) {
    TestType calls;
    calls.add(1, 10, 100);  // mm 1, caller 10
    calls.add(65, 11, 101); // mm 65 shares CallList's filter bit with mm 1
    calls.add(1, 11, 102);
    calls.add(2, 10, 103);
    calls.add(1, 10, 104);
    CHECK(take_others(calls, 3, 12).empty());      // no call of mm 3
    CHECK(take_others(calls, 1, 10) == Keys{102}); // the caller's own user code needs nothing
    CHECK(take_others(calls, 1, 10).empty());      // taken once
    CHECK(take_others(calls, 65, 10) == Keys{101});
    CHECK(take_others(calls, 1, 12) == Keys{100, 104}); // caller 10's, in the order added
    CHECK_FALSE(calls.empty());
    CHECK(take_mm(calls, 2) == Keys{103});
    CHECK(calls.empty());
}

TEST_CASE("waiting calls: take_all visits every call in the order added and empties the list",
          "[check][awaiting]") {
    check::CallList calls;
    calls.add(1, 10, 100);
    calls.add(2, 11, 101);
    calls.add(1, 12, 102);
    std::vector<std::vector<std::uint64_t>> seen;
    calls.take_all([&](int mm, int caller, std::uint64_t key) {
        seen.push_back({static_cast<std::uint64_t>(mm), static_cast<std::uint64_t>(caller), key});
    });
    CHECK(seen ==
          std::vector<std::vector<std::uint64_t>>{{1, 10, 100}, {2, 11, 101}, {1, 12, 102}});
    CHECK(calls.empty());
    calls.add(1, 10, 103);
    CHECK(take_mm(calls, 1) == Keys{103});
}

TEST_CASE("pooled obligations: counts by mm and caller, the caller's own kept",
          "[check][awaiting]") {
    check::PooledObligations pools;
    pools.add(1, 10, 7);
    pools.add(1, 10, 7);
    pools.add(1, 11, 7);
    pools.add(2, 10, 8);
    pools.add(1, 10, 9);
    const check::PooledObligations copy = pools; // a copy counts the same, on its own
    std::int64_t counted = 0;
    pools.take_others(1, 11, [&](std::uint64_t packed, std::int64_t n) {
        CHECK((packed == 7 || packed == 9));
        counted += n;
    });
    CHECK(counted == 3);             // caller 10's two of kind 7 and one of kind 9
    pools.add(1, 12, 7);             // after a take: the mm's pools again
    CHECK(pools.take_count(1) == 2); // caller 11's one, kept above, and caller 12's
    CHECK(pools.take_all_count() == 1);
    check::PooledObligations again = copy;
    CHECK(again.take_all_count() == 5);
}

TEST_CASE("pooled obligations: an mm's pools taken, then pooled again", "[check][awaiting]") {
    // The last mm's pools are kept at hand; taking them must not leave that at hand (ASan would
    // see the freed vector here).
    check::PooledObligations pools;
    pools.add(1, 10, 7);
    CHECK(pools.take_count(1) == 1);
    pools.add(1, 10, 7);
    pools.add(1, 10, 7);
    std::int64_t counted = 0;
    pools.take_others(1, 11, [&](std::uint64_t, std::int64_t n) { counted += n; });
    CHECK(counted == 2); // the pools emptied and forgotten
    pools.add(1, 10, 7);
    CHECK(pools.take_count(1) == 1);
}

TEST_CASE("pooled obligations: a copy and its original count on their own", "[check][awaiting]") {
    check::PooledObligations original;
    original.add(1, 10, 7); // mm 1's pools now at hand in the original
    check::PooledObligations copy = original;
    copy.add(1, 10, 7); // must land in the copy's pools, not the original's
    check::PooledObligations assigned;
    assigned.add(2, 10, 7);
    assigned = original;
    assigned.add(1, 10, 7);
    assigned.add(1, 10, 7);
    CHECK(original.take_all_count() == 1);
    CHECK(copy.take_all_count() == 2);
    CHECK(assigned.take_all_count() == 3);
}
