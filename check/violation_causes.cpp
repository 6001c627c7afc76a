#include "check/violation_causes.h"

#include "kernel/kernel_state.h"
#include "kernel/record_kinds.h"

#include <fmt/format.h>

#include <algorithm>

namespace check {

using kernel::Record;
using kernel::RecordKind;

namespace {

bool read_saw_mm(const Call& k, int cpu) {
    return std::any_of(k.reads.begin(), k.reads.end(),
                       [&](const Read& rd) { return rd.cpu == cpu && rd.mm == k.mm; });
}

} // namespace

void CauseTracker::on_record(const Record& r) {
    CpuCauses& st = cpus_[r.cpu];
    const bool use_mm = r.kind == RecordKind::task_mm_store && r.site == kernel::Fn::kthread_use_mm;
    if (history_.changed_visible_mm(r)) {
        st.use_mm_seq = use_mm ? r.seq : 0;
        st.use_mm_time = r.time.count();
    }
    if (use_mm) {
        st.last_use_mm_seq = r.seq;
        st.last_use_mm = r.mm;
        st.last_use_mm_time = r.time.count();
    }
    if (r.kind == RecordKind::rq_membarrier_state) {
        const CpuHistory& h = history_.cpu(r.cpu);
        st.rq_write.seq = r.seq;
        st.rq_write.mm = r.mm;
        st.rq_write.cleared = r.mm < 0;
        st.rq_write.from_mm = h.visible_mm >= 0 ? h.visible_mm : h.prev_visible_mm;
        st.rq_write.time = r.time.count();
        st.rq_write.site = r.site;
        st.stale = StaleRegistration{};
    }
    track_registration(r, st);
}

void CauseTracker::track_registration(const Record& r, CpuCauses& st) {
    if (kernel::rec::is_atomic(r, kernel::AtomicOp::membarrier_state_or)) {
        st.state_or_seq = r.seq;
        return;
    }
    const std::string_view command = History::registration(r);
    if (command.empty()) {
        return;
    }
    // A registration that did its work in this call (not one that found the mm registered and
    // returned at once) and left its own CPU's runqueue without the bits.
    const CpuHistory& h = history_.cpu(r.cpu);
    const std::uint32_t registered = history_.mm(r.mm).registered;
    const bool registered_now = st.state_or_seq > h.last_user_end;
    if (registered_now && (h.rq_state & registered) != registered) {
        st.stale = {r.mm, r.task, r.time.count(), command};
    }
}

Cause CauseTracker::cause_of(const Call& k, Property property, int cpu) const {
    const CpuCauses& st = cpus_[cpu];
    // P8: no IPI (the read missed the mm), then the mm arrived by kthread_use_mm; a G-SC
    // violation means nothing serialized this CPU since t_a, so that path wrote no CR3.
    if (property == Property::g_sc && st.use_mm_seq > k.a && history_.cpu(cpu).visible_mm == k.mm &&
        !read_saw_mm(k, cpu)) {
        return Cause::kthread_use_mm;
    }
    if (property == Property::g_mb) {
        return stale_rq_cause(k, cpu);
    }
    return Cause::none;
}

Cause CauseTracker::stale_rq_cause(const Call& k, int cpu) const {
    // GLOBAL_EXPEDITED skips a CPU whose runqueue lacks the bit (no read record) although it
    // runs the registered mm; where that stale value came from names the cause.
    const CpuCauses& st = cpus_[cpu];
    const CpuHistory& h = history_.cpu(cpu);
    const bool skipped =
        std::none_of(k.reads.begin(), k.reads.end(), [&](const Read& rd) { return rd.cpu == cpu; });
    if (k.kind != kernel::BarrierCall::global_expedited || !rq_membarrier_state_ || !skipped ||
        h.visible_mm != k.mm || (h.rq_state & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED) != 0) {
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
    const std::uint64_t registered = history_.mm(k.mm).global_expedited_seq;
    if ((st.rq_write.seq == 0 || st.rq_write.mm == k.mm) && st.rq_write.seq < registered &&
        h.visible_seq > registered) {
        return Cause::registration_lazy_cpu;
    }
    return Cause::none;
}

std::string CauseTracker::explain(const Call& k, Cause cause, int cpu,
                                  const kernel::RecordText& text) const {
    const CpuCauses& st = cpus_[cpu];
    const std::string mm = text.mm_name(k.mm);
    const std::string skipped = fmt::format(
        "so rq(cpu{})->membarrier_state = {:#x} lacks GLOBAL_EXPEDITED and this call skipped cpu{}",
        cpu, history_.cpu(cpu).rq_state, cpu);
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
                           text.task_name(st.stale.task), st.stale.command, cpu, st.stale.time,
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
    case Cause::count_:
        break;
    }
    return "";
}

} // namespace check
