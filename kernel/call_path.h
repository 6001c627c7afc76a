#pragma once
// A task's kernel call path: the modelled kernel functions on its stack, outermost first, as
// arch_x86::KFrame enters and leaves them, with each depth's node in the Trace's path trie
// (Trace::path_node), so that a record finds its interned call path without a lookup by value.

#include <cstdint>
#include <vector>

namespace kernel {

/// A kernel function on the task's kernel stack, for call paths in records (`explain`).
using SiteId = std::uint16_t;

class CallPath {
public:
    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return frames_.size(); }
    SiteId back() const { return frames_.back(); }
    const std::vector<SiteId>& frames() const { return frames_; }
    auto begin() const { return frames_.begin(); }
    auto end() const { return frames_.end(); }
    /// The trie node of the whole path (0: the empty path).
    std::uint32_t node() const { return nodes_.empty() ? 0 : nodes_.back(); }

    void push(SiteId fn, std::uint32_t node) {
        frames_.push_back(fn);
        nodes_.push_back(node);
    }
    void pop() {
        frames_.pop_back();
        nodes_.pop_back();
    }

private:
    std::vector<SiteId> frames_;
    std::vector<std::uint32_t> nodes_;
};

} // namespace kernel
