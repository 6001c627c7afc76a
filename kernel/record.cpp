#include "kernel/record.h"

#include "kernel/record_kinds.h"

#include <array>

namespace kernel {

std::string_view fn_name(Fn f) {
    static constexpr std::array<std::string_view, static_cast<std::size_t>(Fn::count_)> names = {
#define TLBSIM_X(name) #name,
        TLBSIM_KERNEL_FUNCTIONS(TLBSIM_X)
#undef TLBSIM_X
    };
    return names[static_cast<std::size_t>(f)];
}

std::string_view atomic_op_name(AtomicOp op) {
    static constexpr std::array<std::string_view, static_cast<std::size_t>(AtomicOp::count_)>
        names = {
#define TLBSIM_X(name) #name,
            TLBSIM_ATOMIC_OPS(TLBSIM_X)
#undef TLBSIM_X
        };
    return names[static_cast<std::size_t>(op)];
}

std::string_view entry_kind_name(EntryKind k) {
    switch (k) {
    case EntryKind::syscall:
        return "syscall";
    case EntryKind::interrupt:
        return "interrupt";
    case EntryKind::exception:
        return "exception";
    }
    return "?";
}

std::string_view return_insn_name(ReturnInsn r) {
    switch (r) {
    case ReturnInsn::sysret:
        return "SYSRET";
    case ReturnInsn::iret:
        return "IRET";
    case ReturnInsn::eretu:
        return "ERETU";
    case ReturnInsn::erets:
        return "ERETS";
    }
    return "?";
}

std::string_view ipi_kind_name(IpiKind k) {
    switch (k) {
    case IpiKind::membarrier:
        return "membarrier";
    case IpiKind::tlb:
        return "tlb";
    case IpiKind::resched:
        return "resched";
    case IpiKind::sync_rq_state:
        return "sync_rq_state";
    }
    return "?";
}

std::string_view record_kind_name(RecordKind k) {
    static constexpr std::array<std::string_view, static_cast<std::size_t>(RecordKind::count_)>
        names = {"kernel_entry",
                 "return_to_user",
                 "irq_return",
                 "rq_curr_store",
                 "task_mm_store",
                 "context_switch",
                 "cr3_write",
                 "tlb_refill",
                 "invlpg",
                 "sync_core",
                 "smp_mb",
                 "atomic",
                 "enter_lazy",
                 "unlazy",
                 "tlb_flush",
                 "ipi_send",
                 "ipi_handler",
                 "ipi_ack",
                 "membarrier_read",
                 "mm_free",
                 "membarrier_return",
                 "rcu_sync",
                 "flush_done",
                 "irq_enter",
                 "irq_exit",
                 "barrier_call_start",
                 "barrier_call_end",
                 "rq_membarrier_state",
                 "switch_mm_same",
                 "ipi_queue_empty",
                 "user_store",
                 "user_load",
                 "user_fence",
                 "store_commit",
                 "lazy_read_missed",
                 "loaded_mm_read_missed"};
    return names[static_cast<std::size_t>(k)];
}

bool is_serializing(const Record& r) {
    switch (r.kind) {
    case RecordKind::cr3_write:
    case RecordKind::invlpg:
    case RecordKind::sync_core:
        return true;
    case RecordKind::return_to_user:
    case RecordKind::irq_return:
        return rec::return_insn(r) == ReturnInsn::iret;
    default:
        return false;
    }
}

bool is_full_barrier(const Record& r) {
    return is_serializing(r) || r.kind == RecordKind::smp_mb || r.kind == RecordKind::atomic;
}

} // namespace kernel
