#include "scenario_model/scenario.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

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

std::string step_path(const Scenario& sc, int thread, const Step& st) {
    if (thread < 0 || static_cast<std::size_t>(thread) >= sc.threads.size()) {
        return "a step";
    }
    const Thread& th = sc.threads[static_cast<std::size_t>(thread)];
    if (!sc.directed_schedule.empty()) {
        return st.source > 0 ? fmt::format("{}:{}", sc.file, st.source) : th.name;
    }
    if (st.source < 0) {
        return th.name;
    }
    // [[thread]] entries come first in Scenario::threads, then [[kthread]].
    const auto users = std::count_if(sc.threads.begin(), sc.threads.end(),
                                     [](const Thread& t) { return !t.kthread; });
    const auto index = th.kthread ? thread - users : thread;
    return fmt::format("{}[{}].program[{}]", th.kthread ? "kthread" : "thread", index, st.source);
}

bool Machine::is_online(int cpu) const {
    if (cpu < 0 || cpu >= cpus) {
        return false;
    }
    // `offline` is sorted and unique (the loader guarantees it).
    return !std::binary_search(offline.begin(), offline.end(), cpu);
}

} // namespace scenario
