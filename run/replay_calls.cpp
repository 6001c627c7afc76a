#include "run/replay_calls.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

#include <algorithm>

namespace run {

using kernel::Record;
using kernel::RecordKind;

namespace {

/// How many of a call's rq->curr reads its reason lists (a scan reads every online CPU).
constexpr std::size_t kReadsShown = 8;

bool is_membarrier_ipi(const Record& r) {
    const kernel::IpiKind k = kernel::rec::ipi_kind(r);
    return k == kernel::IpiKind::membarrier || k == kernel::IpiKind::sync_rq_state;
}

} // namespace

CallWatcher::CallWatcher(const ftrace::Workload& w) : w_(w) {
    for (std::size_t i = 0; i < w.membarriers.size(); ++i) {
        call_by_line_.emplace(w.membarriers[i].line, i);
    }
}

void CallWatcher::start(const kernel::KernelState& ks) {
    ks_ = &ks;
    open_.clear();
    made_.assign(w_.membarriers.size(), {});
}

void CallWatcher::on_record(const Record& r) {
    if (r.task < 0) {
        return;
    }
    switch (r.kind) {
    case RecordKind::ipi_send:
        if (is_membarrier_ipi(r)) {
            open_[r.task].targets.push_back(kernel::rec::ipi_target(r));
        }
        return;
    case RecordKind::membarrier_read: {
        Made& m = open_[r.task];
        std::string& seen = m.seen;
        if (m.reads++ < kReadsShown) {
            const int task = kernel::rec::read_task(r);
            seen += fmt::format(
                "{}rq({})->curr: {} ({})", seen.empty() ? "" : "; ", kernel::rec::read_cpu(r),
                task >= 0 ? ks_->tasks[static_cast<std::size_t>(task)]->name : "none",
                r.mm >= 0 ? "mm " + ks_->mms[static_cast<std::size_t>(r.mm)]->name : "no mm");
        }
        return;
    }
    case RecordKind::membarrier_return:
        return call_returned(r);
    default:
        return;
    }
}

/// The call `r` ends is the recorded one whose line its step carries (Step::source).
void CallWatcher::call_returned(const Record& r) {
    Made m = std::move(open_[r.task]);
    open_.erase(r.task);
    const kernel::Task& t = *ks_->tasks[static_cast<std::size_t>(r.task)];
    if (t.current_step == nullptr || t.current_step->source <= 0) {
        return;
    }
    const auto it = call_by_line_.find(static_cast<ftrace::Line>(t.current_step->source));
    if (it == call_by_line_.end()) {
        return;
    }
    m.made = true;
    std::sort(m.targets.begin(), m.targets.end());
    made_[it->second] = std::move(m);
}

/// The CPUs the recorded call's IPIs went to: membarrier IPIs its task sent between its entry
/// and its exit.
std::vector<int> CallWatcher::observed_targets(const ftrace::MembarrierCall& c) const {
    std::vector<int> out;
    const auto first =
        std::lower_bound(w_.ipis.begin(), w_.ipis.end(), c.enter,
                         [](const ftrace::Ipi& ipi, ftrace::Nanos t) { return ipi.time < t; });
    for (auto it = first; it != w_.ipis.end() && it->time <= c.exit; ++it) {
        if (it->pid == c.pid && it->kind == ftrace::IpiKind::membarrier) {
            out.insert(out.end(), it->targets.begin(), it->targets.end());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

CallComparison CallWatcher::result() const {
    CallComparison out;
    for (std::size_t i = 0; i < w_.membarriers.size(); ++i) {
        const ftrace::MembarrierCall& c = w_.membarriers[i];
        const Made& m = made_[i];
        std::vector<int> observed = observed_targets(c);
        ++out.calls;
        if (m.made && m.targets == observed) {
            ++out.agreed;
            continue;
        }
        out.mismatches.push_back({c.line, c.cpu, c.cmd, std::move(observed), m.targets, m.made,
                                  m.made ? (m.seen.empty() ? "no rq->curr read" : m.seen)
                                         : "not made: the model did not run this call"});
    }
    return out;
}

} // namespace run
