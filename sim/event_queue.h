#pragma once
// The event queue and its total order (docs/design.md, Engine).
//
// Events are ordered by (time, class, cpu, sender, insertion sequence). At equal time:
//   1. interrupt arrivals   -- they only mark the interrupt pending; by target CPU, then sender
//                              CPU (a device, sender -1, sorts before every CPU);
//   2. CPU resumptions      -- by ascending CPU id;
//   3. timer expiries       -- by CPU id;
//   4. the end-of-run check.
// The insertion sequence breaks the remaining ties FIFO, so the order is total and a run is a
// pure function of its inputs.
//
// Internally the order is one 128-bit key (time, then class|cpu|sender|sequence packed into 64
// bits), so a heap compares two integers; an event without a payload is only that key.

#include "sim/cycles.h"

#include <cstdint>
#include <vector>

namespace sim {

enum class EventClass : std::uint8_t {
    interrupt_arrival = 0,
    cpu_resume = 1,
    timer_expiry = 2,
    end_of_run = 3,
};

struct Event {
    Cycles time{};
    EventClass cls = EventClass::cpu_resume;
    std::int32_t cpu = 0;    ///< the CPU the event happens on (0..4095)
    std::int32_t sender = 0; ///< interrupts: the sending CPU, -1 for a device or timer
    std::uint64_t seq = 0;   ///< assigned by the queue
    std::uint32_t kind = 0;  ///< meaning depends on the class (interrupt vector, timer kind)
    std::uint64_t data = 0;  ///< payload (resume token, task id, ...)
};

/// One armed timer (Simulation::arm_timer), to cancel it before it expires.
struct TimerId {
    std::uint64_t seq = ~std::uint64_t{0}; ///< the timer event's sequence number; default: none
    /// When it expires: a timer due before now has expired, so cancelling it needs no lookup.
    Cycles at{-1};
};

/// True when `a` must run before `b`.
bool runs_before(const Event& a, const Event& b);

class EventQueue {
public:
    /// Adds `e`; returns the insertion sequence number it was given (its identity).
    std::uint64_t push(const Event& e);
    /// Removes and returns the first event. Precondition: !empty().
    Event pop();
    /// The first event, without removing it. Precondition: !empty().
    Event top() const;
    bool empty() const { return keys_.empty() && payloads_.empty(); }
    std::size_t size() const { return keys_.size() + payloads_.size(); }

    /// The largest CPU id the packed key can hold (13 bits).
    static constexpr int max_cpus = 8191;

private:
    struct Key {
        std::int64_t time;
        std::uint64_t key; ///< class:2 | cpu:13 | sender+1:13 | sequence:36
    };
    struct Node {
        Key k;
        std::uint64_t data;
        std::uint32_t kind;
    };
    /// One 128-bit comparison (time is never negative): no branch to mispredict in a sift.
    static bool before(const Key& a, const Key& b) { return wide(a) < wide(b); }
    __extension__ using Wide = unsigned __int128; // GCC and Clang on x86-64
    static Wide wide(const Key& k) {
        return (static_cast<Wide>(static_cast<std::uint64_t>(k.time)) << 64) | k.key;
    }
    static const Key& key_of(const Key& k) { return k; }
    static const Key& key_of(const Node& n) { return n.k; }
    template <class N>
    static void sift_up(std::vector<N>& heap, const N& n);
    /// Puts `n` at the hole at index `hole` or above it, moving the parents it runs before down.
    template <class N>
    static void place_up(std::vector<N>& heap, std::size_t hole, const N& n);
    template <class N>
    static N pop_root(std::vector<N>& heap);
    /// Whether the first event is in keys_ (precondition: !empty()).
    bool first_is_bare() const;
    static Event decode(const Key& k);
    static Event decode(const Node& n);

    // Two 4-ary min-heaps under before(), popped as one: events without a payload (kind 0, data
    // 0: every CPU resumption, most of the events) as 16-byte keys, so that a node's four
    // children share one cache line, and the others with their payload.
    std::vector<Key> keys_;
    std::vector<Node> payloads_;
    std::uint64_t next_seq_ = 0;
};

} // namespace sim
