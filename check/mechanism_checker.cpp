#include "check/mechanism_checker.h"

#include "check/record_chain.h"
#include "kernel/record_kinds.h"

#include <fmt/format.h>

#include <algorithm>

namespace check {

using kernel::Record;
using kernel::RecordKind;
namespace rec = kernel::rec;

namespace {

/// A warning of `rule` on `cpu` at `time` about `task`, its text and chain still to come.
Warning started(MechanismRule rule, int cpu, std::int64_t time, std::string task) {
    Warning w;
    w.rule = rule;
    w.cpu = cpu;
    w.time = time;
    w.task = std::move(task);
    return w;
}

} // namespace

void MechanismChecker::on_record(const Record& r) {
    CpuState& st = cpus_[r.cpu];
    settle_k1(r, st);
    if (history_.is_full_barrier(r)) {
        st.k2_need_fb = false;
    }
    if (history_.is_serializing(r)) {
        st.k2_need_ser = false;
    }
    switch (r.kind) {
    case RecordKind::rq_curr_store:
    case RecordKind::task_mm_store:
        visible_mm_store(r, st);
        break;
    case RecordKind::context_switch:
        st.k5_changed = false;
        break;
    case RecordKind::switch_mm_same:
        same_mm_switch(r, st);
        break;
    case RecordKind::return_to_user:
        return_to_user(r, st);
        break;
    default:
        break;
    }
    check_registration(r, st);
}

void MechanismChecker::call_read(Call& k, std::uint64_t key, const Record& r) {
    // K1: a CPU seen running the mm must run the handler before t_b (the caller's own CPU only
    // for SYNC_CORE: its own barriers serve plain calls).
    const bool private_call = k.kind == kernel::BarrierCall::private_expedited ||
                              k.kind == kernel::BarrierCall::sync_core ||
                              k.kind == kernel::BarrierCall::rseq;
    const int cpu = rec::read_cpu(r);
    if (private_call && r.mm == k.mm && (cpu != k.c0 || k.sync_core())) {
        k.k1_need_fb[cpu] = 1;
        k.k1_need_ser[cpu] = k.sync_core() && !pti_ ? 1 : 0;
        cpus_[cpu].k1_owed.push_back(key);
    }
}

void MechanismChecker::call_ended(const Call& k) {
    for (int c = 0; c < cpus_.size(); ++c) {
        if (!k.k1_need_fb[c] && !k.k1_need_ser[c]) {
            continue;
        }
        if (!findings_.count_warning(MechanismRule::k1, c)) {
            continue;
        }
        Warning w = started(MechanismRule::k1, c, k.t_b, read_task(k, c));
        w.text =
            fmt::format("K1 on cpu{} at t={}: {} read rq->curr->mm == {} there but no {} ran "
                        "on cpu{} before t_b={}",
                        c, k.t_b, k.name(text_), text_.mm_name(k.mm),
                        k.k1_need_fb[c] ? "full barrier" : "serializing instruction", c, k.t_b);
        append_reads_of(w.chain, k, c, text_);
        keep(std::move(w), k.a);
    }
}

std::string MechanismChecker::read_task(const Call& k, int cpu) const {
    for (const auto& rd : k.reads) {
        if (rd.cpu == cpu && rd.mm == k.mm) {
            return text_.task_name(rd.task);
        }
    }
    return {};
}

void MechanismChecker::keep(Warning w, std::uint64_t since) {
    append_records_since(w.chain, history_, w.cpu, since, text_);
    w.window_start = w.time;
    for (const auto& rec : history_.cpu(w.cpu).recent) {
        if (rec.seq >= since) {
            w.window_start = std::min(w.window_start, rec.time.count());
            break;
        }
    }
    findings_.add_warning(std::move(w));
}

void MechanismChecker::settle_k1(const Record& r, CpuState& st) {
    // An [FB] is the handler's barrier, a [SER] its serialization. Only the open calls waiting
    // on this CPU are visited; what is left stays.
    if (!history_.is_full_barrier(r) || st.k1_owed.empty()) {
        return;
    }
    const bool ser = history_.is_serializing(r);
    std::size_t kept = 0; // the calls still waiting move to the front, in order, in place
    for (const std::uint64_t key : st.k1_owed) {
        Call* k = calls_.find_open(key);
        if (k == nullptr || k->ended) {
            continue;
        }
        k->k1_need_fb[r.cpu] = 0;
        if (ser) {
            k->k1_need_ser[r.cpu] = 0;
        }
        if (k->k1_need_fb[r.cpu] || k->k1_need_ser[r.cpu]) {
            st.k1_owed[kept++] = key;
        }
    }
    st.k1_owed.resize(kept);
}

void MechanismChecker::visible_mm_store(const Record& r, CpuState& st) {
    if (r.kind == RecordKind::rq_curr_store) {
        st.k5_changed = false; // a new switch starts
    }
    if (!history_.changed_visible_mm(r)) {
        return; // K5: a same-mm switch needs nothing
    }
    const CpuHistory& h = history_.cpu(r.cpu);
    const int from = h.prev_visible_mm;
    // K3: a full barrier after the last user access of the mm left, before this store.
    if (h.last_user.active && h.last_user.mm == from && h.last_user_end > h.last_fb &&
        findings_.count_warning(MechanismRule::k3, r.cpu)) {
        Warning w =
            started(MechanismRule::k3, r.cpu, r.time.count(), text_.task_name(h.last_user.task));
        w.text =
            fmt::format("K3 on cpu{} at t={}: the membarrier-visible mm changed from {} to {} "
                        "with no full barrier since {}'s last user instruction",
                        r.cpu, r.time.count(), text_.mm_name(from), text_.mm_name(r.mm), w.task);
        keep(std::move(w), h.last_user.start_seq);
    }
    st.k5_changed = true;
    st.k5_from = from;
    st.k4_reported = false;
    st.k2_need_fb = r.mm >= 0;
    st.k2_need_ser = r.mm >= 0 && rec::to_sync_core_mm(r);
    st.k2_time = r.time.count();
    st.k2_seq = r.seq;
}

void MechanismChecker::same_mm_switch(const Record& r, CpuState& st) {
    // K5: the same-mm return skips every barrier, which is sound only when rq->curr->mm (or the
    // kthread's tsk->mm) did not change in this switch.
    if (st.k5_changed && findings_.count_warning(MechanismRule::k5, r.cpu)) {
        Warning w = started(MechanismRule::k5, r.cpu, r.time.count(), text_.task_name(r.task));
        w.text = fmt::format("K5 on cpu{} at t={}: switch_mm_irqs_off took its same-mm return "
                             "(mm {} loaded, not lazy: no barrier, no CR3 write) although the "
                             "membarrier-visible mm changed from {} to {} in this switch",
                             r.cpu, r.time.count(), text_.mm_name(r.mm), text_.mm_name(st.k5_from),
                             text_.mm_name(r.mm));
        keep(std::move(w), st.k2_seq);
    }
    st.k5_changed = false;
}

void MechanismChecker::return_to_user(const Record& r, CpuState& st) {
    // K2: after a change to mm M, an [FB] (and, for SYNC_CORE, a [SER]) before its user code.
    if (r.mm >= 0 && r.mm == history_.cpu(r.cpu).visible_mm && (st.k2_need_fb || st.k2_need_ser) &&
        findings_.count_warning(MechanismRule::k2, r.cpu)) {
        Warning w = started(MechanismRule::k2, r.cpu, r.time.count(), text_.task_name(r.task));
        w.text = fmt::format("K2 on cpu{} at t={}: {} returned to user mode of mm {} with no {} "
                             "since the membarrier-visible mm became {} at t={}",
                             r.cpu, r.time.count(), w.task, text_.mm_name(r.mm),
                             st.k2_need_fb ? "full barrier" : "serializing instruction",
                             text_.mm_name(r.mm), st.k2_time);
        keep(std::move(w), st.k2_seq);
    }
    st.k2_need_fb = false;
    st.k2_need_ser = false;
    st.k5_changed = false;
}

void MechanismChecker::check_registration(const Record& r, CpuState& st) {
    if (!rq_membarrier_state_) {
        return;
    }
    switch (r.kind) {
    case RecordKind::rq_membarrier_state:
        st.k4_reported = false;
        break;
    case RecordKind::rq_curr_store:
        st.switching = true;
        break;
    case RecordKind::context_switch:
        st.switching = false;
        break;
    case RecordKind::membarrier_return:
        if (const std::string_view command = History::registration(r); !command.empty()) {
            registration_returned(r, command);
        }
        break;
    case RecordKind::return_to_user:
        k4_on_return_to_user(r, st);
        break;
    default:
        break;
    }
}

void MechanismChecker::registration_returned(const Record& r, std::string_view command) {
    // K4: every CPU running the mm now has the new bits in its runqueue. A CPU in the middle of
    // switching to it is not (yet) running it: its membarrier_switch_mm is still to come, and
    // the return-to-user half of the rule checks what it does.
    const std::uint32_t registered = history_.mm(r.mm).registered;
    for (int c = 0; c < cpus_.size(); ++c) {
        CpuState& cs = cpus_[c];
        const CpuHistory& h = history_.cpu(c);
        if (h.visible_mm != r.mm || cs.switching || cs.k4_reported ||
            (h.rq_state & registered) == registered) {
            continue;
        }
        cs.k4_reported = true;
        if (!findings_.count_warning(MechanismRule::k4, c)) {
            continue;
        }
        Warning w = started(MechanismRule::k4, c, r.time.count(), std::string());
        w.text = fmt::format("K4 on cpu{} at t={}: membarrier({}) by {} on cpu{} registered mm {}, "
                             "but rq(cpu{})->membarrier_state = {:#x} lacks {:#x} although "
                             "rq->curr->mm is {}: sync_runqueues_membarrier_state did not "
                             "refresh it",
                             c, r.time.count(), command, text_.task_name(r.task), r.cpu,
                             text_.mm_name(r.mm), c, h.rq_state, registered & ~h.rq_state,
                             text_.mm_name(r.mm));
        w.chain.push_back(fmt::format("cpu{} t={} {}: {}", r.cpu, r.time.count(),
                                      text_.task_name(r.task), text_.describe(r)));
        keep(std::move(w), h.visible_seq);
    }
}

void MechanismChecker::k4_on_return_to_user(const Record& r, CpuState& st) {
    // K4: a switch into the mm after its registration read the new state.
    if (r.mm < 0 || st.k4_reported) {
        return;
    }
    const std::uint32_t registered = history_.mm(r.mm).registered;
    const std::uint32_t rq_state = history_.cpu(r.cpu).rq_state;
    if ((rq_state & registered) != registered) {
        st.k4_reported = true;
        if (!findings_.count_warning(MechanismRule::k4, r.cpu)) {
            return;
        }
        Warning w = started(MechanismRule::k4, r.cpu, r.time.count(), text_.task_name(r.task));
        w.text = fmt::format("K4 on cpu{} at t={}: {} returned to user mode of mm {} with "
                             "rq->membarrier_state = {:#x}, lacking its registered {:#x}",
                             r.cpu, r.time.count(), w.task, text_.mm_name(r.mm), rq_state,
                             registered & ~rq_state);
        keep(std::move(w), history_.cpu(r.cpu).visible_seq);
    }
}

} // namespace check
