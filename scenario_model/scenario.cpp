#include "scenario_model/scenario.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace scenario {

std::string format_delay(const Delay& d) {
    return std::to_string(d.cpu) + "@" + std::to_string(d.at) + "+" + std::to_string(d.extra);
}

namespace {

/// A decimal integer from `text`'s start up to `stop` (or its end), advancing past it.
std::optional<std::int64_t> take_int(std::string_view& text, char stop) {
    const std::size_t end = stop == '\0' ? text.size() : text.find(stop);
    if (end == std::string_view::npos || end == 0) {
        return std::nullopt;
    }
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, v);
    if (ec != std::errc() || ptr != text.data() + end || v < 0) {
        return std::nullopt;
    }
    text.remove_prefix(stop == '\0' ? end : end + 1);
    return v;
}

} // namespace

std::optional<Delay> parse_delay(std::string_view text) {
    const auto cpu = take_int(text, '@');
    const auto at = cpu ? take_int(text, '+') : std::nullopt;
    const auto extra = at ? take_int(text, '\0') : std::nullopt;
    if (!extra || *extra < 1 || *cpu > std::numeric_limits<int>::max()) {
        return std::nullopt;
    }
    return Delay{static_cast<int>(*cpu), *at, *extra};
}

bool Machine::is_online(int cpu) const {
    if (cpu < 0 || cpu >= cpus) {
        return false;
    }
    // `offline` is sorted and unique (the loader guarantees it).
    return !std::binary_search(offline.begin(), offline.end(), cpu);
}

} // namespace scenario
