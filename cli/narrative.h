#pragma once
// `-v`: one line per record, in the spirit of ftrace output (time, CPU, task, event, details,
// and the modelled call path).

#include "kernel/trace.h"

#include <cstdio>

namespace cli {

class Narrative : public kernel::RecordObserver {
public:
    Narrative(std::FILE* out, double ghz) : out_(out), ghz_(ghz) {}
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;

private:
    std::string describe(const kernel::Record& r) const;
    std::string mm_name(int id) const;
    std::string task_name(int id) const;

    std::FILE* out_;
    double ghz_;
    const kernel::KernelState* ks_ = nullptr;
    const kernel::Trace* trace_ = nullptr;
};

} // namespace cli
