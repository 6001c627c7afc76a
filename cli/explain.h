#pragma once
// `tlbsim explain`: the records behind one counter, each with the modelled call path
// (e.g. "sync_core ← finish_task_switch ← context_switch ← __schedule ← futex_wait").

#include "check/counting_observer.h"
#include "kernel/record_text.h"
#include "kernel/trace.h"

#include <string>
#include <vector>

namespace cli {

class ExplainObserver : public kernel::RecordObserver {
public:
    /// `counter` is a full name ("ser.redundant" or "cpu0.ser.sync_core"); it must exist.
    ExplainObserver(const std::string& counter, int cpus, double ghz);
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;

    const std::vector<std::string>& lines() const { return lines_; }
    /// The seq of the record behind each line.
    const std::vector<std::uint64_t>& seqs() const { return seqs_; }
    std::int64_t total() const { return total_; }

private:
    sim::CounterRegistry registry_;
    check::Counters ids_;
    check::CounterClassifier classifier_;
    sim::CounterId target_{};
    int cpu_ = -1;
    double ghz_;
    kernel::RecordText text_;
    const kernel::Trace* trace_ = nullptr;
    std::vector<std::string> lines_;
    std::vector<std::uint64_t> seqs_;
    std::int64_t total_ = 0;
};

/// The name of the instruction or operation a record stands for, as the head of a call path.
std::string record_head(const kernel::Record& r);

/// "HEAD ← PATH", innermost first; HEAD once when the path starts with it.
std::string call_line(const std::string& head, const std::string& path);

} // namespace cli
