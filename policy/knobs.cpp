#include "policy/knobs.h"

namespace policy {

const std::vector<KnobInfo>& knob_table() {
    static const std::vector<KnobInfo> table = {
        {"lazy_sync_core", KnobType::enumeration,
         {"finish_task_switch", "switch_mm_current_mm_guard", "switch_mm_next_registration"},
         "where the SYNC_CORE membarrier's core sync happens on a kernel->user switch back into "
         "the lazily loaded mm, and under which guard",
         "kernel/sched/core.c finish_task_switch (v4.16..mainline); RFC v2 1/2 (2020-12-04); "
         "PATCH 2/8 (2021-06-15)"},
    };
    return table;
}

std::string_view to_string(LazySyncCore v) {
    switch (v) {
    case LazySyncCore::finish_task_switch:
        return "finish_task_switch";
    case LazySyncCore::switch_mm_current_mm_guard:
        return "switch_mm_current_mm_guard";
    case LazySyncCore::switch_mm_next_registration:
        return "switch_mm_next_registration";
    }
    return "?";
}

} // namespace policy
