#include "check/guarantee_checker.h"

#include "check/counter_catalog.h"
#include "kernel/kernel_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace check {

using kernel::Record;
using kernel::RecordKind;

namespace {

constexpr std::size_t history = 48;

/// Records worth showing in an explanation (barriers from locks are summarised, not listed).
bool explains(const Record& r) {
    switch (r.kind) {
    case RecordKind::kernel_entry:
    case RecordKind::return_to_user:
    case RecordKind::irq_return:
    case RecordKind::rq_curr_store:
    case RecordKind::task_mm_store:
    case RecordKind::cr3_write:
    case RecordKind::sync_core:
    case RecordKind::smp_mb:
    case RecordKind::enter_lazy:
    case RecordKind::unlazy:
    case RecordKind::ipi_handler:
    case RecordKind::invlpg:
        return true;
    case RecordKind::atomic:
        return static_cast<kernel::AtomicOp>(r.detail) == kernel::AtomicOp::mmdrop;
    default:
        return false;
    }
}

} // namespace

GuaranteeChecker::GuaranteeChecker(int cpus)
    : cpus_(cpus), cpu_(static_cast<std::size_t>(cpus)), counts_(static_cast<std::size_t>(cpus)),
      warning_counts_(static_cast<std::size_t>(cpus)) {}

void GuaranteeChecker::on_start(const kernel::KernelState& ks, const kernel::Trace& trace) {
    (void)trace;
    ks_ = &ks;
    text_.attach(ks);
}

std::int64_t GuaranteeChecker::count(Property property, int cpu) const {
    return counts_[static_cast<std::size_t>(cpu)][property];
}

std::string GuaranteeChecker::command_name(const Call& k) const {
    switch (k.kind) {
    case kernel::BarrierCall::private_expedited:
        return "private_expedited";
    case kernel::BarrierCall::sync_core:
        return "private_expedited_sync_core";
    case kernel::BarrierCall::rseq:
        return "private_expedited_rseq";
    case kernel::BarrierCall::global_expedited:
        return "global_expedited";
    case kernel::BarrierCall::global:
        return "global";
    }
    return "?";
}

std::string GuaranteeChecker::call_name(const Call& k) const {
    return fmt::format("membarrier({}) by {} on cpu{} for mm {}", command_name(k),
                       text_.task_name(k.t0), k.c0, text_.mm_name(k.mm));
}

void GuaranteeChecker::on_record(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    if (explains(r)) {
        st.recent.push_back(r);
        if (st.recent.size() > history) {
            st.recent.pop_front();
        }
    }
    if (kernel::is_full_barrier(r)) {
        st.last_fb = r.seq;
    }
    if (kernel::is_serializing(r)) {
        st.last_ser = r.seq;
    }
    open_calls_barrier(r);
    closed_calls_barrier(r);
    check_tlb(r);
    check_ref(r);
    check_mechanisms(r);
    track_causes(r);
    switch (r.kind) {
    case RecordKind::barrier_call_start:
        start_call(r);
        break;
    case RecordKind::barrier_call_end:
        end_call(r);
        break;
    case RecordKind::membarrier_read:
        for (const std::uint64_t key : open_keys(open_by_caller_, r.task)) {
            Call& k = calls_.at(key);
            if (!k.ended) {
                k.reads.push_back({r.other, r.time.count(), static_cast<int>(r.value), r.mm});
                // K1: a CPU seen running the mm must run the handler before t_b (the caller's
                // own CPU only for SYNC_CORE: its own barriers serve plain calls).
                const bool private_call = k.kind == kernel::BarrierCall::private_expedited ||
                                          k.kind == kernel::BarrierCall::sync_core ||
                                          k.kind == kernel::BarrierCall::rseq;
                if (private_call && r.mm == k.mm && (r.other != k.c0 || sync_core(k))) {
                    k.k1_need_fb[static_cast<std::size_t>(r.other)] = 1;
                    k.k1_need_ser[static_cast<std::size_t>(r.other)] = sync_core(k) ? 1 : 0;
                    cpu_[static_cast<std::size_t>(r.other)].open_owed.push_back(key);
                }
            }
        }
        break;
    case RecordKind::return_to_user:
        on_user_start(r);
        break;
    case RecordKind::kernel_entry:
        on_user_end(r);
        break;
    default:
        break;
    }
}

