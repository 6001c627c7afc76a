#include "check/reference_checker.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

#include <vector>

namespace check {

using kernel::Record;
using kernel::RecordKind;

void ReferenceChecker::on_record(const Record& r) {
    if (r.kind == RecordKind::mm_free) {
        MmState& ms = mms_[r.mm];
        ms.freed = true;
        const std::int64_t users = kernel::rec::freed_users(r);
        if (users > 0 && !ms.reported) {
            ms.reported = true;
            findings_.report(Property::g_ref, r.cpu, r.time.count(), text_.task_name(r.task),
                             fmt::format("mm {}", text_.mm_name(r.mm)),
                             {fmt::format("__mmdrop freed mm {} at t={} while {} task(s) or "
                                          "CPU(s) still used it",
                                          text_.mm_name(r.mm), r.time.count(), users)});
        }
        return;
    }
    const bool uses = r.kind == RecordKind::cr3_write || r.kind == RecordKind::return_to_user ||
                      r.kind == RecordKind::rq_curr_store || r.kind == RecordKind::task_mm_store;
    if (!uses || r.mm < 0) {
        return;
    }
    MmState& ms = mms_[r.mm];
    if (ms.freed && !ms.reported) {
        ms.reported = true;
        findings_.report(Property::g_ref, r.cpu, r.time.count(), text_.task_name(r.task),
                         fmt::format("mm {}", text_.mm_name(r.mm)),
                         {fmt::format("cpu{} used mm {} after it was freed: {}", r.cpu,
                                      text_.mm_name(r.mm), text_.describe(r))});
    }
}

namespace {

/// By Mm::id: the tasks borrowing each mm as active_mm (kernel threads, idle tasks, a task that
/// exited its mm), counted in one pass over the tasks (O(tasks + mms), not their product: a
/// 1,024-CPU machine ends with 100,000 tasks and a hundred mms).
std::vector<std::int64_t> borrowers_by_mm(const kernel::KernelState& ks) {
    std::vector<std::int64_t> borrowers(ks.mms.size(), 0);
    for (const auto& t : ks.tasks) {
        if (t->active_mm != nullptr && (t->kthread || t->mm == nullptr)) {
            ++borrowers[static_cast<std::size_t>(t->active_mm->id)];
        }
    }
    return borrowers;
}

} // namespace

void ReferenceChecker::on_finish(const kernel::KernelState& ks) {
    const std::vector<std::int64_t> borrowers = borrowers_by_mm(ks);
    for (const auto& mm : ks.mms) {
        if (mm->kind != kernel::MmKind::user || mm->freed) {
            continue;
        }
        const std::int64_t holders =
            (mm->mm_users > 0 ? 1 : 0) + borrowers[static_cast<std::size_t>(mm->id)];
        if (holders != mm->mm_count) {
            report_leak(mm->id, mm->mm_count, holders);
        }
    }
}

void ReferenceChecker::report_leak(int mm, std::int64_t count, std::int64_t holders) {
    MmState& ms = mms_[mm];
    if (ms.reported) {
        return;
    }
    ms.reported = true;
    findings_.report(Property::g_ref, 0, -1, text_.task_name(-1),
                     fmt::format("mm {}", text_.mm_name(mm)),
                     {fmt::format("at the end of the run mm {} has mm_count {} but {} holder(s) "
                                  "(tasks, lazy CPUs, its users)",
                                  text_.mm_name(mm), count, holders)});
}

} // namespace check
