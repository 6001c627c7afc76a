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
/// 4-ary heaps: half the depth of a binary one, and a node's children share one or two cache
/// lines.
constexpr std::size_t arity = 4;
} // namespace

std::uint64_t EventQueue::push(const Event& e) {
    SIM_ASSERT(e.cpu >= 0 && e.cpu <= max_cpus && e.sender >= -1 && e.sender < max_cpus,
               "event cpu {} / sender {} out of range", e.cpu, e.sender);
    const std::uint64_t seq = next_seq_++;
    SIM_ASSERT(seq <= seq_mask, "event sequence overflow");
    SIM_ASSERT(e.time >= Cycles::zero(), "event at negative time {}", e.time.count()); // wide()
    const Key k{e.time.count(), (static_cast<std::uint64_t>(e.cls) << (64 - 2)) |
                                    (static_cast<std::uint64_t>(e.cpu) << (seq_bits + cpu_bits)) |
                                    (static_cast<std::uint64_t>(e.sender + 1) << seq_bits) | seq};
    if (e.kind == 0 && e.data == 0) {
        sift_up(keys_, k);
    } else {
        sift_up(payloads_, Node{k, e.data, e.kind});
    }
    return seq;
}

template <class N>
void EventQueue::sift_up(std::vector<N>& heap, const N& n) {
    heap.push_back(n);
    place_up(heap, heap.size() - 1, n);
}

template <class N>
void EventQueue::place_up(std::vector<N>& heap, std::size_t hole, const N& n) {
    while (hole > 0) {
        const std::size_t parent = (hole - 1) / arity;
        if (!before(key_of(n), key_of(heap[parent]))) {
            break;
        }
        heap[hole] = heap[parent];
        hole = parent;
    }
    heap[hole] = n;
}

template <class N>
N EventQueue::pop_root(std::vector<N>& heap) {
    const N top = heap.front();
    const N last = heap.back();
    heap.pop_back();
    const std::size_t n = heap.size();
    if (n == 0) {
        return top;
    }
    // Bottom-up: move the hole at the root down to a leaf along the least of each node's (up to
    // four) children, then sift the last node up from there. The last node nearly always belongs
    // near the bottom, so this saves the comparison with it at every level on the way down.
    std::size_t i = 0;
    for (;;) {
        const std::size_t first = arity * i + 1;
        if (first >= n) {
            break;
        }
        std::size_t child = first;
        const std::size_t end = first + arity < n ? first + arity : n;
        for (std::size_t c = first + 1; c < end; ++c) {
            child = before(key_of(heap[c]), key_of(heap[child])) ? c : child;
        }
        heap[i] = heap[child];
        i = child;
    }
    place_up(heap, i, last);
    return top;
}

bool EventQueue::first_is_bare() const {
    return payloads_.empty() || (!keys_.empty() && before(keys_.front(), payloads_.front().k));
}

Event EventQueue::pop() {
    return first_is_bare() ? decode(pop_root(keys_)) : decode(pop_root(payloads_));
}

Event EventQueue::top() const {
    return first_is_bare() ? decode(keys_.front()) : decode(payloads_.front());
}

Event EventQueue::decode(const Key& k) {
    Event e;
    e.time = Cycles{k.time};
    e.cls = static_cast<EventClass>(k.key >> (64 - 2));
    e.cpu = static_cast<std::int32_t>((k.key >> (seq_bits + cpu_bits)) & cpu_mask);
    e.sender = static_cast<std::int32_t>((k.key >> seq_bits) & cpu_mask) - 1;
    e.seq = k.key & seq_mask;
    return e;
}

Event EventQueue::decode(const Node& n) {
    Event e = decode(n.k);
    e.kind = n.kind;
    e.data = n.data;
    return e;
}

} // namespace sim
