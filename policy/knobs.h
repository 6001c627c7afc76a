#pragma once
// A policy is plain data: the knobs the kernel layers read. Kernel code tests knobs, never preset
// names (policy/presets.h). Each knob's documentation (name, type, values per kernel, source)
// lives in knob_table() so `tlbsim policies` and docs are generated from one place.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace policy {

/// Where the "membarrier sync_core on a kernel->user switch back into the lazily borrowed mm"
/// happens, and with which guard.
enum class LazySyncCore : std::uint8_t {
    /// finish_task_switch(): membarrier_mm_sync_core_before_usermode(rq->prev_mm), guarded by
    /// current->mm == prev_mm (current is next there) and the SYNC_CORE bit (v4.20..mainline).
    finish_task_switch,
    /// switch_mm_irqs_off(), lazy generation-equal branch, through
    /// membarrier_mm_sync_core_before_usermode(next): guarded by current->mm == next, where
    /// current is still the previous task (RFC v2 1/2 as posted).
    switch_mm_current_mm_guard,
    /// switch_mm_irqs_off(), same branch, guarded by next->membarrier_state's SYNC_CORE bit
    /// (RFC v2 as intended; Lutomirski June 2021 / January 2022).
    switch_mm_next_registration,
};

struct Knobs {
    LazySyncCore lazy_sync_core = LazySyncCore::finish_task_switch;
};

enum class KnobType : std::uint8_t { boolean, integer, enumeration };

struct KnobInfo {
    std::string_view name;
    KnobType type;
    std::vector<std::string_view> values; ///< for enumerations
    std::string_view description;
    std::string_view source;
};

const std::vector<KnobInfo>& knob_table();
std::string_view to_string(LazySyncCore v);

} // namespace policy