void GuaranteeChecker::start_call(const Record& r) {
    Call k;
    k.id = r.value;
    k.kind = static_cast<kernel::BarrierCall>(r.detail);
    k.mm = r.mm;
    k.t0 = r.task;
    k.c0 = r.cpu;
    k.cpu_filter = r.other;
    k.a = r.seq;
    k.t_a = r.time.count();
    k.need_b.assign(static_cast<std::size_t>(cpus_), NeedB::none);
    k.reported.assign(static_cast<std::size_t>(cpus_), 0);
    k.sc_pending.assign(static_cast<std::size_t>(cpus_), 0);
    k.k1_need_fb.assign(static_cast<std::size_t>(cpus_), 0);
    k.k1_need_ser.assign(static_cast<std::size_t>(cpus_), 0);
    for (int c = 0; c < cpus_; ++c) {
        if (!covers(k, c)) {
            continue;
        }
        const CpuState& st = cpu_[static_cast<std::size_t>(c)];
        // User code of mm running before t_a must be followed by an [FB] on its CPU by t_b.
        if (st.user.active && st.user.mm == k.mm && st.user.task != k.t0) {
            k.need_b[static_cast<std::size_t>(c)] = NeedB::open;
            cpu_[static_cast<std::size_t>(c)].need_open.push_back(k.a);
        } else if (st.last_user.active && st.last_user.mm == k.mm && st.last_user.task != k.t0 &&
                   st.last_user_end > st.last_fb) {
            k.need_b[static_cast<std::size_t>(c)] = NeedB::pending_fb;
            cpu_[static_cast<std::size_t>(c)].open_owed.push_back(k.a);
        }
    }
    const std::uint64_t key = k.a;
    open_by_caller_[k.t0].push_back(key);
    open_by_mm_[k.mm].push_back(key);
    calls_.emplace(key, std::move(k));
}

void GuaranteeChecker::end_call(const Record& r) {
    for (const std::uint64_t key : open_keys(open_by_caller_, r.task)) {
        Call& k = calls_.at(key);
        if (k.id != r.value || k.ended) {
            continue;
        }
        k.ended = true;
        k.b = r.seq;
        k.t_b = r.time.count();
        for (int c = 0; c < cpus_; ++c) {
            if (k.k1_need_fb[static_cast<std::size_t>(c)] ||
                k.k1_need_ser[static_cast<std::size_t>(c)]) {
                warn(MechanismRule::k1, c,
                     fmt::format("K1 on cpu{}: {} read rq->curr->mm == {} there but no {} ran on "
                                 "cpu{} before t_b={}",
                                 c, call_name(k), text_.mm_name(k.mm),
                                 k.k1_need_fb[static_cast<std::size_t>(c)]
                                     ? "full barrier"
                                     : "serializing instruction",
                                 c, k.t_b));
            }
        }
        for (int c = 0; c < cpus_; ++c) {
            const NeedB need = k.need_b[static_cast<std::size_t>(c)];
            if (need == NeedB::none) {
                continue;
            }
            const CpuState& st = cpu_[static_cast<std::size_t>(c)];
            const UserInterval& u = need == NeedB::open ? st.user : st.last_user;
            violate(k, Property::g_mb, c, u.start_time, u.task,
                    need == NeedB::open
                        ? fmt::format("{} was still running user code of mm {} at t_b={}, with no "
                                      "full barrier on cpu{} since t_a={}",
                                      text_.task_name(u.task), text_.mm_name(k.mm), k.t_b, c, k.t_a)
                        : fmt::format("no full barrier on cpu{} between {}'s last user "
                                      "instruction and t_b={}",
                                      c, text_.task_name(u.task), k.t_b));
            k.need_b[static_cast<std::size_t>(c)] = NeedB::none;
        }
    }
}

