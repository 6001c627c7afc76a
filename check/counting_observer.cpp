#include "check/counting_observer.h"

#include "kernel/record_kinds.h"
#include "scenario_model/errno_names.h"

#include <optional>
#include <string_view>

namespace check {

using kernel::RecordKind;
namespace rec = kernel::rec;

namespace {

/// The index of a sync_core site in sync_core_sites, if it is one.
std::optional<std::size_t> site_index(kernel::Fn f) {
    const std::string_view name = kernel::fn_name(f);
    for (std::size_t i = 0; i < sync_core_sites.size(); ++i) {
        if (sync_core_sites[i] == name) {
            return i;
        }
    }
    return std::nullopt;
}

/// The index of a membarrier command in membarrier_cmd_names.
std::optional<std::size_t> cmd_index(std::int64_t cmd) {
    return scenario::membarrier_cmd_index(cmd);
}

} // namespace

CounterClassifier::CounterClassifier(const Counters& ids, int cpus) : ids_(ids), cpus_(cpus) {}

bool CounterClassifier::is_redundant(const kernel::Record& r, const CpuState& st) const {
    // Only the scheduler-path sites; syncs in IPI handlers are never redundant.
    const std::string_view site = kernel::fn_name(r.site);
    if (site != "finish_task_switch" && site != "switch_mm_irqs_off") {
        return false;
    }
    // Another [SER] s after the last visible-mm change m, and no user code in (s, t). The latest
    // [SER] decides: user code after it would also follow any earlier one. A return to user at s
    // runs user code right after s, so it never makes a later sync redundant.
    return st.have_ser && st.last_ser > st.visible_mm_change &&
           !(st.have_user && st.last_user >= st.last_ser);
}

void CounterClassifier::classify_impl(const kernel::Record& r, const Add& add) {
    CpuState& st = cpus_[r.cpu];
    if (kernel::is_serializing(r)) {
        count_serializing(r, st, add);
    }
    switch (r.kind) {
    case RecordKind::smp_mb:
        add(rec::is_mfence(r) ? ids_.fb_mfence : ids_.fb_smp_mb, 1);
        add(ids_.fb_total, 1);
        add(ids_.cycles_fb, r.cost.count());
        break;
    case RecordKind::atomic:
        count_atomic(r, add);
        break;
    case RecordKind::tlb_refill:
        // Not [SER]: the refill that follows a flushing CR3 write, out of cycles.ser/fb.
        add(ids_.cycles_tlb_refill, r.cost.count());
        break;
    case RecordKind::return_to_user:
        st.last_user = r.seq;
        st.have_user = true;
        break;
    case RecordKind::rq_curr_store:
    case RecordKind::task_mm_store:
        if (r.mm != rec::previous_mm(r)) {
            st.visible_mm_change = r.seq;
        }
        break;
    case RecordKind::ipi_send:
        count_ipi_send(r, add);
        break;
    case RecordKind::membarrier_return:
        count_membarrier_return(r, add);
        break;
    default:
        count_event(r, add);
        break;
    }
}

void CounterClassifier::count_serializing(const kernel::Record& r, CpuState& st, const Add& add) {
    add(ids_.ser_total, 1);
    add(ids_.fb_total, 1);
    add(ids_.cycles_ser, r.cost.count());
    add(ids_.cycles_fb, r.cost.count());
    switch (r.kind) {
    case RecordKind::cr3_write:
        add(ids_.ser_cr3, 1);
        add(ids_.cr3_write, 1);
        add(rec::cr3_flushes(r) ? ids_.cr3_write_flush : ids_.cr3_write_noflush, 1);
        break;
    case RecordKind::invlpg:
        add(ids_.ser_invlpg, 1);
        break;
    case RecordKind::sync_core:
        count_sync_core(r, st, add);
        break;
    default: // IRET, to user or to kernel
        add(ids_.ser_iret, 1);
        break;
    }
    st.last_ser = r.seq;
    st.have_ser = true;
}

void CounterClassifier::count_sync_core(const kernel::Record& r, const CpuState& st,
                                        const Add& add) {
    add(ids_.ser_sync_core, 1);
    if (const auto site = site_index(r.site)) {
        add(ids_.ser_sync_core_at[*site], 1);
        add(ids_.cycles_sync_core_at[*site], r.cost.count());
    }
    if (is_redundant(r, st)) {
        add(ids_.ser_redundant, 1);
    }
}

void CounterClassifier::count_atomic(const kernel::Record& r, const Add& add) {
    const kernel::AtomicOp op = rec::atomic_op(r);
    add(ids_.fb_atomic, 1);
    add(ids_.fb_atomic_op[op], 1);
    add(ids_.fb_total, 1);
    add(ids_.cycles_fb, r.cost.count());
    if (op == kernel::AtomicOp::mmgrab) {
        add(ids_.mm_grab, 1);
    } else if (op == kernel::AtomicOp::mmdrop) {
        add(ids_.mm_drop, 1);
    }
}

void CounterClassifier::count_ipi_send(const kernel::Record& r, const Add& add) {
    add(ids_.ipi_sent, 1);
    switch (rec::ipi_kind(r)) {
    case kernel::IpiKind::membarrier:
        add(ids_.ipi_membarrier, 1);
        break;
    case kernel::IpiKind::tlb:
        add(ids_.ipi_tlb, 1);
        break;
    case kernel::IpiKind::resched:
        add(ids_.ipi_resched, 1);
        break;
    case kernel::IpiKind::sync_rq_state:
        add(ids_.ipi_sync_rq_state, 1);
        break;
    }
}

void CounterClassifier::count_membarrier_return(const kernel::Record& r, const Add& add) {
    add(ids_.membarrier_calls, 1);
    const auto cmd = cmd_index(rec::membarrier_cmd(r));
    add(cmd ? ids_.membarrier_calls_cmd[*cmd] : ids_.membarrier_calls_invalid, 1);
    if (const std::int32_t result = rec::membarrier_result(r); result < 0) {
        const std::string_view name = scenario::errno_name(-result);
        for (std::size_t e = 0; e < membarrier_errno_names.size(); ++e) {
            if (membarrier_errno_names[e] == name) {
                add(ids_.membarrier_errors[e], 1);
            }
        }
    }
}

void CounterClassifier::count_event(const kernel::Record& r, const Add& add) {
    switch (r.kind) {
    case RecordKind::context_switch:
        add(ids_.ctxsw_total, 1);
        break;
    case RecordKind::ipi_handler:
        add(ids_.ipi_received, 1);
        break;
    case RecordKind::ipi_queue_empty:
        add(ids_.ipi_empty, 1);
        break;
    case RecordKind::tlb_flush:
        add(rec::flush_is_remote(r) ? ids_.tlb_flush_remote : ids_.tlb_flush_local, 1);
        break;
    case RecordKind::unlazy:
        add(ids_.tlb_unlazy, 1);
        break;
    case RecordKind::membarrier_read:
        add(ids_.membarrier_rq_reads, 1);
        break;
    case RecordKind::rcu_sync:
        add(ids_.rcu_sync, 1);
        break;
    default:
        break;
    }
}

} // namespace check
