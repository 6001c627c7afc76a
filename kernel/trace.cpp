#include "kernel/trace.h"

namespace kernel {

std::uint32_t Trace::intern_path(const std::vector<std::uint16_t>& frames) {
    if (frames.empty()) {
        return 0;
    }
    auto [it, inserted] = path_ids_.try_emplace(frames, static_cast<std::uint32_t>(paths_.size()));
    if (inserted) {
        paths_.push_back(frames);
    }
    return it->second;
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