void GuaranteeChecker::on_user_start(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    st.user = {true, r.seq, r.time.count(), r.task, r.mm};
    // The caller's own calls: its first return after t_b is t_r.
    std::vector<std::uint64_t> returned;
    for (const std::uint64_t key : open_keys(open_by_caller_, r.task)) {
        Call& k = calls_.at(key);
        if (k.ended && !k.returned) {
            caller_returns(k, r);
            returned.push_back(key);
        }
    }
    // Other threads' user code of a call's mm. (G-SC starts at t_r, when a call closes.)
    for (const std::uint64_t key : open_keys(open_by_mm_, r.mm)) {
        Call& k = calls_.at(key);
        if (k.t0 == r.task || !covers(k, r.cpu)) {
            continue;
        }
        const bool fb_since_a = st.last_fb >= k.a; // "A": an [FB] in [t_a, x]
        if (!k.ended) {
            if (!fb_since_a) {
                k.need_b[static_cast<std::size_t>(r.cpu)] = NeedB::open;
                st.need_open.push_back(key);
            }
        } else if (!fb_since_a) {
            violate(k, Property::g_mb, r.cpu, r.time.count(), r.task,
                    fmt::format("{} returned to user mode of mm {} with no full barrier on cpu{} "
                                "since t_a={}",
                                text_.task_name(r.task), text_.mm_name(k.mm), r.cpu, k.t_a));
        }
    }
    closed_calls_user_start(r);
    for (const std::uint64_t key : returned) {
        close_call(key);
    }
}

void GuaranteeChecker::on_user_end(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    if (!st.user.active) {
        return;
    }
    st.last_user = st.user;
    st.last_user_end = r.seq;
    st.user.active = false;
    for (const std::uint64_t key : st.need_open) {
        const auto it = calls_.find(key);
        if (it == calls_.end()) {
            continue;
        }
        auto& need = it->second.need_b[static_cast<std::size_t>(r.cpu)];
        if (!it->second.ended && need == NeedB::open) {
            need = NeedB::pending_fb;
            st.open_owed.push_back(key);
        }
    }
    st.need_open.clear();
}

void GuaranteeChecker::caller_returns(Call& k, const Record& r) {
    k.returned = true;
    k.r = r.seq;
    k.t_r = r.time.count();
    if (!sync_core(k)) {
        return;
    }
    // G-SC-SELF: the caller's own first instruction after the call.
    if (cpu_[static_cast<std::size_t>(r.cpu)].last_ser < k.a) {
        violate(k, Property::g_sc_self, r.cpu, r.time.count(), r.task,
                fmt::format("the caller {} returned by {} with no serializing instruction on "
                            "cpu{} since t_a={}",
                            text_.task_name(r.task),
                            kernel::return_insn_name(static_cast<kernel::ReturnInsn>(r.detail)),
                            r.cpu, k.t_a));
    }
    // G-SC: every other CPU's first instruction of mm at or after t_r.
    for (int c = 0; c < cpus_; ++c) {
        if (!covers(k, c)) {
            continue;
        }
        const CpuState& st = cpu_[static_cast<std::size_t>(c)];
        if (st.last_ser >= k.a) {
            continue; // whatever runs next is preceded by that [SER]
        }
        if (st.user.active && st.user.mm == k.mm && st.user.task != k.t0) {
            violate(k, Property::g_sc, c, k.t_r, st.user.task,
                    fmt::format("{} was running user code of mm {} at t_r={} with no serializing "
                                "instruction on cpu{} since t_a={}",
                                text_.task_name(st.user.task), text_.mm_name(k.mm), k.t_r, c,
                                k.t_a));
            continue;
        }
        set_sc_pending(k, c, true);
    }
}

