#include "check/counting_observer.h"

#include "scenario_model/errno_names.h"

#include <string_view>

namespace check {

using kernel::RecordKind;

namespace {

int site_index(kernel::Fn f) {
    const std::string_view name = kernel::fn_name(f);
    for (std::size_t i = 0; i < sync_core_sites.size(); ++i) {
        if (sync_core_sites[i] == name) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

int cmd_index(std::int64_t cmd) {
    if (cmd == 0) {
        return 0; // QUERY
    }
    for (int bit = 0; bit < 10; ++bit) {
        if (cmd == (std::int64_t{1} << bit)) {
            return bit + 1;
        }
    }
    return -1;
}

} // namespace

CounterClassifier::CounterClassifier(const Counters& ids, int cpus)
    : ids_(ids), cpus_(static_cast<std::size_t>(cpus)) {}

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

void CounterClassifier::classify_impl(
    const kernel::Record& r, const std::function<void(sim::CounterId, std::int64_t)>& add) {
    CpuState& st = cpus_[static_cast<std::size_t>(r.cpu)];
    if (kernel::is_serializing(r)) {
        add(ids_.ser_total, 1);
        add(ids_.fb_total, 1);
        add(ids_.cycles_ser, r.cost.count());
        add(ids_.cycles_fb, r.cost.count());
        switch (r.kind) {
        case RecordKind::cr3_write:
            add(ids_.ser_cr3, 1);
            add(ids_.cr3_write, 1);
            add(r.flag ? ids_.cr3_write_flush : ids_.cr3_write_noflush, 1);
            break;
        case RecordKind::invlpg:
            add(ids_.ser_invlpg, 1);
            break;
        case RecordKind::sync_core: {
            add(ids_.ser_sync_core, 1);
            const int site = site_index(r.site);
            if (site >= 0) {
                add(ids_.ser_sync_core_at[static_cast<std::size_t>(site)], 1);
                add(ids_.cycles_sync_core_at[static_cast<std::size_t>(site)], r.cost.count());
            }
            if (is_redundant(r, st)) {
                add(ids_.ser_redundant, 1);
            }
            break;
        }
        default: // IRET, to user or to kernel
            add(ids_.ser_iret, 1);
            break;
        }
        st.last_ser = r.seq;
        st.have_ser = true;
    }
    switch (r.kind) {
    case RecordKind::smp_mb:
        add(r.detail == 0 ? ids_.fb_smp_mb : ids_.fb_mfence, 1);
        add(ids_.fb_total, 1);
        add(ids_.cycles_fb, r.cost.count());
        break;
    case RecordKind::atomic: {
        add(ids_.fb_atomic, 1);
        add(ids_.fb_atomic_op[r.detail], 1);
        add(ids_.fb_total, 1);
        add(ids_.cycles_fb, r.cost.count());
        const auto op = static_cast<kernel::AtomicOp>(r.detail);
        if (op == kernel::AtomicOp::mmgrab) {
            add(ids_.mm_grab, 1);
        } else if (op == kernel::AtomicOp::mmdrop) {
            add(ids_.mm_drop, 1);
        }
        break;
    }
    case RecordKind::return_to_user:
        st.last_user = r.seq;
        st.have_user = true;
        break;
    case RecordKind::rq_curr_store:
    case RecordKind::task_mm_store:
        if (r.mm != r.value) {
            st.visible_mm_change = r.seq;
        }
        break;
    case RecordKind::context_switch:
        add(ids_.ctxsw_total, 1);
        break;
    case RecordKind::ipi_send:
        add(ids_.ipi_sent, 1);
        switch (static_cast<kernel::IpiKind>(r.detail)) {
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
        break;
    case RecordKind::ipi_handler:
        add(ids_.ipi_received, 1);
        break;
    case RecordKind::ipi_queue_empty:
        add(ids_.ipi_empty, 1);
        break;
    case RecordKind::tlb_flush:
        add(r.flag ? ids_.tlb_flush_remote : ids_.tlb_flush_local, 1);
        break;
    case RecordKind::unlazy:
        add(ids_.tlb_unlazy, 1);
        break;
    case RecordKind::membarrier_return: {
        add(ids_.membarrier_calls, 1);
        const int i = cmd_index(r.value);
        add(i >= 0 ? ids_.membarrier_calls_cmd[static_cast<std::size_t>(i)]
                   : ids_.membarrier_calls_invalid,
            1);
        if (r.other < 0) {
            const std::string_view name = scenario::errno_name(-r.other);
            for (std::size_t e = 0; e < membarrier_errno_names.size(); ++e) {
                if (membarrier_errno_names[e] == name) {
                    add(ids_.membarrier_errors[e], 1);
                }
            }
        }
        break;
    }
    case RecordKind::rcu_sync:
        add(ids_.rcu_sync, 1);
        break;
    default:
        break;
    }
}

} // namespace check
