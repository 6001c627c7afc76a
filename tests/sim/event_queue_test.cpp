// The event queue's total order (sim/event_queue.h, docs/design.md Engine): each tie rule gets its
// own test that pushes events in a scrambled order and checks the pop order.

#include "sim/event_queue.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

using sim::Cycles;
using sim::Event;
using sim::EventClass;
using sim::EventQueue;

namespace {

Event ev(std::int64_t t, EventClass cls, int cpu, int sender, std::uint64_t data) {
    Event e;
    e.time = Cycles{t};
    e.cls = cls;
    e.cpu = cpu;
    e.sender = sender;
    e.data = data;
    return e;
}

/// A small deterministic generator: rnd(bound) is in [0, bound).
auto xorshift(std::uint64_t x) {
    return [x](std::uint64_t bound) mutable {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x % bound;
    };
}

/// Pushes `events` in the given order and returns the `data` fields in pop order.
std::vector<std::uint64_t> pop_order(const std::vector<Event>& events) {
    EventQueue q;
    for (const Event& e : events) {
        q.push(e);
    }
    REQUIRE(q.size() == events.size());
    std::vector<std::uint64_t> out;
    while (!q.empty()) {
        out.push_back(q.pop().data);
    }
    return out;
}

using Ids = std::vector<std::uint64_t>;

} // namespace

TEST_CASE("event order: time comes first, whatever the class and CPU", "[sim][event_queue]") {
    // Later times carry the "earliest" class and CPU, so only time can put them in order.
    const std::vector<Event> events = {
        ev(30, EventClass::interrupt_arrival, 0, -1, 3), ev(10, EventClass::end_of_run, 9, 9, 1),
        ev(40, EventClass::interrupt_arrival, 0, -1, 4), ev(20, EventClass::timer_expiry, 5, -1, 2),
        ev(0, EventClass::end_of_run, 7, 0, 0),
    };
    CHECK(pop_order(events) == Ids{0, 1, 2, 3, 4});
}

TEST_CASE("event order: at equal time interrupt arrival < cpu resume < timer expiry < end of run",
          "[sim][event_queue]") {
    // The CPU ids run against the class order, so the class must dominate the CPU.
    const std::vector<Event> events = {
        ev(100, EventClass::end_of_run, 0, 0, 4),
        ev(100, EventClass::cpu_resume, 7, 7, 2),
        ev(100, EventClass::timer_expiry, 1, -1, 3),
        ev(100, EventClass::interrupt_arrival, 9, 8, 1),
    };
    CHECK(pop_order(events) == Ids{1, 2, 3, 4});
}

TEST_CASE("event order: interrupt arrivals by target CPU, then sender, a device (-1) first",
          "[sim][event_queue]") {
    const std::vector<Event> events = {
        ev(50, EventClass::interrupt_arrival, 2, 0, 6),
        ev(50, EventClass::interrupt_arrival, 1, 3, 5),
        ev(50, EventClass::interrupt_arrival, 1, -1, 3),
        ev(50, EventClass::interrupt_arrival, 0, 5, 1),
        ev(50, EventClass::interrupt_arrival, 1, 0, 4),
        ev(50, EventClass::interrupt_arrival, 0, -1, 0),
        ev(50, EventClass::interrupt_arrival, 0, 7, 2),
    };
    CHECK(pop_order(events) == Ids{0, 1, 2, 3, 4, 5, 6});
}

TEST_CASE("event order: CPU resumptions by ascending CPU id", "[sim][event_queue]") {
    // The sender field runs against the CPU id: the CPU must decide.
    const std::vector<Event> events = {
        ev(7, EventClass::cpu_resume, 3, 0, 3),  ev(7, EventClass::cpu_resume, 1, 2, 1),
        ev(7, EventClass::cpu_resume, 12, 0, 4), ev(7, EventClass::cpu_resume, 0, 3, 0),
        ev(7, EventClass::cpu_resume, 2, 1, 2),
    };
    CHECK(pop_order(events) == Ids{0, 1, 2, 3, 4});
}

TEST_CASE("event order: timer expiries by CPU id", "[sim][event_queue]") {
    const std::vector<Event> events = {
        ev(7, EventClass::timer_expiry, 2, -1, 2),
        ev(7, EventClass::timer_expiry, 0, -1, 0),
        ev(7, EventClass::timer_expiry, 3, -1, 3),
        ev(7, EventClass::timer_expiry, 1, -1, 1),
    };
    CHECK(pop_order(events) == Ids{0, 1, 2, 3});
}

