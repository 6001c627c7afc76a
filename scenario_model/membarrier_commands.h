#pragma once
// The membarrier commands of include/uapi/linux/membarrier.h by name, declared once: the step
// parser reads these names (scenario_model: the lowest layer the loader, kernel/ and check/ share),
// the counters `membarrier.calls.NAME` and the record text print them. Index i names the command 0
// (QUERY) for i = 0, else 1 << (i - 1).

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace scenario {

inline constexpr std::array<std::string_view, 11> membarrier_cmd_names = {
    "query",
    "global",
    "global_expedited",
    "register_global_expedited",
    "private_expedited",
    "register_private_expedited",
    "private_expedited_sync_core",
    "register_private_expedited_sync_core",
    "private_expedited_rseq",
    "register_private_expedited_rseq",
    "get_registrations"};

/// The command value of membarrier_cmd_names[index].
constexpr std::int64_t membarrier_cmd_value(std::size_t index) {
    return index == 0 ? 0 : std::int64_t{1} << (index - 1);
}

/// The index in membarrier_cmd_names of command `cmd`, if it names one.
constexpr std::optional<std::size_t> membarrier_cmd_index(std::int64_t cmd) {
    for (std::size_t i = 0; i < membarrier_cmd_names.size(); ++i) {
        if (membarrier_cmd_value(i) == cmd) {
            return i;
        }
    }
    return std::nullopt;
}

} // namespace scenario
