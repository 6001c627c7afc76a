#pragma once
// Typed reads of the Record fields that hold an enum or a bit set (kernel/record.h says which
// field holds what for each kind), so that the observers in check/ say what they read instead of
// casting at each use.

#include "kernel/record.h"

#include <cstdint>

namespace check {

/// RecordKind::atomic: which locked operation.
inline kernel::AtomicOp atomic_op(const kernel::Record& r) {
    return static_cast<kernel::AtomicOp>(r.detail);
}

/// Whether `r` is the locked operation `op`.
inline bool is_atomic(const kernel::Record& r, kernel::AtomicOp op) {
    return r.kind == kernel::RecordKind::atomic && atomic_op(r) == op;
}

/// RecordKind::return_to_user and irq_return: the returning instruction.
inline kernel::ReturnInsn return_insn(const kernel::Record& r) {
    return static_cast<kernel::ReturnInsn>(r.detail);
}

/// RecordKind::ipi_send, ipi_handler, ipi_ack and ipi_queue_empty: the kind of IPI.
inline kernel::IpiKind ipi_kind(const kernel::Record& r) {
    return static_cast<kernel::IpiKind>(r.detail);
}

/// RecordKind::barrier_call_start: what the call promises.
inline kernel::BarrierCall barrier_call(const kernel::Record& r) {
    return static_cast<kernel::BarrierCall>(r.detail);
}

/// RecordKind::rq_membarrier_state and atomic membarrier_state_or: the new MEMBARRIER_STATE_*
/// bits.
inline std::uint32_t membarrier_state_bits(const kernel::Record& r) {
    return static_cast<std::uint32_t>(r.value);
}

/// RecordKind::membarrier_read: the task the call saw as rq->curr.
inline int read_task(const kernel::Record& r) {
    return static_cast<int>(r.value);
}

/// RecordKind::smp_mb: an MFENCE (x2apic_wrmsr_fence) rather than smp_mb()'s locked add.
inline bool is_mfence(const kernel::Record& r) {
    return r.detail != 0;
}

/// RecordKind::rq_curr_store and task_mm_store: the new mm is SYNC_CORE-registered.
inline bool to_sync_core_mm(const kernel::Record& r) {
    return r.detail != 0;
}

} // namespace check