void GuaranteeChecker::violate(Call& k, Property property, int cpu, std::int64_t time, int task,
                               const std::string& why) {
    auto& reported = k.reported[static_cast<std::size_t>(cpu)];
    const auto bit = static_cast<std::uint8_t>(1U << to_index(property));
    if (reported & bit) {
        return;
    }
    reported = static_cast<std::uint8_t>(reported | bit);
    ++counts_[static_cast<std::size_t>(cpu)][property];
    const Cause cause = cause_of(k, property, cpu);
    if (!keep_report(property, cause)) {
        return;
    }
    Violation v;
    v.cause = cause;
    v.property = std::string(name(property));
    v.cpu = cpu;
    v.time = time;
    v.task = text_.task_name(task);
    v.call = call_name(k);
    v.t_a = k.t_a;
    v.t_b = k.t_b;
    v.t_r = k.t_r;
    for (const auto& rd : k.reads) {
        if (rd.cpu != cpu) {
            continue;
        }
        v.chain.push_back(
            fmt::format("cpu{}: rq->curr was {} (mm {}) when the caller read it at t={}, so {}",
                        cpu, text_.task_name(rd.task), text_.mm_name(rd.mm), rd.time,
                        rd.mm == k.mm ? "it was sent the IPI" : "no IPI"));
    }
    for (const auto& rec : cpu_[static_cast<std::size_t>(cpu)].recent) {
        if (rec.seq < k.a) {
            continue;
        }
        // The site says which branch: an smp_mb in switch_mm_irqs_off is its lazy path.
        v.chain.push_back(fmt::format("cpu{} t={} {}: {}{}", cpu, rec.time.count(),
                                      text_.task_name(rec.task), text_.describe(rec),
                                      rec.site == kernel::Fn::none
                                          ? std::string()
                                          : fmt::format(" [{}]", kernel::fn_name(rec.site))));
    }
    v.chain.push_back(why);
    if (cause != Cause::none) {
        v.chain.push_back(explain_cause(k, cause, cpu));
    }
    violations_.push_back(std::move(v));
}

GuaranteeChecker::MmState& GuaranteeChecker::mm_state(int mm) {
    if (static_cast<std::size_t>(mm) >= mms_.size()) {
        mms_.resize(static_cast<std::size_t>(mm) + 1);
    }
    MmState& s = mms_[static_cast<std::size_t>(mm)];
    if (s.tlb_reported.empty()) {
        s.tlb_reported.assign(static_cast<std::size_t>(cpus_), 0);
    }
    return s;
}

void GuaranteeChecker::report(Property property, int cpu, std::int64_t time, int task,
                              std::string what, std::vector<std::string> chain) {
    ++counts_[static_cast<std::size_t>(cpu)][property];
    if (!keep_report(property, Cause::none)) {
        return;
    }
    Violation v;
    v.property = std::string(name(property));
    v.cpu = cpu;
    v.time = time;
    v.task = text_.task_name(task);
    v.call = std::move(what);
    v.chain = std::move(chain);
    violations_.push_back(std::move(v));
}

