#include "check/tlb_checker.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

#include <algorithm>

namespace check {

using kernel::Record;
using kernel::RecordKind;
namespace rec = kernel::rec;

TlbChecker::MmState& TlbChecker::mm_state(int mm) {
    return mms_[mm];
}

void TlbChecker::move_loaded(int cpu, int old, int mm) {
    if (old == mm) {
        return;
    }
    if (old >= 0) {
        std::erase(mm_state(old).loaded_on, cpu);
    }
    if (mm >= 0) {
        std::vector<int>& on = mm_state(mm).loaded_on;
        on.insert(std::upper_bound(on.begin(), on.end(), cpu), cpu);
    }
}

bool TlbChecker::was_reported(const MmState& ms, int cpu) {
    return std::find(ms.reported.begin(), ms.reported.end(), cpu) != ms.reported.end();
}

void TlbChecker::on_record(const Record& r) {
    CpuState& st = cpus_[r.cpu];
    switch (r.kind) {
    case RecordKind::cr3_write:
        // PTI's switches between the kernel and user PCIDs of the loaded ASID carry no
        // generation (-1): they keep the ASID's TLB context and so its generation.
        if (rec::tlb_context_gen(r) >= 0 || r.mm != st.loaded_mm) {
            st.ctx_gen = rec::tlb_context_gen(r);
        }
        move_loaded(r.cpu, st.loaded_mm, r.mm);
        st.loaded_mm = r.mm;
        st.leaving_mm = false;
        if (rec::cr3_flushes(r) && rec::tlb_context_gen(r) >= 0) {
            st.missed = {}; // caught up: a skipped IPI no longer explains a stale context
        }
        break;
    case RecordKind::atomic:
        // switch_mm_irqs_off() clears this CPU from prev's mm_cpumask, then writes CR3 with IRQs
        // off and no user access in between: the kernel lets flushes skip it from that point.
        if (rec::atomic_op(r) == kernel::AtomicOp::cpumask_clear_cpu && r.mm == st.loaded_mm) {
            st.leaving_mm = true;
        }
        break;
    case RecordKind::tlb_flush:
        st.ctx_gen = rec::tlb_context_gen(r);
        st.missed = {};
        break;
    case RecordKind::lazy_read_missed:
        lazy_read_missed(r);
        break;
    case RecordKind::loaded_mm_read_missed:
        loaded_mm_read_missed(r);
        break;
    case RecordKind::return_to_user:
        return_to_user(r);
        break;
    case RecordKind::flush_done:
        flush_done(r);
        break;
    default:
        break;
    }
}

void TlbChecker::return_to_user(const Record& r) {
    if (r.mm < 0) {
        return;
    }
    MmState& ms = mm_state(r.mm);
    const std::int64_t ctx_gen = rec::tlb_context_gen(r);
    if (ctx_gen < 0 || ctx_gen >= ms.flushed_gen || was_reported(ms, r.cpu)) {
        return;
    }
    ms.reported.push_back(r.cpu);
    findings_.report(Property::g_tlb, r.cpu, r.time.count(), text_.task_name(r.task),
                     fmt::format("flush_tlb_mm_range of mm {} to generation {} (done at t={})",
                                 text_.mm_name(r.mm), ms.flushed_gen, ms.flush_time),
                     chain(r.cpu, r.mm,
                           fmt::format("cpu{} returned to user mode of mm {} at t={} on a TLB "
                                       "context of generation {}, older than the completed flush",
                                       r.cpu, text_.mm_name(r.mm), r.time.count(), ctx_gen)));
}

void TlbChecker::lazy_read_missed(const Record& r) {
    if (rec::lazy_read_value(r)) { // read lazy, while it had stored not lazy: no IPI
        cpus_[rec::lazy_read_cpu(r)].missed = {.mm = r.mm, .reader = r.cpu, .time = r.time.count()};
    }
}

void TlbChecker::loaded_mm_read_missed(const Record& r) {
    if (!rec::loaded_mm_read_flush(r)) { // read another mm, while it had stored this one: no IPI
        cpus_[rec::loaded_mm_read_cpu(r)].missed = {.mm = r.mm,
                                                    .reader = r.cpu,
                                                    .time = r.time.count(),
                                                    .loaded_mm = true,
                                                    .read = rec::loaded_mm_read_value(r),
                                                    .newest = rec::loaded_mm_read_newest(r)};
    }
}

std::string TlbChecker::missed_read_line(int cpu, const MissedRead& missed) const {
    if (missed.loaded_mm) {
        return fmt::format("cpu{}: the shootdown on cpu{} read its loaded_mm at t={} as {} from "
                           "memory: loaded_mm = {} was still in cpu{}'s store buffer, so no flush "
                           "IPI",
                           cpu, missed.reader, missed.time, text_.loaded_mm_name(missed.read),
                           text_.loaded_mm_name(missed.newest), cpu);
    }
    return fmt::format("cpu{}: the shootdown on cpu{} read its is_lazy at t={} as true from "
                       "memory: is_lazy = false was still in cpu{}'s store buffer, so no flush IPI",
                       cpu, missed.reader, missed.time, cpu);
}

std::vector<std::string> TlbChecker::chain(int cpu, int mm, std::string first) const {
    std::vector<std::string> lines{std::move(first)};
    const MissedRead& missed = cpus_[cpu].missed;
    if (missed.mm == mm) {
        lines.push_back(missed_read_line(cpu, missed));
    }
    return lines;
}

void TlbChecker::flush_done(const Record& r) {
    MmState& ms = mm_state(r.mm);
    const std::int64_t gen = rec::flushed_gen(r);
    const bool freed_tables = rec::freed_tables(r);
    ms.flushed_gen = std::max(ms.flushed_gen, gen);
    ms.flush_time = r.time.count();
    ms.reported.clear();
    for (std::size_t i = 0; i < ms.loaded_on.size(); ++i) {
        const int c = ms.loaded_on[i];
        const CpuState& cs = cpus_[c];
        const UserInterval& user = history_.cpu(c).user;
        const bool stale = cs.loaded_mm == r.mm && cs.ctx_gen < gen && !cs.leaving_mm;
        const bool running = user.active && user.mm == r.mm;
        if (!stale || !(running || freed_tables)) {
            continue;
        }
        ms.reported.push_back(c);
        findings_.report(
            Property::g_tlb, c, r.time.count(), text_.task_name(running ? user.task : -1),
            fmt::format("flush_tlb_mm_range of mm {} to generation {}{} on cpu{}",
                        text_.mm_name(r.mm), gen, freed_tables ? " (page tables freed)" : "",
                        r.cpu),
            chain(c, r.mm,
                  fmt::format("when it returned at t={}, cpu{} still had mm {} loaded on a TLB "
                              "context of generation {}{}",
                              r.time.count(), c, text_.mm_name(r.mm), cs.ctx_gen,
                              running ? ", running its user code" : "")));
    }
}

} // namespace check