TEST_CASE("event order: full ties are FIFO by insertion", "[sim][event_queue]") {
    SECTION("all pushed at once") {
        std::vector<Event> events;
        for (std::uint64_t i = 0; i < 16; ++i) {
            Event e = ev(5, EventClass::cpu_resume, 1, 1, i);
            e.seq = 100 - i; // the queue assigns its own sequence; this must be ignored
            e.kind = static_cast<std::uint32_t>(16 - i);
            events.push_back(e);
        }
        Ids expected;
        for (std::uint64_t i = 0; i < 16; ++i) {
            expected.push_back(i);
        }
        CHECK(pop_order(events) == expected);
    }
    SECTION("interleaved with pops") {
        EventQueue q;
        q.push(ev(5, EventClass::interrupt_arrival, 0, 1, 0));
        q.push(ev(5, EventClass::interrupt_arrival, 0, 1, 1));
        CHECK(q.pop().data == 0);
        q.push(ev(5, EventClass::interrupt_arrival, 0, 1, 2));
        q.push(ev(5, EventClass::interrupt_arrival, 0, 1, 3));
        CHECK(q.pop().data == 1);
        CHECK(q.pop().data == 2);
        CHECK(q.pop().data == 3);
        CHECK(q.empty());
    }
}

TEST_CASE("event order: top() is the next pop and seq increases with insertion",
          "[sim][event_queue]") {
    EventQueue q;
    q.push(ev(3, EventClass::cpu_resume, 0, 0, 30));
    q.push(ev(1, EventClass::cpu_resume, 0, 0, 10));
    q.push(ev(2, EventClass::cpu_resume, 0, 0, 20));
    CHECK(q.top().data == 10);
    const Event a = q.pop();
    const Event b = q.pop();
    const Event c = q.pop();
    CHECK(a.data == 10);
    CHECK(b.data == 20);
    CHECK(c.data == 30);
    // Insertion order was 30, 10, 20.
    CHECK(c.seq < a.seq);
    CHECK(a.seq < b.seq);
}

TEST_CASE("event order: runs_before is a strict total order matching the documented key",
          "[sim][event_queue]") {
    // Many random events, popped: the sequence must be sorted by the documented key, where the
    // insertion index stands for the sequence number.
    auto rnd = xorshift(0x9e3779b97f4a7c15ULL);
    std::vector<Event> events;
    for (std::uint64_t i = 0; i < 2000; ++i) {
        Event e = ev(static_cast<std::int64_t>(rnd(20)), static_cast<EventClass>(rnd(4)),
                     static_cast<int>(rnd(4)), static_cast<int>(rnd(5)) - 1, i);
        events.push_back(e);
    }
    auto key = [](const Event& e) {
        return std::make_tuple(e.time.count(), static_cast<int>(e.cls), e.cpu, e.sender, e.data);
    };
    std::vector<Event> expected = events;
    std::sort(expected.begin(), expected.end(),
              [&](const Event& a, const Event& b) { return key(a) < key(b); });
    Ids expected_ids;
    for (const Event& e : expected) {
        expected_ids.push_back(e.data);
    }
    CHECK(pop_order(events) == expected_ids);

    Event a = ev(1, EventClass::cpu_resume, 0, 0, 0);
    Event b = a;
    a.seq = 1;
    b.seq = 2;
    CHECK(sim::runs_before(a, b));
    CHECK_FALSE(sim::runs_before(b, a));
    CHECK_FALSE(sim::runs_before(a, a));
}

TEST_CASE("event order: events with and without a payload are one order", "[sim][event_queue]") {
    // Events with no payload (kind 0, data 0: every CPU resumption) are kept apart from the
    // others as bare keys; popping must still follow the documented key across both, including
    // full ties, with pushes between pops. The reference is a sorted list of the same keys.
    auto rnd = xorshift(0x2545f4914f6cdd1dULL);
    using Key = std::tuple<std::int64_t, int, int, int, std::uint64_t>; // ..., sequence
    std::vector<Key> reference;
    EventQueue q;
    std::int64_t now = 0;
    std::uint64_t pushed = 0;
    auto push_one = [&] {
        Event e = ev(now + static_cast<std::int64_t>(rnd(8)), static_cast<EventClass>(rnd(4)),
                     static_cast<int>(rnd(3)), static_cast<int>(rnd(4)) - 1,
                     rnd(2) == 0 ? 0 : 1000 + pushed);
        const std::uint64_t seq = q.push(e);
        CHECK(seq == pushed++);
        reference.emplace_back(e.time.count(), static_cast<int>(e.cls), e.cpu, e.sender, seq);
    };
    for (int i = 0; i < 64; ++i) {
        push_one();
    }
    for (int i = 0; i < 5000; ++i) {
        const auto first = std::min_element(reference.begin(), reference.end());
        REQUIRE(q.top().seq == std::get<4>(*first));
        const Event e = q.pop();
        CHECK(e.seq == std::get<4>(*first));
        CHECK(e.time.count() == std::get<0>(*first));
        CHECK(e.cpu == std::get<2>(*first));
        CHECK(e.sender == std::get<3>(*first));
        CHECK((e.data == 0 || e.data == 1000 + e.seq));
        now = e.time.count();
        reference.erase(first);
        push_one();
        if (rnd(3) == 0) {
            push_one();
        } else if (!reference.empty() && rnd(3) == 0) {
            CHECK(q.pop().seq ==
                  std::get<4>(*std::min_element(reference.begin(), reference.end())));
            reference.erase(std::min_element(reference.begin(), reference.end()));
        }
    }
    CHECK(q.size() == reference.size());
}
