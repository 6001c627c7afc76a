#include "check/history.h"

#include "check/counter_catalog.h"
#include "kernel/kernel_state.h"
#include "kernel/record_kinds.h"

#include <bit>

namespace check {

using kernel::Record;
using kernel::RecordKind;
namespace rec = kernel::rec;

namespace {

/// The bits REGISTER_* sets first and sync_runqueues_membarrier_state propagates; the READY bits
/// follow and are never copied to a runqueue before the return.
constexpr std::uint32_t registration_bits = kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED |
                                            kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED |
                                            kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE |
                                            kernel::MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ;

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
        return rec::atomic_op(r) == kernel::AtomicOp::mmdrop;
    default:
        return false;
    }
}

} // namespace

void History::on_record(const Record& r) {
    CpuHistory& st = cpus_[r.cpu];
    if (explains(r)) {
        st.recent.push(r);
    }
    seq_ = r.seq;
    serializing_ = kernel::is_serializing(r);
    full_barrier_ = serializing_ || kernel::is_full_barrier(r);
    if (full_barrier_) {
        st.last_fb = r.seq;
    }
    if (serializing_) {
        st.last_ser = r.seq;
    }
    track_user(r, st);
    track_visible_mm(r, st);
    track_membarrier_state(r, st);
}

const MmHistory& History::mm(int mm) const {
    static const MmHistory none;
    const MmHistory* found = mms_.find(mm);
    return found != nullptr ? *found : none;
}

std::string_view History::registration(const Record& r) {
    if (r.kind != RecordKind::membarrier_return) {
        return {};
    }
    // The command as the system call's int saw it: one bit, 1 << (index - 1) in the names.
    const auto cmd = static_cast<std::uint32_t>(rec::membarrier_cmd(r));
    if (rec::membarrier_result(r) != 0 || r.mm < 0 || !std::has_single_bit(cmd)) {
        return {};
    }
    const auto index = static_cast<std::size_t>(std::countr_zero(cmd)) + 1;
    if (index >= membarrier_cmd_names.size()) {
        return {};
    }
    const std::string_view name = membarrier_cmd_names[index];
    return name.starts_with("register_") ? name : std::string_view();
}

void History::track_user(const Record& r, CpuHistory& st) {
    if (r.kind == RecordKind::return_to_user) {
        st.user = {true, r.seq, r.time.count(), r.task, r.mm};
    } else if (r.kind == RecordKind::kernel_entry && st.user.active) {
        st.last_user = st.user;
        st.last_user_end = r.seq;
        st.user.active = false;
    }
}

void History::track_visible_mm(const Record& r, CpuHistory& st) {
    const bool store = r.kind == RecordKind::rq_curr_store || r.kind == RecordKind::task_mm_store;
    if (!store || r.mm == st.visible_mm) {
        return;
    }
    st.prev_visible_mm = st.visible_mm;
    st.visible_mm = r.mm;
    st.visible_seq = r.seq;
}

void History::track_membarrier_state(const Record& r, CpuHistory& st) {
    if (rec::is_atomic(r, kernel::AtomicOp::membarrier_state_or)) {
        MmHistory& ms = mms_[r.mm];
        const std::uint32_t state = rec::membarrier_state_bits(r);
        if ((state & ~ms.membarrier_state) & kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED) {
            ms.global_expedited_seq = r.seq;
        }
        ms.membarrier_state = state;
    } else if (r.kind == RecordKind::rq_membarrier_state) {
        st.rq_state = rec::membarrier_state_bits(r);
    } else if (!registration(r).empty()) {
        MmHistory& ms = mms_[r.mm];
        ms.registered |= ms.membarrier_state & registration_bits;
    }
}

} // namespace check
