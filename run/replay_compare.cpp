#include "run/replay_compare.h"

#include "kernel/kernel_state.h"
#include "kernel/record_kinds.h"

#include <fmt/format.h>

namespace run {

using ftrace::Cr3Outcome;
using kernel::Record;
using kernel::RecordKind;

std::string_view replay_outcome_key(ReplayOutcome o) {
    switch (o) {
    case ReplayOutcome::ctxsw_total:
        return "ctxsw.total";
    case ReplayOutcome::cr3_flush:
        return "cr3.write.flush";
    case ReplayOutcome::cr3_noflush:
        return "cr3.write.noflush";
    case ReplayOutcome::ipi_membarrier:
        return "ipi.membarrier";
    case ReplayOutcome::ipi_tlb:
        return "ipi.tlb";
    }
    return "?";
}

std::array<ReplayOutcome, replay_outcome_count> all_replay_outcomes() {
    return {ReplayOutcome::ctxsw_total, ReplayOutcome::cr3_flush, ReplayOutcome::cr3_noflush,
            ReplayOutcome::ipi_membarrier, ReplayOutcome::ipi_tlb};
}

std::string_view cr3_outcome_name(Cr3Outcome o) {
    switch (o) {
    case Cr3Outcome::none:
        return "none";
    case Cr3Outcome::noflush:
        return "noflush";
    case Cr3Outcome::flush:
        return "flush";
    }
    return "?";
}

void OutcomeCounts::add(ReplayOutcome o, int cpu, std::int64_t n) {
    total[static_cast<std::size_t>(o)] += n;
    if (cpu >= 0) {
        if (per_cpu.size() <= static_cast<std::size_t>(cpu)) {
            per_cpu.resize(static_cast<std::size_t>(cpu) + 1);
        }
        per_cpu[static_cast<std::size_t>(cpu)][static_cast<std::size_t>(o)] += n;
    }
}

namespace {

ReplayOutcome cr3_outcome_counter(bool flush) {
    return flush ? ReplayOutcome::cr3_flush : ReplayOutcome::cr3_noflush;
}

void count_observed_ipi(OutcomeCounts& c, const ftrace::Ipi& ipi) {
    const auto n = static_cast<std::int64_t>(ipi.targets.size());
    if (ipi.kind == ftrace::IpiKind::membarrier) {
        c.add(ReplayOutcome::ipi_membarrier, ipi.cpu, n);
    } else if (ipi.kind == ftrace::IpiKind::tlb) {
        c.add(ReplayOutcome::ipi_tlb, ipi.cpu, n);
    }
}

/// Searching a CPU's recorded switches for the one the model makes: how far ahead.
constexpr std::size_t match_window = 64;

} // namespace

OutcomeCounts observed_outcomes(const ftrace::Workload& w) {
    OutcomeCounts c;
    c.per_cpu.resize(static_cast<std::size_t>(std::max(w.cpus, 0)));
    for (const ftrace::Switch& s : w.switches) {
        c.add(ReplayOutcome::ctxsw_total, s.cpu);
        if (s.observed != Cr3Outcome::none) {
            c.add(cr3_outcome_counter(s.observed == Cr3Outcome::flush), s.cpu);
        }
    }
    for (const ftrace::Cr3Write& cw : w.cr3_writes) {
        c.add(cr3_outcome_counter(cw.flush), cw.cpu);
    }
    for (const ftrace::Ipi& ipi : w.ipis) {
        count_observed_ipi(c, ipi);
    }
    return c;
}

ReplayComparator::ReplayComparator(const ftrace::Workload& w, const ReplayScenario& rs)
    : w_(w), rs_(rs), calls_(w) {}

void ReplayComparator::on_start(const kernel::KernelState& ks, const kernel::Trace& trace) {
    (void)trace;
    cpus_ = static_cast<int>(ks.rqs.size());
    state_.assign(static_cast<std::size_t>(cpus_), {});
    predicted_.per_cpu.resize(static_cast<std::size_t>(cpus_));
    const auto& schedule = rs_.scenario.directed_schedule;
    for (std::size_t d = 0; d < schedule.size(); ++d) {
        state_[static_cast<std::size_t>(schedule[d].cpu)].plan.push_back({d, schedule[d].thread});
    }
    made_.assign(schedule.size(), false);
    outcome_.assign(schedule.size(), Cr3Outcome::none);
    reason_.assign(schedule.size(), {});
    thread_of_task_.clear();
    for (const auto& t : ks.tasks) {
        thread_of_task_.push_back(t->thread);
    }
    ks_ = &ks;
    calls_.start(ks);
    lookups_.by_cpu.assign(static_cast<std::size_t>(cpus_), {});
    lookups_.init_mm = ks.init_mm->id;
    lookups_.first_mm_of.clear();
    for (const auto& mm : ks.mms) {
        const bool first = mm->kind == kernel::MmKind::user && mm->generation == 0;
        lookups_.first_mm_of.push_back(first ? mm->process : -1);
    }
}

void ReplayComparator::on_record(const Record& r) {
    if (r.kind == RecordKind::cr3_write && r.site == kernel::Fn::switch_mm_irqs_off && r.cpu >= 0) {
        note_lookup(r);
    }
    if (r.time.count() < rs_.options.lead_cycles || r.cpu < 0) {
        return; // setting the CPUs up, before the recording's time 0
    }
    CpuState& cpu = state_[static_cast<std::size_t>(r.cpu)];
    switch (r.kind) {
    case RecordKind::rq_curr_store:
        return switch_starts(r);
    case RecordKind::context_switch:
        return switch_ends(cpu);
    case RecordKind::cr3_write:
        if (r.site == kernel::Fn::switch_mm_irqs_off && !(cpu.open && cpu.current.unobserved)) {
            predicted_.add(cr3_outcome_counter(kernel::rec::cr3_flushes(r)), r.cpu);
        }
        return switch_record(r, cpu);
    case RecordKind::switch_mm_same:
    case RecordKind::enter_lazy:
        return switch_record(r, cpu);
    case RecordKind::ipi_send:
        calls_.on_record(r);
        return count_ipi(r);
    case RecordKind::membarrier_read:
    case RecordKind::membarrier_return:
        return calls_.on_record(r);
    default:
        return;
    }
}

void ReplayComparator::switch_starts(const Record& r) {
    CpuState& cpu = state_[static_cast<std::size_t>(r.cpu)];
    const int next = kernel::rec::next_task(r);
    const int thread = thread_of_task_[static_cast<std::size_t>(next)];
    cpu.open = true;
    cpu.current = {};
    cpu.current.reason = "no CR3 write";
    const std::size_t limit = std::min(cpu.plan.size(), cpu.cursor + match_window);
    for (std::size_t j = cpu.cursor; j < limit; ++j) {
        if (cpu.plan[j].thread == thread) {
            cpu.cursor = j + 1;
            cpu.current.directed = static_cast<std::int64_t>(cpu.plan[j].directed);
            cpu.current.unobserved =
                rs_.recorded_switch[cpu.plan[j].directed] == ReplayScenario::npos;
            break;
        }
    }
    unplanned_ += cpu.current.directed < 0 ? 1 : 0;
    if (!cpu.current.unobserved) {
        predicted_.add(ReplayOutcome::ctxsw_total, r.cpu);
    }
}

void ReplayComparator::switch_record(const Record& r, CpuState& cpu) {
    if (!cpu.open) {
        return;
    }
    const std::string mm =
        r.mm >= 0 ? ks_->mms[static_cast<std::size_t>(r.mm)]->name : std::string("-");
    if (r.kind == RecordKind::cr3_write && r.site == kernel::Fn::switch_mm_irqs_off) {
        const bool flush = kernel::rec::cr3_flushes(r);
        cpu.current.outcome = flush ? Cr3Outcome::flush : Cr3Outcome::noflush;
        cpu.current.reason =
            fmt::format("CR3 write of {} with PCID {}: {}", mm, kernel::rec::cr3_pcid(r),
                        flush ? "flush (a new ASID slot, or the slot's tlb_gen behind the mm's)"
                              : "NOFLUSH (the mm's ASID slot is current)");
    } else if (r.kind == RecordKind::switch_mm_same) {
        cpu.current.reason = fmt::format("same mm {} already loaded: no CR3 write", mm);
    } else if (r.kind == RecordKind::enter_lazy) {
        cpu.current.reason = fmt::format("kernel thread: enter_lazy_tlb keeps {} loaded", mm);
    }
}

void ReplayComparator::switch_ends(CpuState& cpu) {
    if (!cpu.open) {
        return;
    }
    cpu.open = false;
    if (cpu.current.directed >= 0) {
        const auto d = static_cast<std::size_t>(cpu.current.directed);
        made_[d] = true;
        outcome_[d] = cpu.current.outcome;
        reason_[d] = std::move(cpu.current.reason);
    }
}

void ReplayComparator::note_lookup(const Record& r) {
    const CpuState& cpu = state_[static_cast<std::size_t>(r.cpu)];
    AsidLookup l{r.mm, kernel::rec::cr3_pcid(r), kernel::rec::cr3_flushes(r),
                 r.time.count() < rs_.options.lead_cycles, ReplayScenario::npos};
    l.in_switch = !l.lead && cpu.open;
    if (l.in_switch && cpu.current.directed >= 0) {
        l.recorded = rs_.recorded_switch[static_cast<std::size_t>(cpu.current.directed)];
    }
    lookups_.by_cpu[static_cast<std::size_t>(r.cpu)].push_back(l);
}

void ReplayComparator::count_ipi(const Record& r) {
    switch (kernel::rec::ipi_kind(r)) {
    case kernel::IpiKind::membarrier:
    case kernel::IpiKind::sync_rq_state:
        return predicted_.add(ReplayOutcome::ipi_membarrier, r.cpu);
    case kernel::IpiKind::tlb:
        return predicted_.add(ReplayOutcome::ipi_tlb, r.cpu);
    case kernel::IpiKind::resched:
        return;
    }
}

ReplayComparison ReplayComparator::result() const {
    ReplayComparison c;
    c.observed = observed_outcomes(w_);
    c.predicted = predicted_;
    c.unplanned = unplanned_;
    c.calls = calls_.result();
    for (std::size_t d = 0; d < rs_.recorded_switch.size(); ++d) {
        const std::size_t i = rs_.recorded_switch[d];
        if (i == ReplayScenario::npos) {
            continue;
        }
        const ftrace::Switch& s = w_.switches[i];
        ++c.switches;
        if (made_[d] && outcome_[d] == s.observed) {
            ++c.agreed;
            continue;
        }
        c.not_replayed += made_[d] ? 0 : 1;
        c.mismatches.push_back(
            {i, s.line, s.cpu, s.observed, made_[d] ? outcome_[d] : Cr3Outcome::none, made_[d],
             made_[d] ? reason_[d]
                      : "not replayed: its task was still busy or had exited in the model"});
    }
    return c;
}

} // namespace run
