#include "sim/event_queue.h"

#include <algorithm>
#include <tuple>

namespace sim {

bool runs_before(const Event& a, const Event& b) {
    return std::tie(a.time, a.cls, a.cpu, a.sender, a.seq) <
           std::tie(b.time, b.cls, b.cpu, b.sender, b.seq);
}

namespace {
// std::push_heap builds a max-heap; invert the order to keep the earliest event on top.
bool heap_less(const Event& a, const Event& b) { return runs_before(b, a); }
} // namespace

void EventQueue::push(Event e) {
    e.seq = next_seq_++;
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), heap_less);
}

Event EventQueue::pop() {
    std::pop_heap(heap_.begin(), heap_.end(), heap_less);
    Event e = heap_.back();
    heap_.pop_back();
    return e;
}

} // namespace sim
