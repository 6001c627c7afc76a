// Causes of violations (docs/mechanisms.md): which kernel mechanism the records show behind a
// violation. Each cause is recognised from per-CPU state the records build up -- how the
// CPU's membarrier-visible mm last changed, and where its rq->membarrier_state came from --
// never from the scenario.

#include "check/guarantee_checker.h"

#include "kernel/kernel_state.h"

#include <fmt/format.h>

#include <algorithm>

namespace check {

using kernel::Record;
using kernel::RecordKind;

void GuaranteeChecker::track_causes(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    if (st.visible_mm != st.cause_visible_mm) {
        // check_mechanisms() has just changed the visible mm (an rq->curr or tsk->mm store).
        st.prev_visible_mm = st.cause_visible_mm;
        st.cause_visible_mm = st.visible_mm;
        st.visible_seq = r.seq;
        const bool by_use_mm =
            r.kind == RecordKind::task_mm_store && r.site == kernel::Fn::kthread_use_mm;
        st.use_mm_seq = by_use_mm ? r.seq : 0;
        st.use_mm_time = r.time.count();
    }
    if (r.kind == RecordKind::task_mm_store && r.site == kernel::Fn::kthread_use_mm) {
        st.last_use_mm_seq = r.seq;
        st.last_use_mm = r.mm;
        st.last_use_mm_time = r.time.count();
    }
    if (r.kind == RecordKind::rq_membarrier_state) {
        st.rq_write.seq = r.seq;
        st.rq_write.mm = r.mm;
        st.rq_write.cleared = r.mm < 0;
        st.rq_write.from_mm = st.visible_mm >= 0 ? st.visible_mm : st.prev_visible_mm;
        st.rq_write.time = r.time.count();
        st.rq_write.site = r.site;
    }
}

bool GuaranteeChecker::keep_report(Property property, Cause cause) {
    const std::uint32_t bit =
        1U << (to_index(property) * cause_names.size() + static_cast<std::size_t>(cause));
    const bool first = (kinds_reported_ & bit) == 0;
    kinds_reported_ |= bit;
    return first || violations_.size() < max_reports;
}

bool GuaranteeChecker::read_saw_mm(const Call& k, int cpu) const {
    return std::any_of(k.reads.begin(), k.reads.end(),
                       [&](const Read& rd) { return rd.cpu == cpu && rd.mm == k.mm; });
}

Cause GuaranteeChecker::cause_of(const Call& k, Property property, int cpu) const {
    const CpuState& st = cpu_[static_cast<std::size_t>(cpu)];
    // P8: no IPI (the read missed the mm), then the mm arrived by kthread_use_mm; a G-SC
    // violation means nothing serialized this CPU since t_a, so that path wrote no CR3.
    if (property == Property::g_sc && st.use_mm_seq > k.a && st.visible_mm == k.mm &&
        !read_saw_mm(k, cpu)) {
        return Cause::kthread_use_mm;
    }
    if (property == Property::g_mb) {
        return stale_rq_cause(k, cpu);
    }
    return Cause::none;
}

Cause GuaranteeChecker::stale_rq_cause(const Call& k, int cpu) const {
    // GLOBAL_EXPEDITED skips a CPU whose runqueue lacks the bit (no read record) although it
    // runs the registered mm; where that stale value came from names the cause.
    const CpuState& st = cpu_[static_cast<std::size_t>(cpu)];
    const bool skipped =
        std::none_of(k.reads.begin(), k.reads.end(), [&](const Read& rd) { return rd.cpu == cpu; });
    if (k.kind != kernel::BarrierCall::global_expedited || !rq_membarrier_state_ || !skipped ||
        st.visible_mm != k.mm || (st.rq_state & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED) != 0) {
        return Cause::none;
    }
    if (st.stale.mm == k.mm) {
        return Cause::registration_race;
    }
    if (st.rq_write.cleared) {
        return st.rq_write.from_mm == k.mm ? Cause::cleared_lazy_cpu : Cause::none;
    }
    // A kernel thread took k.mm after the runqueue's last write, which was not k.mm's state:
    // kthread_use_mm did not copy it, and the CPU has stayed on k.mm since.
    if (st.last_use_mm == k.mm && st.last_use_mm_seq > st.rq_write.seq && st.rq_write.mm != k.mm) {
        return Cause::use_mm_lazy_cpu;
    }
    // Last written with k.mm's state, or never (the switches into k.mm found it equal), before
    // k.mm registered for GLOBAL_EXPEDITED, and the CPU switched into k.mm only after that,
    // without writing it: it was not running k.mm when the refresh looked (it was lazily on it).
    const std::uint64_t registered = global_expedited_seq(k.mm);
    if ((st.rq_write.seq == 0 || st.rq_write.mm == k.mm) && st.rq_write.seq < registered &&
        st.visible_seq > registered) {
        return Cause::registration_lazy_cpu;
    }
    return Cause::none;
}

std::uint64_t GuaranteeChecker::global_expedited_seq(int mm) const {
    return static_cast<std::size_t>(mm) < mms_.size()
               ? mms_[static_cast<std::size_t>(mm)].global_expedited_seq
               : 0;
}

std::string GuaranteeChecker::explain_cause(const Call& k, Cause cause, int cpu) const {
    const CpuState& st = cpu_[static_cast<std::size_t>(cpu)];
    const std::string mm = text_.mm_name(k.mm);
    const std::string skipped = fmt::format(
        "so rq(cpu{})->membarrier_state = {:#x} lacks GLOBAL_EXPEDITED and this call skipped cpu{}",
        cpu, st.rq_state, cpu);
    switch (cause) {
    case Cause::kthread_use_mm:
        return fmt::format("cause: the kthread_use_mm gap (P8): mm {} became cpu{}'s "
                           "membarrier-visible mm through kthread_use_mm at t={}, after t_a={}, "
                           "with no CR3 write and no core sync (its lazy, generation-equal "
                           "path), and the call had not seen mm {} there, so it sent no IPI",
                           mm, cpu, st.use_mm_time, k.t_a, mm);
    case Cause::registration_race:
        return fmt::format("cause: the registration race: {}'s membarrier({}) on cpu{} returned "
                           "at t={} without refreshing its own runqueue (the refresh skipped the "
                           "caller's CPU), {}",
                           text_.task_name(st.stale.task), st.stale.command, cpu, st.stale.time,
                           skipped);
    case Cause::registration_lazy_cpu:
        return fmt::format("cause: a registration missed a lazy CPU: cpu{}'s runqueue holds mm "
                           "{}'s state from before its GLOBAL_EXPEDITED registration ({}), whose "
                           "refresh IPIs went only to CPUs running {}; cpu{} was lazily on it, "
                           "and switching back into {} from lazy mode skips membarrier_switch_mm "
                           "(prev->active_mm == next->mm), {}",
                           cpu, mm,
                           st.rq_write.seq == 0
                               ? std::string("never written since boot")
                               : fmt::format("copied at t={} [{}]", st.rq_write.time,
                                             kernel::fn_name(st.rq_write.site)),
                           mm, cpu, mm, skipped);
    case Cause::cleared_lazy_cpu:
        return fmt::format("cause: a cleared runqueue on a lazy CPU: [{}] cleared "
                           "rq(cpu{})->membarrier_state at t={} while cpu{} stayed lazily on mm "
                           "{}; switching back into {} from lazy mode skips membarrier_switch_mm "
                           "(prev->active_mm == next->mm), {}",
                           kernel::fn_name(st.rq_write.site), cpu, st.rq_write.time, cpu, mm, mm,
                           skipped);
    case Cause::use_mm_lazy_cpu:
        return fmt::format("cause: kthread_use_mm left the runqueue behind: a kernel thread took "
                           "mm {} on cpu{} at t={} without writing rq->membarrier_state (no "
                           "membarrier_update_current_mm), and the CPU has stayed on {} since; "
                           "switching into {} from there skips membarrier_switch_mm "
                           "(prev->active_mm == next->mm), {}",
                           mm, cpu, st.last_use_mm_time, mm, mm, skipped);
    case Cause::none:
        break;
    }
    return "";
}

} // namespace check
