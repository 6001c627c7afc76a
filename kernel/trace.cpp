#include "kernel/trace.h"

namespace kernel {

std::uint32_t Trace::path_node(std::uint32_t parent, std::uint16_t fn) {
    // A node has few children (the functions a modelled function calls): a short scan beats
    // hashing, and this runs at every modelled function entry.
    for (const auto& [child_fn, child] : node_children_[parent]) {
        if (child_fn == fn) {
            return child;
        }
    }
    const auto node = static_cast<std::uint32_t>(node_path_.size());
    node_children_[parent].emplace_back(fn, node);
    node_path_.push_back(not_interned);
    node_parent_.emplace_back(parent, fn);
    node_children_.emplace_back();
    return node;
}

CallPath Trace::call_path_at(std::uint32_t node) const {
    std::vector<std::uint32_t> nodes;
    for (std::uint32_t n = node; n != 0; n = node_parent_[n].first) {
        nodes.push_back(n);
    }
    CallPath path;
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
        path.push(node_parent_[*it].second, *it);
    }
    return path;
}

std::uint32_t Trace::intern_path(const CallPath& path) {
    std::uint32_t& id = node_path_[path.node()];
    if (id == not_interned) {
        id = static_cast<std::uint32_t>(paths_.size());
        paths_.push_back(path.functions());
    }
    return id;
}

std::string Trace::format_path(std::uint32_t id) const {
    std::string s;
    const auto& frames = paths_[id];
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
        if (!s.empty()) {
            s += " ← ";
        }
        s += fn_name(static_cast<Fn>(*it));
    }
    return s;
}

} // namespace kernel
