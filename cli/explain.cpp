#include "cli/explain.h"

#include "kernel/record_kinds.h"
#include "sim/panic.h"

#include <fmt/format.h>

namespace cli {

using kernel::RecordKind;

std::string record_head(const kernel::Record& r) {
    switch (r.kind) {
    case RecordKind::sync_core:
        return "sync_core";
    case RecordKind::cr3_write:
        return "write_cr3";
    case RecordKind::invlpg:
        return "invlpg";
    case RecordKind::return_to_user:
    case RecordKind::irq_return:
        return std::string(kernel::return_insn_name(kernel::rec::return_insn(r)));
    case RecordKind::smp_mb:
        return "smp_mb";
    case RecordKind::atomic:
        return std::string(kernel::atomic_op_name(kernel::rec::atomic_op(r)));
    default:
        return std::string(kernel::record_kind_name(r.kind));
    }
}

std::string call_line(const std::string& head, const std::string& path) {
    // A record named after the function that emits it (a context_switch record in
    // context_switch) names that function once.
    if (path == head || path.starts_with(head + " ← ")) {
        return path;
    }
    return path.empty() ? head : head + " ← " + path;
}

ExplainObserver::ExplainObserver(const std::string& counter, int cpus, double ghz)
    : ids_(check::declare_counters(registry_)), classifier_(ids_, cpus), ghz_(ghz) {
    const auto [cpu, name] = sim::split_cpu_prefix(counter);
    const auto id = registry_.find(name);
    SIM_ASSERT(id.has_value(), "explain: unknown counter {}", counter);
    target_ = *id;
    cpu_ = cpu;
}

void ExplainObserver::on_start(const kernel::KernelState& ks, const kernel::Trace& trace) {
    text_.attach(ks);
    trace_ = &trace;
}

void ExplainObserver::on_record(const kernel::Record& r) {
    classifier_.classify(r, [&](sim::CounterId id, std::int64_t n) {
        if (id.index != target_.index || (cpu_ >= 0 && r.cpu != cpu_)) {
            return;
        }
        total_ += n;
        const std::string path = trace_->format_path(r.path);
        const double us = static_cast<double>(r.time.count()) / (ghz_ * 1000.0);
        lines_.push_back(fmt::format("t={} ({:.3f}us) cpu{} {}: {}{}\n    {}", r.time.count(), us,
                                     r.cpu, text_.task_name(r.task), text_.describe(r),
                                     n != 1 ? fmt::format(" [+{}]", n) : "",
                                     call_line(record_head(r), path)));
        seqs_.push_back(r.seq);
    });
}

} // namespace cli