void GuaranteeChecker::check_tlb(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    switch (r.kind) {
    case RecordKind::cr3_write:
        // PTI's switches between the kernel and user PCIDs of the loaded ASID carry no
        // generation (-1): they keep the ASID's TLB context and so its generation.
        if (r.gen >= 0 || r.mm != st.loaded_mm) {
            st.ctx_gen = r.gen;
        }
        st.loaded_mm = r.mm;
        st.leaving_mm = false;
        break;
    case RecordKind::atomic:
        // switch_mm_irqs_off() clears this CPU from prev's mm_cpumask, then writes CR3 with IRQs
        // off and no user access in between: the kernel lets flushes skip it from that point.
        if (static_cast<kernel::AtomicOp>(r.detail) == kernel::AtomicOp::cpumask_clear_cpu &&
            r.mm == st.loaded_mm) {
            st.leaving_mm = true;
        }
        break;
    case RecordKind::tlb_flush:
        st.ctx_gen = r.gen;
        break;
    case RecordKind::return_to_user: {
        if (r.mm < 0) {
            break;
        }
        MmState& ms = mm_state(r.mm);
        if (r.gen >= 0 && r.gen < ms.flushed_gen &&
            !ms.tlb_reported[static_cast<std::size_t>(r.cpu)]) {
            ms.tlb_reported[static_cast<std::size_t>(r.cpu)] = 1;
            report(Property::g_tlb, r.cpu, r.time.count(), r.task,
                   fmt::format("flush_tlb_mm_range of mm {} to generation {} (done at t={})",
                               text_.mm_name(r.mm), ms.flushed_gen, ms.flush_time),
                   {fmt::format("cpu{} returned to user mode of mm {} at t={} on a TLB context of "
                                "generation {}, older than the completed flush",
                                r.cpu, text_.mm_name(r.mm), r.time.count(), r.gen)});
        }
        break;
    }
    case RecordKind::flush_done: {
        MmState& ms = mm_state(r.mm);
        ms.flushed_gen = std::max(ms.flushed_gen, r.gen);
        ms.flush_time = r.time.count();
        std::fill(ms.tlb_reported.begin(), ms.tlb_reported.end(), 0);
        for (int c = 0; c < cpus_; ++c) {
            const CpuState& cs = cpu_[static_cast<std::size_t>(c)];
            const bool stale = cs.loaded_mm == r.mm && cs.ctx_gen < r.gen && !cs.leaving_mm;
            const bool running = cs.user.active && cs.user.mm == r.mm;
            if (stale && (running || r.flag)) {
                ms.tlb_reported[static_cast<std::size_t>(c)] = 1;
                report(Property::g_tlb, c, r.time.count(), running ? cs.user.task : -1,
                       fmt::format("flush_tlb_mm_range of mm {} to generation {}{} on cpu{}",
                                   text_.mm_name(r.mm), r.gen, r.flag ? " (page tables freed)" : "",
                                   r.cpu),
                       {fmt::format("when it returned at t={}, cpu{} still had mm {} loaded on a "
                                    "TLB context of generation {}{}",
                                    r.time.count(), c, text_.mm_name(r.mm), cs.ctx_gen,
                                    running ? ", running its user code" : "")});
            }
        }
        break;
    }
    default:
        break;
    }
}

void GuaranteeChecker::check_ref(const Record& r) {
    if (r.kind == RecordKind::mm_free) {
        MmState& ms = mm_state(r.mm);
        ms.freed = true;
        if (r.value > 0 && !ms.ref_reported) {
            ms.ref_reported = true;
            report(Property::g_ref, r.cpu, r.time.count(), r.task,
                   fmt::format("mm {}", text_.mm_name(r.mm)),
                   {fmt::format("__mmdrop freed mm {} at t={} while {} task(s) or CPU(s) still "
                                "used it",
                                text_.mm_name(r.mm), r.time.count(), r.value)});
        }
        return;
    }
    const bool uses = r.kind == RecordKind::cr3_write || r.kind == RecordKind::return_to_user ||
                      r.kind == RecordKind::rq_curr_store || r.kind == RecordKind::task_mm_store;
    if (!uses || r.mm < 0) {
        return;
    }
    MmState& ms = mm_state(r.mm);
    if (ms.freed && !ms.ref_reported) {
        ms.ref_reported = true;
        report(Property::g_ref, r.cpu, r.time.count(), r.task,
               fmt::format("mm {}", text_.mm_name(r.mm)),
               {fmt::format("cpu{} used mm {} after it was freed: {}", r.cpu, text_.mm_name(r.mm),
                            text_.describe(r))});
    }
}

void GuaranteeChecker::warn(MechanismRule rule, int cpu, std::string text) {
    ++warning_count_;
    ++warning_counts_[static_cast<std::size_t>(cpu)][rule];
    if (warnings_.size() < max_reports) {
        warnings_.push_back(std::move(text));
    }
}

