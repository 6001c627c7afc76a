#pragma once
// `-v`: one line per record, in the spirit of ftrace output (time, CPU, task, event, details,
// and the modelled call path), under a header naming the columns; only the records the view
// (--from, --to, --cpus, --task) shows.

#include "cli/view.h"
#include "kernel/record_text.h"
#include "kernel/trace.h"

#include <cstdio>

namespace cli {

class Narrative : public kernel::RecordObserver {
public:
    Narrative(std::FILE* out, double ghz, View view = {})
        : out_(out), ghz_(ghz), view_(std::move(view)) {}
    /// Prints the header (and the view, when there is one).
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;

private:
    std::FILE* out_;
    double ghz_;
    View view_;
    kernel::RecordText text_;
    const kernel::Trace* trace_ = nullptr;
};

} // namespace cli
