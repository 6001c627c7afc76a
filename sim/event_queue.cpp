#include "sim/event_queue.h"

#include "sim/panic.h"

#include <tuple>

namespace sim {

bool runs_before(const Event& a, const Event& b) {
    return std::tie(a.time, a.cls, a.cpu, a.sender, a.seq) <
           std::tie(b.time, b.cls, b.cpu, b.sender, b.seq);
}

namespace {
constexpr std::uint64_t seq_bits = 36;
constexpr std::uint64_t cpu_bits = 13;
constexpr std::uint64_t seq_mask = (std::uint64_t{1} << seq_bits) - 1;
constexpr std::uint64_t cpu_mask = (std::uint64_t{1} << cpu_bits) - 1;
/// A 4-ary heap: half the depth of a binary one, and a node's children share two cache lines.
constexpr std::size_t arity = 4;
} // namespace

std::uint64_t EventQueue::push(const Event& e) {
    SIM_ASSERT(e.cpu >= 0 && e.cpu <= max_cpus && e.sender >= -1 && e.sender < max_cpus,
               "event cpu {} / sender {} out of range", e.cpu, e.sender);
    const std::uint64_t seq = next_seq_++;
    SIM_ASSERT(seq <= seq_mask, "event sequence overflow");
    const std::uint64_t key = (static_cast<std::uint64_t>(e.cls) << (64 - 2)) |
                              (static_cast<std::uint64_t>(e.cpu) << (seq_bits + cpu_bits)) |
                              (static_cast<std::uint64_t>(e.sender + 1) << seq_bits) | seq;
    // Sift up.
    std::size_t i = heap_.size();
    heap_.push_back({e.time.count(), key, e.data, e.kind});
    const Node n = heap_[i];
    while (i > 0) {
        const std::size_t parent = (i - 1) / arity;
        if (!before(n, heap_[parent])) {
            break;
        }
        heap_[i] = heap_[parent];
        i = parent;
    }
    heap_[i] = n;
    return seq;
}

Event EventQueue::pop() {
    const Node top = heap_.front();
    const Node last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n > 0) {
        // Sift the last node down from the root, to the first of the (up to four) children.
        std::size_t i = 0;
        for (;;) {
            const std::size_t first = arity * i + 1;
            if (first >= n) {
                break;
            }
            std::size_t child = first;
            const std::size_t end = first + arity < n ? first + arity : n;
            for (std::size_t c = first + 1; c < end; ++c) {
                if (before(heap_[c], heap_[child])) {
                    child = c;
                }
            }
            if (!before(heap_[child], last)) {
                break;
            }
            heap_[i] = heap_[child];
            i = child;
        }
        heap_[i] = last;
    }
    return decode(top);
}

Event EventQueue::decode(const Node& n) {
    Event e;
    e.time = Cycles{n.time};
    e.cls = static_cast<EventClass>(n.key >> (64 - 2));
    e.cpu = static_cast<std::int32_t>((n.key >> (seq_bits + cpu_bits)) & cpu_mask);
    e.sender = static_cast<std::int32_t>((n.key >> seq_bits) & cpu_mask) - 1;
    e.seq = n.key & seq_mask;
    e.kind = n.kind;
    e.data = n.data;
    return e;
}

} // namespace sim