void GuaranteeChecker::check_mechanisms(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    if (kernel::is_full_barrier(r)) {
        st.k2_need_fb = false;
    }
    if (kernel::is_serializing(r)) {
        st.k2_need_ser = false;
    }
    switch (r.kind) {
    case RecordKind::rq_curr_store:
    case RecordKind::task_mm_store: {
        if (r.kind == RecordKind::rq_curr_store) {
            st.k5_changed = false; // a new switch starts
        }
        if (r.mm == st.visible_mm) {
            break; // K5: a same-mm switch needs nothing
        }
        // K3: a full barrier after the last user access of the mm left, before this store.
        if (st.last_user.active && st.last_user.mm == st.visible_mm &&
            st.last_user_end > st.last_fb) {
            warn(MechanismRule::k3, r.cpu,
                 fmt::format("K3 on cpu{} at t={}: the membarrier-visible mm changed from {} to {} "
                             "with no full barrier since {}'s last user instruction",
                             r.cpu, r.time.count(), text_.mm_name(st.visible_mm),
                             text_.mm_name(r.mm), text_.task_name(st.last_user.task)));
        }
        st.k5_changed = true;
        st.k5_from = st.visible_mm;
        st.k4_reported = false;
        st.visible_mm = r.mm;
        st.k2_need_fb = r.mm >= 0;
        st.k2_need_ser = r.mm >= 0 && r.detail != 0;
        st.k2_store = r.seq;
        st.k2_time = r.time.count();
        break;
    }
    case RecordKind::context_switch:
        st.k5_changed = false;
        break;
    case RecordKind::switch_mm_same:
        // K5: the same-mm return skips every barrier, which is sound only when rq->curr->mm (or
        // the kthread's tsk->mm) did not change in this switch.
        if (st.k5_changed) {
            warn(MechanismRule::k5, r.cpu,
                 fmt::format("K5 on cpu{} at t={}: switch_mm_irqs_off took its same-mm return "
                             "(mm {} loaded, not lazy: no barrier, no CR3 write) although the "
                             "membarrier-visible mm changed from {} to {} in this switch",
                             r.cpu, r.time.count(), text_.mm_name(r.mm), text_.mm_name(st.k5_from),
                             text_.mm_name(r.mm)));
        }
        st.k5_changed = false;
        break;
    case RecordKind::return_to_user:
        // K2: after a change to mm M, an [FB] (and, for SYNC_CORE, a [SER]) before its user code.
        if (r.mm >= 0 && r.mm == st.visible_mm && (st.k2_need_fb || st.k2_need_ser)) {
            warn(MechanismRule::k2, r.cpu,
                 fmt::format(
                     "K2 on cpu{} at t={}: {} returned to user mode of mm {} with no {} since "
                     "the membarrier-visible mm became {} at t={}",
                     r.cpu, r.time.count(), text_.task_name(r.task), text_.mm_name(r.mm),
                     st.k2_need_fb ? "full barrier" : "serializing instruction",
                     text_.mm_name(r.mm), st.k2_time));
        }
        st.k2_need_fb = false;
        st.k2_need_ser = false;
        st.k5_changed = false;
        break;
    default:
        break;
    }
    check_registration(r);
}

