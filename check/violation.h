#pragma once
// What the checker reports: a violation of a guarantee, explained, with the kernel mechanism
// behind it where the records show one.

#include "check/properties.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace check {

/// The kernel mechanism behind a violation, where the checker recognises one from the records
/// (docs/mechanisms.md, "Causes of violations"). The stress suite tells the presets' known gaps
/// apart by this, never by the scenario that shows them.
enum class Cause : std::uint8_t {
    none,           ///< not recognised
    kthread_use_mm, ///< G-SC: the CPU got the call's mm through kthread_use_mm after t_a (lazy,
                    ///< generation-equal: no CR3 write, no core sync), where the call's read of
                    ///< rq->curr->mm had not seen it (P8)
    // G-MB of GLOBAL_EXPEDITED on a CPU it skipped because its rq->membarrier_state lacked
    // GLOBAL_EXPEDITED while it ran the registered mm, stale since ...
    registration_race,     ///< ... a REGISTER_* of the mm returned on that CPU without
                           ///< refreshing it (v5.10's caller's CPU)
    registration_lazy_cpu, ///< ... the CPU copied the mm's state before a registration whose
                           ///< refresh missed it (it was lazily on the mm, not running it)
    cleared_lazy_cpu,      ///< ... membarrier_update_current_mm(NULL) cleared it while the CPU
                           ///< stayed lazily on the mm (exit_mm, kthread_unuse_mm)
    use_mm_lazy_cpu,       ///< ... a kernel thread took the mm with kthread_use_mm, which left
                           ///< the runqueue alone (v5.10), and the CPU stayed on the mm
    count_
};
/// The names of the causes in reports and JSON (`cause`).
inline constexpr std::array<std::string_view, count_of<Cause>> cause_names = {
    "none",
    "kthread_use_mm",
    "registration_race",
    "registration_lazy_cpu",
    "cleared_lazy_cpu",
    "use_mm_lazy_cpu"};
static_assert(!cause_names.back().empty(), "check::cause_names: one name per Cause");
inline std::string_view cause_name(Cause c) {
    return cause_names[to_index(c)];
}

struct Violation {
    std::string property; ///< "G-MB", "G-SC", ... (check::properties)
    int cpu = -1;         ///< where the violating user instruction ran
    std::int64_t time = 0;
    std::string task; ///< whose instruction
    std::string call; ///< "membarrier(private_expedited_sync_core) by t1 on cpu0"
    std::int64_t t_a = -1, t_b = -1, t_r = -1;
    std::vector<std::string> chain; ///< the records that explain it, oldest first
    Cause cause = Cause::none;
};

/// A broken mechanism rule (K1..K5): not a violation, but where a policy departs from how the
/// kernel means to keep a guarantee (docs/properties.md, Mechanism warnings).
struct Warning {
    MechanismRule rule = MechanismRule::k1;
    int cpu = -1;          ///< the CPU the rule concerns
    std::int64_t time = 0; ///< when the rule was found broken
    /// When the rule's window opened on `cpu` (its first kept record; `time` when none was
    /// kept): where explore concentrates its perturbations.
    std::int64_t window_start = 0;
    std::string task; ///< the task it concerns: whose user code, or rq->curr at the read
    std::string text; ///< one line: "K2 on cpu1 at t=...: ..."
    std::vector<std::string> chain; ///< the records that explain it, oldest first
};

} // namespace check
