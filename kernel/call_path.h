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
    /// One depth: the function, and the trie node of the path up to it.
    struct Frame {
        SiteId fn;
        std::uint32_t node;
    };

    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return frames_.size(); }
    SiteId back() const { return frames_.back().fn; }
    /// The functions, outermost first (built on demand: Trace::intern_path's first use of a path).
    std::vector<SiteId> functions() const {
        std::vector<SiteId> out;
        out.reserve(frames_.size());
        for (const Frame& f : frames_) {
            out.push_back(f.fn);
        }
        return out;
    }
    /// How many depths run `fn`.
    std::size_t count(SiteId fn) const {
        std::size_t n = 0;
        for (const Frame& f : frames_) {
            n += f.fn == fn ? 1 : 0;
        }
        return n;
    }
    /// The trie node of the whole path (0: the empty path).
    std::uint32_t node() const { return frames_.empty() ? 0 : frames_.back().node; }

    void push(SiteId fn, std::uint32_t node) { frames_.push_back({fn, node}); }
    void pop() { frames_.pop_back(); }

private:
    // One vector, not one per field: with 100,000 tasks each allocation counts
    // (docs/performance.md, Scale).
    std::vector<Frame> frames_;
};

} // namespace kernel