void GuaranteeChecker::check_registration(const Record& r) {
    // The bits REGISTER_* sets first and sync_runqueues_membarrier_state propagates; the READY
    // bits follow and are never copied to a runqueue before the return.
    constexpr std::uint32_t set_bits = kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED |
                                       kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED |
                                       kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE |
                                       kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ;
    if (!rq_membarrier_state_) {
        return;
    }
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    switch (r.kind) {
    case RecordKind::atomic:
        if (static_cast<kernel::AtomicOp>(r.detail) == kernel::AtomicOp::membarrier_state_or) {
            MmState& ms = mm_state(r.mm);
            st.state_or_seq = r.seq;
            const auto state = static_cast<std::uint32_t>(r.value);
            if ((state & ~ms.membarrier_state) & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED) {
                ms.global_expedited_seq = r.seq;
            }
            ms.membarrier_state = state;
        }
        break;
    case RecordKind::rq_membarrier_state:
        st.rq_state = static_cast<std::uint32_t>(r.value);
        st.k4_reported = false;
        st.stale = StaleRegistration{};
        break;
    case RecordKind::rq_curr_store:
        st.switching = true;
        break;
    case RecordKind::context_switch:
        st.switching = false;
        break;
    case RecordKind::membarrier_return: {
        // The command as the system call's int saw it: one bit, 1 << (index - 1) in the names.
        const auto cmd = static_cast<std::uint32_t>(r.value);
        if (r.other != 0 || r.mm < 0 || !std::has_single_bit(cmd) ||
            std::countr_zero(cmd) + 1 >= static_cast<int>(membarrier_cmd_names.size())) {
            break;
        }
        const std::string_view name =
            membarrier_cmd_names[static_cast<std::size_t>(std::countr_zero(cmd)) + 1];
        if (!name.starts_with("register_")) {
            break;
        }
        MmState& ms = mm_state(r.mm);
        ms.registered |= ms.membarrier_state & set_bits;
        // A registration that did its work in this call (not one that found the mm registered
        // and returned at once) and left its own CPU's runqueue without the bits.
        const bool registered_now = st.state_or_seq > st.last_user_end;
        if (registered_now && (st.rq_state & ms.registered) != ms.registered) {
            st.stale = {r.mm, r.task, r.time.count(), name};
        }
        // K4: every CPU running the mm now has the new bits in its runqueue. A CPU in the middle
        // of switching to it is not (yet) running it: its membarrier_switch_mm is still to come,
        // and the return-to-user half of the rule checks what it does.
        for (int c = 0; c < cpus_; ++c) {
            CpuState& cs = cpu_[static_cast<std::size_t>(c)];
            if (cs.visible_mm != r.mm || cs.switching || cs.k4_reported ||
                (cs.rq_state & ms.registered) == ms.registered) {
                continue;
            }
            cs.k4_reported = true;
            warn(MechanismRule::k4, c,
                 fmt::format("K4 on cpu{}: membarrier({}) by {} on cpu{} registered mm {} at "
                             "t={}, but rq(cpu{})->membarrier_state = {:#x} lacks {:#x} although "
                             "rq->curr->mm is {}: sync_runqueues_membarrier_state did not refresh "
                             "it",
                             c, name, text_.task_name(r.task), r.cpu, text_.mm_name(r.mm),
                             r.time.count(), c, cs.rq_state, ms.registered & ~cs.rq_state,
                             text_.mm_name(r.mm)));
        }
        break;
    }
    case RecordKind::return_to_user: {
        // K4: a switch into the mm after its registration read the new state.
        if (r.mm < 0 || st.k4_reported) {
            break;
        }
        const std::uint32_t registered = mm_state(r.mm).registered;
        if ((st.rq_state & registered) != registered) {
            st.k4_reported = true;
            warn(MechanismRule::k4, r.cpu,
                 fmt::format("K4 on cpu{} at t={}: {} returned to user mode of mm {} with "
                             "rq->membarrier_state = {:#x}, lacking its registered {:#x}",
                             r.cpu, r.time.count(), text_.task_name(r.task), text_.mm_name(r.mm),
                             st.rq_state, registered & ~st.rq_state));
        }
        break;
    }
    default:
        break;
    }
}

void GuaranteeChecker::report_reference_leak(int mm, std::int64_t count, std::int64_t holders) {
    MmState& ms = mm_state(mm);
    if (ms.ref_reported) {
        return;
    }
    ms.ref_reported = true;
    report(Property::g_ref, 0, -1, -1, fmt::format("mm {}", text_.mm_name(mm)),
           {fmt::format("at the end of the run mm {} has mm_count {} but {} holder(s) (tasks, "
                        "lazy CPUs, its users)",
                        text_.mm_name(mm), count, holders)});
}

} // namespace check
