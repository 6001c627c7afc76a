#pragma once
// Invariants of the modelled kernel state, checked while a run goes on and on in every build
// (docs/invariants.md). Each is a rule the kernel itself keeps (v5.10.13 unless said otherwise),
// declared once here with the source it comes from. The checks are pure functions that return a
// description of what is wrong (nothing when the rule holds): the refcount ones below, the TLB and
// IRQ ones in arch_x86/tlb_invariants.h, the scheduler ones in sched/sched_invariants.h. The
// mutation points call them through enforce(), which turns a failure into an internal error
// (sim::panic) whose message names the invariant; the engine's panic context adds the state dump.

#include <array>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>

namespace kernel {

struct Mm;

enum class Invariant : std::uint8_t {
    single_current,
    runqueue_membership,
    mm_refcounts,
    mm_tlb_gen_monotonic,
    asid_tlb_gen_monotonic,
    tlb_gen_not_ahead,
    loaded_mm_consistent,
    lazy_mm_referenced,
    switch_mm_irqs_disabled,
    count_
};

inline constexpr std::size_t invariant_count = static_cast<std::size_t>(Invariant::count_);

struct InvariantInfo {
    Invariant id;
    std::string_view name;       ///< as printed: `invariant NAME violated: ...`
    std::string_view rule;       ///< what must hold
    std::string_view source;     ///< where the kernel keeps (or asserts) it
    std::string_view checked_at; ///< the model functions that check it
};

/// Every invariant, in enum order.
const std::array<InvariantInfo, invariant_count>& invariant_table();
const InvariantInfo& invariant_info(Invariant inv);

/// What a check found wrong; std::nullopt when the invariant holds.
using InvariantFailure = std::optional<std::string>;

/// `invariant NAME violated: WHAT`, then the rule and its kernel source on lines of their own.
std::string invariant_message(Invariant inv, const std::string& what);

/// Reports a violated invariant through sim::panic with invariant_message(); the panic context
/// adds the state dump (every CPU, runqueue, ASID slot and mm).
[[noreturn]] void invariant_violated(Invariant inv, const std::string& what,
                                     const std::source_location& where);

/// Panics with `failure` when a check returned one.
inline void enforce(Invariant inv, const InvariantFailure& failure,
                    const std::source_location& where = std::source_location::current()) {
    if (failure) [[unlikely]] {
        invariant_violated(inv, *failure, where);
    }
}

/// What a check of several invariants (a scan of the whole state) found first.
struct InvariantViolation {
    Invariant inv;
    std::string what;
};

inline void enforce(const std::optional<InvariantViolation>& violation,
                    const std::source_location& where = std::source_location::current()) {
    if (violation) [[unlikely]] {
        invariant_violated(violation->inv, violation->what, where);
    }
}

// mm_refcounts (include/linux/sched/mm.h, kernel/fork.c).

/// After a drop of `mm`'s counts: mm_users >= 0, mm_count >= 0, and mm_count >= 1 while
/// mm_users > 0 (the users share one mm_count reference until __mmput's mmdrop).
InvariantFailure check_mm_refcounts(const Mm& mm);

} // namespace kernel
