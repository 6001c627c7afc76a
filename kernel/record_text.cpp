#include "kernel/record_text.h"

#include "scenario_model/membarrier_commands.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

namespace kernel {

std::string RecordText::mm_name(int id) const {
    if (id < 0) {
        return "NULL";
    }
    return ks_->mms[static_cast<std::size_t>(id)]->name;
}

std::string RecordText::loaded_mm_name(std::int64_t value) const {
    return value == kLoadedMmSwitching ? "LOADED_MM_SWITCHING" : mm_name(static_cast<int>(value));
}

std::string RecordText::task_name(int id) const {
    if (id < 0) {
        return "-";
    }
    return ks_->tasks[static_cast<std::size_t>(id)]->name;
}

std::string RecordText::describe_atomic(const Record& r) const {
    const AtomicOp op = rec::atomic_op(r);
    const bool counts = op == AtomicOp::mmgrab || op == AtomicOp::mmdrop || op == AtomicOp::mmget ||
                        op == AtomicOp::mmput || op == AtomicOp::inc_mm_tlb_gen;
    if (r.mm < 0) {
        return fmt::format("locked {}", atomic_op_name(op));
    }
    return counts ? fmt::format("locked {} (mm {}, now {})", atomic_op_name(op), mm_name(r.mm),
                                rec::atomic_new_value(r))
                  : fmt::format("locked {} (mm {})", atomic_op_name(op), mm_name(r.mm));
}

namespace {
/// The command's name (scenario_model/membarrier_commands.h), or "cmd N" for a value that names
/// none.
std::string membarrier_cmd_text(std::int32_t cmd) {
    const auto index = scenario::membarrier_cmd_index(cmd);
    return index ? std::string(scenario::membarrier_cmd_names[*index]) : fmt::format("cmd {}", cmd);
}
} // namespace

/// Entries into and returns from the kernel, and interrupt handlers.
std::string RecordText::describe_entry(const Record& r) const {
    switch (r.kind) {
    case RecordKind::kernel_entry:
        return fmt::format("enter kernel by {}", entry_kind_name(rec::entry_kind(r)));
    case RecordKind::return_to_user:
        return fmt::format("return to user by {} (mm {})", return_insn_name(rec::return_insn(r)),
                           mm_name(r.mm));
    case RecordKind::irq_return:
        return fmt::format("return from interrupt to kernel by {}",
                           return_insn_name(rec::return_insn(r)));
    case RecordKind::irq_enter:
        return fmt::format("interrupt handler {} (vector {}){}", fn_name(r.site),
                           rec::irq_vector(r),
                           rec::irq_held(r) ? ", held back by the search until this CPU's thread "
                                              "proceeded (x86 bounds no IPI's delivery)"
                                            : "");
    case RecordKind::irq_exit:
        return fmt::format("interrupt handler {} done", fn_name(r.site));
    default:
        return std::string(record_kind_name(r.kind));
    }
}

/// The context switch: rq->curr, tsk->mm, switch_to, switch_mm_irqs_off's same-mm return.
std::string RecordText::describe_switch(const Record& r) const {
    switch (r.kind) {
    case RecordKind::rq_curr_store:
        return fmt::format("rq->curr = {} (mm {} -> {})", task_name(rec::next_task(r)),
                           mm_name(rec::previous_mm(r)), mm_name(r.mm));
    case RecordKind::task_mm_store:
        return fmt::format("tsk->mm = {} (was {})", mm_name(r.mm), mm_name(rec::previous_mm(r)));
    case RecordKind::context_switch:
        return fmt::format("switch_to {}", task_name(rec::next_task(r)));
    case RecordKind::switch_mm_same:
        return fmt::format("switch_mm_irqs_off: mm {} already loaded, not lazy: return (no "
                           "barrier, no CR3 write)",
                           mm_name(r.mm));
    default:
        return std::string(record_kind_name(r.kind));
    }
}

/// CR3, the TLB and lazy TLB mode.
std::string RecordText::describe_tlb(const Record& r) const {
    switch (r.kind) {
    case RecordKind::cr3_write:
        return fmt::format("CR3 write mm {} pcid {} {}", mm_name(r.mm), rec::cr3_pcid(r),
                           rec::cr3_flushes(r) ? "flush" : "noflush");
    case RecordKind::tlb_refill:
        return fmt::format("TLB refill after the flushing CR3 write mm {} pcid {}", mm_name(r.mm),
                           rec::cr3_pcid(r));
    case RecordKind::invlpg:
        return fmt::format("INVLPG mm {} page {}", mm_name(r.mm), rec::invlpg_page(r));
    case RecordKind::enter_lazy:
        return fmt::format("lazy on mm {}", mm_name(r.mm));
    case RecordKind::unlazy:
        return fmt::format("unlazy: leave mm {} for init_mm", mm_name(r.mm));
    case RecordKind::tlb_flush:
        return fmt::format("{} {} TLB flush of mm {} to gen {}",
                           rec::flush_is_remote(r) ? "remote" : "local",
                           rec::flush_kind(r) == FlushKind::partial ? "partial" : "full",
                           mm_name(r.mm), rec::tlb_context_gen(r));
    case RecordKind::flush_done:
        return fmt::format("flush_tlb_mm_range of mm {} done: generation {}{}", mm_name(r.mm),
                           rec::flushed_gen(r), rec::freed_tables(r) ? ", page tables freed" : "");
    case RecordKind::mm_free:
        return fmt::format("__mmdrop frees mm {}", mm_name(r.mm));
    case RecordKind::lazy_read_missed:
        return fmt::format("shootdown of mm {} reads cpu{}'s is_lazy = {} from memory: is_lazy = "
                           "{} is still in cpu{}'s store buffer, so {}",
                           mm_name(r.mm), rec::lazy_read_cpu(r), rec::lazy_read_value(r),
                           !rec::lazy_read_value(r), rec::lazy_read_cpu(r),
                           rec::lazy_read_value(r) ? "no flush IPI" : "a flush IPI");
    case RecordKind::loaded_mm_read_missed:
        return fmt::format(
            "shootdown of mm {} reads cpu{}'s loaded_mm = {} from memory: "
            "loaded_mm = {} is still in cpu{}'s store buffer, so {}",
            mm_name(r.mm), rec::loaded_mm_read_cpu(r), loaded_mm_name(rec::loaded_mm_read_value(r)),
            loaded_mm_name(rec::loaded_mm_read_newest(r)), rec::loaded_mm_read_cpu(r),
            rec::loaded_mm_read_flush(r) ? "a flush IPI" : "no flush IPI");
    default:
        return std::string(record_kind_name(r.kind));
    }
}

/// Explicit barriers and serializations.
std::string RecordText::describe_barrier(const Record& r) const {
    switch (r.kind) {
    case RecordKind::sync_core:
        return fmt::format("sync_core by {}",
                           rec::sync_core_method(r) == SyncCoreMethod::iret_to_self ? "IRET-to-self"
                                                                                    : "SERIALIZE");
    case RecordKind::smp_mb:
        return rec::is_mfence(r) ? "mfence" : "smp_mb";
    case RecordKind::atomic:
        return describe_atomic(r);
    default:
        return std::string(record_kind_name(r.kind));
    }
}

/// IPIs.
std::string RecordText::describe_ipi(const Record& r) const {
    switch (r.kind) {
    case RecordKind::ipi_send:
        return fmt::format("send {} IPI to cpu{}", ipi_kind_name(rec::ipi_kind(r)),
                           rec::ipi_target(r));
    case RecordKind::ipi_handler:
        return fmt::format("{} IPI from cpu{}", ipi_kind_name(rec::ipi_kind(r)),
                           rec::ipi_sender(r));
    case RecordKind::ipi_ack:
        return fmt::format("ack {} call to cpu{}", ipi_kind_name(rec::ipi_kind(r)),
                           rec::ipi_sender(r));
    case RecordKind::ipi_queue_empty:
        return fmt::format("{} IPI from cpu{} finds call_single_queue empty: its calls already ran",
                           ipi_kind_name(rec::ipi_kind(r)), rec::ipi_sender(r));
    default:
        return std::string(record_kind_name(r.kind));
    }
}

/// Membarrier() and its runqueue state.
std::string RecordText::describe_membarrier(const Record& r) const {
    switch (r.kind) {
    case RecordKind::membarrier_read:
        return fmt::format("read rq(cpu{})->curr = {} (mm {}){}", rec::read_cpu(r),
                           task_name(rec::read_task(r)), mm_name(r.mm),
                           rec::missed_curr(r) < 0
                               ? std::string()
                               : fmt::format(" from memory: rq->curr = {} is still in cpu{}'s "
                                             "store buffer",
                                             task_name(rec::missed_curr(r)), rec::read_cpu(r)));
    case RecordKind::membarrier_return:
        return fmt::format("membarrier({}) returns {}", membarrier_cmd_text(rec::membarrier_cmd(r)),
                           rec::membarrier_result(r));
    case RecordKind::rcu_sync:
        return "synchronize_rcu grace period";
    case RecordKind::barrier_call_start:
        return fmt::format("membarrier entry barrier done (t_a): owes its guarantee to mm {}",
                           mm_name(r.mm));
    case RecordKind::barrier_call_end:
        return "membarrier exit barrier done (t_b)";
    case RecordKind::rq_membarrier_state:
        return r.mm >= 0
                   ? fmt::format("rq->membarrier_state = {:#x} (mm {}'s)",
                                 rec::membarrier_state_bits(r), mm_name(r.mm))
                   : fmt::format("rq->membarrier_state = {:#x}", rec::membarrier_state_bits(r));
    default:
        return std::string(record_kind_name(r.kind));
    }
}

namespace {

/// A user MFENCE or locked RMW (docs/memory-model.md).
std::string describe_user_fence(const Record& r, const std::string& var) {
    switch (rec::user_fence_kind(r)) {
    case UserFence::mfence:
        return "user mfence";
    case UserFence::lock_rmw:
        return fmt::format("user locked RMW of {} (read {})", var, rec::user_value(r));
    case UserFence::xchg:
        return fmt::format("user xchg {} = {} (read {})", var, rec::user_written(r),
                           rec::user_value(r));
    case UserFence::cmpxchg:
        return fmt::format("user cmpxchg {} (read {}, now {})", var, rec::user_value(r),
                           rec::user_written(r));
    }
    return "user fence";
}

/// Why a store left its buffer.
std::string commit_cause_text(const Record& r) {
    switch (rec::commit_cause(r)) {
    case CommitCause::barrier:
        return "drained by a full barrier";
    case CommitCause::search:
        return "committed before a read: a choice of the exhaustive search";
    case CommitCause::delay:
        break;
    }
    return fmt::format("due at t={}", rec::commit_due(r).count());
}

} // namespace

/// User memory (docs/memory-model.md).
std::string RecordText::describe_user_memory(const Record& r) const {
    const std::string var = var_name(rec::user_var(r));
    switch (r.kind) {
    case RecordKind::user_store:
        return fmt::format("store {} = {}{}", var, rec::user_value(r),
                           rec::in_store_buffer(r) ? " (into the store buffer)" : "");
    case RecordKind::user_load:
        return fmt::format("load {} -> {}{}", var, rec::user_value(r),
                           rec::in_store_buffer(r) ? " (from the store buffer)" : "");
    case RecordKind::user_fence:
        return describe_user_fence(r, var);
    case RecordKind::store_commit:
        return fmt::format("store {} = {} leaves the store buffer ({})", var, rec::user_value(r),
                           commit_cause_text(r));
    default:
        return std::string(record_kind_name(r.kind));
    }
}

std::string RecordText::var_name(int id) const {
    if (ks_ == nullptr || id < 0 || static_cast<std::size_t>(id) >= ks_->user_vars.size()) {
        return fmt::format("var{}", id);
    }
    return ks_->user_vars[static_cast<std::size_t>(id)].name;
}

std::string RecordText::describe(const Record& r) const {
    // Every kind is listed, so that a new one fails to compile until it is described.
    switch (r.kind) {
    case RecordKind::kernel_entry:
    case RecordKind::return_to_user:
    case RecordKind::irq_return:
    case RecordKind::irq_enter:
    case RecordKind::irq_exit:
        return describe_entry(r);
    case RecordKind::rq_curr_store:
    case RecordKind::task_mm_store:
    case RecordKind::context_switch:
    case RecordKind::switch_mm_same:
        return describe_switch(r);
    case RecordKind::cr3_write:
    case RecordKind::tlb_refill:
    case RecordKind::invlpg:
    case RecordKind::enter_lazy:
    case RecordKind::unlazy:
    case RecordKind::tlb_flush:
    case RecordKind::flush_done:
    case RecordKind::mm_free:
    case RecordKind::lazy_read_missed:
    case RecordKind::loaded_mm_read_missed:
        return describe_tlb(r);
    case RecordKind::sync_core:
    case RecordKind::smp_mb:
    case RecordKind::atomic:
        return describe_barrier(r);
    case RecordKind::ipi_send:
    case RecordKind::ipi_handler:
    case RecordKind::ipi_ack:
    case RecordKind::ipi_queue_empty:
        return describe_ipi(r);
    case RecordKind::membarrier_read:
    case RecordKind::membarrier_return:
    case RecordKind::rcu_sync:
    case RecordKind::barrier_call_start:
    case RecordKind::barrier_call_end:
    case RecordKind::rq_membarrier_state:
        return describe_membarrier(r);
    case RecordKind::user_store:
    case RecordKind::user_load:
    case RecordKind::user_fence:
    case RecordKind::store_commit:
        return describe_user_memory(r);
    case RecordKind::count_:
        break;
    }
    return std::string(record_kind_name(r.kind));
}

} // namespace kernel
