#pragma once
// Which serializing events the counters call redundant (docs/design.md, Observables, "Redundant"),
// record by record, and the cycles they cost. Uses the same classifier as the counters, so a
// record flagged here is exactly one that incremented `ser.redundant`.

#include "check/counting_observer.h"
#include "kernel/trace.h"

#include <cstdint>

namespace cli {

class RedundancyObserver : public kernel::RecordObserver {
public:
    explicit RedundancyObserver(int cpus)
        : ids_(check::declare_counters(registry_)), classifier_(ids_, cpus) {}
    RedundancyObserver(const RedundancyObserver&) = delete; // the classifier refers to ids_
    RedundancyObserver& operator=(const RedundancyObserver&) = delete;

    void on_record(const kernel::Record& r) override {
        last_redundant_ = false;
        classifier_.classify(r, [&](sim::CounterId id, std::int64_t n) {
            if (id.index == ids_.ser_redundant.index) {
                last_redundant_ = true;
                count_ += n;
                cycles_ += r.cost.count();
            }
        });
    }

    /// Whether the record most recently passed to on_record() was a redundant serialization.
    bool last_was_redundant() const { return last_redundant_; }
    /// The number of redundant serializations (equals the `ser.redundant` counter).
    std::int64_t count() const { return count_; }
    /// The cycles they cost (their records' `cost`).
    std::int64_t cycles() const { return cycles_; }

private:
    sim::CounterRegistry registry_;
    check::Counters ids_;
    check::CounterClassifier classifier_;
    bool last_redundant_ = false;
    std::int64_t count_ = 0;
    std::int64_t cycles_ = 0;
};

} // namespace cli
