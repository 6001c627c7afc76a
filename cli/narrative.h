#pragma once
// `-v`: one line per record, in the spirit of ftrace output (time, CPU, task, event, details,
// and the modelled call path).

#include "kernel/record_text.h"
#include "kernel/trace.h"

#include <cstdio>

namespace cli {

class Narrative : public kernel::RecordObserver {
public:
    Narrative(std::FILE* out, double ghz) : out_(out), ghz_(ghz) {}
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override {
        text_.attach(ks);
        trace_ = &trace;
    }
    void on_record(const kernel::Record& r) override;

private:
    std::FILE* out_;
    double ghz_;
    kernel::RecordText text_;
    const kernel::Trace* trace_ = nullptr;
};

} // namespace cli
