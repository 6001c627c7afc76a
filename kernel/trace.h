#pragma once
// The record stream. Kernel code emits records here; observers (counters, the checker, reports)
// receive each one in emission order, which is (time, sequence) order.

#include "kernel/call_path.h"
#include "kernel/record.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kernel {

struct KernelState;

class RecordObserver {
public:
    virtual ~RecordObserver() = default;
    /// Called once before the first record: the objects records refer to by id.
    virtual void on_start(const KernelState& ks, const class Trace& trace) {
        (void)ks, (void)trace;
    }
    virtual void on_record(const Record& r) = 0;
    /// Called once after the last record when the run ended by itself (sim finish: every task
    /// exited, or a run error stopped it); not when it stopped at max_cycles, by the watchdog or
    /// by an internal error, where the end state is not final.
    virtual void on_finish(const KernelState& ks) { (void)ks; }
};

class Trace {
public:
    void add_observer(RecordObserver* o) { observers_.push_back(o); }
    void start(const KernelState& ks) {
        for (auto* o : observers_) {
            o->on_start(ks, *this);
        }
    }
    /// The run ended by itself (see RecordObserver::on_finish): tells every observer, in order.
    void finish(const KernelState& ks) {
        for (auto* o : observers_) {
            o->on_finish(ks);
        }
    }
    /// Delivers `r` (already numbered and timed) to every observer.
    void emit(const Record& r) {
        for (auto* o : observers_) {
            o->on_record(r);
        }
    }

    /// The path trie's node for `parent`'s path extended by the function `fn` (node 0 is the
    /// empty path): what arch_x86::KFrame keeps per depth (CallPath), O(1).
    std::uint32_t path_node(std::uint32_t parent, std::uint16_t fn);
    /// The id of `path` (at its trie node); ids are numbered in the order records first use
    /// them, 0 for the empty path.
    std::uint32_t intern_path(const CallPath& path);
    /// The call path at trie node `node`, outermost first with each depth's node: what a task
    /// blocked without a stack keeps of its path is the node (Task::parked_path).
    CallPath call_path_at(std::uint32_t node) const;
    const std::vector<std::uint16_t>& path(std::uint32_t id) const { return paths_[id]; }
    /// "finish_task_switch ← __schedule ← futex_wait" style, innermost first.
    std::string format_path(std::uint32_t id) const;

private:
    std::vector<RecordObserver*> observers_;
    std::vector<std::vector<std::uint16_t>> paths_{{}};
    static constexpr std::uint32_t not_interned = UINT32_MAX;
    std::vector<std::uint32_t> node_path_{0}; ///< by trie node: its path id, or not_interned
    /// By trie node: its children, as (function, node).
    std::vector<std::vector<std::pair<std::uint16_t, std::uint32_t>>> node_children_{{}};
    /// By trie node: its parent and its innermost function (node 0, the empty path: none).
    std::vector<std::pair<std::uint32_t, std::uint16_t>> node_parent_{{0, 0}};
};

} // namespace kernel
