#include "check/guarantee_checker.h"

#include "kernel/record_kinds.h"

namespace check {

using kernel::Record;
using kernel::RecordKind;

GuaranteeChecker::GuaranteeChecker(int cpus)
    : history_(cpus), findings_(cpus), calls_(cpus), causes_(history_),
      obligations_(history_, text_), reporter_(findings_, history_, causes_, text_, obligations_),
      memory_barrier_(history_, calls_, reporter_, text_),
      core_serialization_(history_, calls_, reporter_, text_), tlb_(history_, findings_, text_),
      references_(findings_, text_), mechanisms_(history_, calls_, findings_, text_) {}

void GuaranteeChecker::on_start(const kernel::KernelState& ks, const kernel::Trace& trace) {
    (void)trace;
    text_.attach(ks);
}

void GuaranteeChecker::set_rq_membarrier_state(bool on) {
    mechanisms_.set_rq_membarrier_state(on);
    causes_.set_rq_membarrier_state(on);
}

/// The order is the order of the reports: the history first (every checker reads the state
/// including `r`), what barriers pay, then each checker, then the calls' life.
void GuaranteeChecker::on_record(const Record& r) {
    history_.on_record(r);
    obligations_.on_record(r);
    memory_barrier_.settle(r);
    core_serialization_.settle(r);
    tlb_.on_record(r);
    references_.on_record(r);
    mechanisms_.on_record(r);
    causes_.on_record(r);
    follow_calls(r);
}

void GuaranteeChecker::follow_calls(const Record& r) {
    switch (r.kind) {
    case RecordKind::barrier_call_start:
        start_call(r);
        break;
    case RecordKind::barrier_call_end:
        end_call(r);
        break;
    case RecordKind::membarrier_read:
        read_rq_curr(r);
        break;
    case RecordKind::return_to_user:
        user_started(r);
        break;
    case RecordKind::kernel_entry:
        memory_barrier_.user_ended(r);
        break;
    default:
        break;
    }
}

void GuaranteeChecker::start_call(const Record& r) {
    Call& k = calls_.open(r);
    memory_barrier_.call_started(k, k.a);
    obligations_.call_started(k, k.a);
}

void GuaranteeChecker::end_call(const Record& r) {
    calls_.for_each_by_caller(r.task, [&](std::uint64_t, Call& k) {
        if (k.id != kernel::rec::call_id(r) || k.ended) {
            return;
        }
        k.ended = true;
        k.b = r.seq;
        k.t_b = r.time.count();
        mechanisms_.call_ended(k);
        memory_barrier_.call_ended(k);
        obligations_.call_ended(k, k.a);
    });
}

void GuaranteeChecker::read_rq_curr(const Record& r) {
    calls_.for_each_by_caller(r.task, [&](std::uint64_t key, Call& k) {
        if (!k.ended) {
            k.reads.push_back({kernel::rec::read_cpu(r), r.time.count(), kernel::rec::read_task(r),
                               r.mm, kernel::rec::missed_curr(r)});
            mechanisms_.call_read(k, key, r);
        }
    });
}

void GuaranteeChecker::user_started(const Record& r) {
    // The caller's own calls: its first return after t_b is t_r.
    std::vector<std::uint64_t> returned;
    calls_.for_each_by_caller(r.task, [&](std::uint64_t key, Call& k) {
        if (k.ended && !k.returned) {
            k.returned = true;
            k.r = r.seq;
            k.t_r = r.time.count();
            core_serialization_.caller_returned(k, r);
            obligations_.caller_returned(k, key, r);
            returned.push_back(key);
        }
    });
    // Other threads' user code of a call's mm: G-MB for open and closed calls, then G-SC for the
    // closed ones (it starts at t_r, when a call closes), in this order in the reports.
    memory_barrier_.user_started(r);
    core_serialization_.user_started(r);
    obligations_.user_started(r);
    for (const std::uint64_t key : returned) {
        close_call(key);
    }
}

void GuaranteeChecker::close_call(std::uint64_t key) {
    Call k = calls_.take_open(key);
    memory_barrier_.call_closed(k, key);
    core_serialization_.call_closed(k, key);
    calls_.keep_closed(key, std::move(k));
}

} // namespace check
