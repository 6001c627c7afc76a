#include "cli/narrative.h"

#include <fmt/format.h>

namespace cli {

void Narrative::on_record(const kernel::Record& r) {
    const double us = static_cast<double>(r.time.count()) / (ghz_ * 1000.0);
    const std::string path = trace_->format_path(r.path);
    fmt::print(out_, "{:>12} {:>10.3f}us cpu{:<3} {:<16} {}{}\n", r.time.count(), us, r.cpu,
               text_.task_name(r.task), text_.describe(r), path.empty() ? "" : "  [" + path + "]");
}

} // namespace cli
