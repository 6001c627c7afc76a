#pragma once
// The Linux errno table (asm-generic/errno-base.h and errno.h, as on x86), used for `expect=R`
// in membarrier steps and for `results` in [[expect]]. Only canonical names (no aliases such as
// EWOULDBLOCK or EDEADLOCK).

#include <optional>
#include <string_view>
#include <vector>

namespace scenario {

/// The positive errno value of a canonical name ("EPERM" -> 1), or nullopt.
std::optional<int> errno_value(std::string_view name);

/// The canonical name of a positive errno value (1 -> "EPERM"), or "" when there is none.
std::string_view errno_name(int value);

/// Every canonical name, in increasing order of value.
const std::vector<std::string_view>& errno_names();

} // namespace scenario
