#include "cli/narrative.h"

#include <fmt/format.h>

namespace cli {

void Narrative::on_start(const kernel::KernelState& ks, const kernel::Trace& trace) {
    text_.attach(ks);
    trace_ = &trace;
    if (!view_.everything()) {
        fmt::print(out_, "# view: {}\n", view_.describe_with_tasks());
    }
    // The columns of on_record's lines.
    fmt::print(out_, "#{:>11} {:>12} {:<6} {:<16} {}\n", "cycles", "time(us)", "cpu", "task",
               "event  [call path, innermost first]");
}

void Narrative::on_record(const kernel::Record& r) {
    if (!view_.shows(r, text_)) {
        return;
    }
    const double us = static_cast<double>(r.time.count()) / (ghz_ * 1000.0);
    const std::string path = trace_->format_path(r.path);
    fmt::print(out_, "{:>12} {:>10.3f}us cpu{:<3} {:<16} {}{}\n", r.time.count(), us, r.cpu,
               text_.task_name(r.task), text_.describe(r), path.empty() ? "" : "  [" + path + "]");
}

} // namespace cli
