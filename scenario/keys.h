#pragma once
// Every key a scenario table accepts, with its type, default and meaning (docs/scenario-format.md).
// The loader validates keys against these lists, and `tlbsim scenario-keys --markdown` prints
// them, so the reference cannot drift from what is accepted.

#include <string_view>
#include <vector>

namespace scenario {

enum class KeyTable { top, machine, process, thread, kthread, inject, policy, expect };

struct KeyInfo {
    std::string_view name;
    std::string_view type;
    std::string_view default_value; ///< "required" when there is none
    std::string_view meaning;
};

struct KeyTableInfo {
    KeyTable table;
    std::string_view heading; ///< "[machine]", "[[thread]]", ...
    std::vector<KeyInfo> keys;
};

const std::vector<KeyTableInfo>& key_tables();
/// The accepted key names of one table, in documentation order.
std::vector<std::string_view> key_names(KeyTable table);

} // namespace scenario
