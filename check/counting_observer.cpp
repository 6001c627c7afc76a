#include "check/counting_observer.h"

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

CountingObserver::CountingObserver(sim::CounterRegistry& registry, const Counters& ids, int cpus)
    : reg_(registry), ids_(ids), cpus_(static_cast<std::size_t>(cpus)) {}

bool CountingObserver::is_redundant(const kernel::Record& r, const CpuState& st) const {
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

void CountingObserver::count_serializing(const kernel::Record& r) {
    const int c = r.cpu;
    reg_.add(ids_.ser_total, c);
    reg_.add(ids_.fb_total, c);
    reg_.add(ids_.cycles_ser, c, r.cost.count());
    reg_.add(ids_.cycles_fb, c, r.cost.count());
    switch (r.kind) {
    case RecordKind::cr3_write:
        reg_.add(ids_.ser_cr3, c);
        reg_.add(ids_.cr3_write, c);
        reg_.add(r.flag ? ids_.cr3_write_flush : ids_.cr3_write_noflush, c);
        break;
    case RecordKind::invlpg:
        reg_.add(ids_.ser_invlpg, c);
        break;
    case RecordKind::sync_core: {
        reg_.add(ids_.ser_sync_core, c);
        const int site = site_index(r.site);
        if (site >= 0) {
            reg_.add(ids_.ser_sync_core_at[static_cast<std::size_t>(site)], c);
            reg_.add(ids_.cycles_sync_core_at[static_cast<std::size_t>(site)], c, r.cost.count());
        }
        if (is_redundant(r, cpus_[static_cast<std::size_t>(c)])) {
            reg_.add(ids_.ser_redundant, c);
        }
        break;
    }
    default: // IRET, to user or kernel
        reg_.add(ids_.ser_iret, c);
        break;
    }
}

void CountingObserver::on_record(const kernel::Record& r) {
    const int c = r.cpu;
    CpuState& st = cpus_[static_cast<std::size_t>(c)];
    if (kernel::is_serializing(r)) {
        count_serializing(r);
        st.last_ser = r.seq;
        st.have_ser = true;
    }
    switch (r.kind) {
    case RecordKind::smp_mb:
        reg_.add(ids_.fb_smp_mb, c);
        reg_.add(ids_.fb_total, c);
        reg_.add(ids_.cycles_fb, c, r.cost.count());
        break;
    case RecordKind::atomic: {
        reg_.add(ids_.fb_atomic, c);
        reg_.add(ids_.fb_total, c);
        reg_.add(ids_.cycles_fb, c, r.cost.count());
        const auto op = static_cast<kernel::AtomicOp>(r.detail);
        if (op == kernel::AtomicOp::mmgrab) {
            reg_.add(ids_.mm_grab, c);
        } else if (op == kernel::AtomicOp::mmdrop) {
            reg_.add(ids_.mm_drop, c);
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
        reg_.add(ids_.ctxsw_total, c);
        break;
    case RecordKind::ipi_send: {
        reg_.add(ids_.ipi_sent, c);
        switch (static_cast<kernel::IpiKind>(r.detail)) {
        case kernel::IpiKind::membarrier:
            reg_.add(ids_.ipi_membarrier, c);
            break;
        case kernel::IpiKind::tlb:
            reg_.add(ids_.ipi_tlb, c);
            break;
        case kernel::IpiKind::resched:
            reg_.add(ids_.ipi_resched, c);
            break;
        case kernel::IpiKind::sync_rq_state:
            reg_.add(ids_.ipi_sync_rq_state, c);
            break;
        }
        break;
    }
    case RecordKind::ipi_handler:
        reg_.add(ids_.ipi_received, c);
        break;
    case RecordKind::tlb_flush:
        reg_.add(r.flag ? ids_.tlb_flush_remote : ids_.tlb_flush_local, c);
        break;
    case RecordKind::unlazy:
        reg_.add(ids_.tlb_unlazy, c);
        break;
    case RecordKind::membarrier_return: {
        reg_.add(ids_.membarrier_calls, c);
        const int i = cmd_index(r.value);
        reg_.add(i >= 0 ? ids_.membarrier_calls_cmd[static_cast<std::size_t>(i)]
                        : ids_.membarrier_calls_invalid,
                 c);
        if (r.other == -22) {
            reg_.add(ids_.membarrier_errors[0], c);
        } else if (r.other == -1) {
            reg_.add(ids_.membarrier_errors[1], c);
        } else if (r.other == -12) {
            reg_.add(ids_.membarrier_errors[2], c);
        }
        break;
    }
    case RecordKind::rcu_sync:
        reg_.add(ids_.rcu_sync, c);
        break;
    default:
        break;
    }
}

} // namespace check
