#include "check/run_checks.h"

namespace check {

RunChecks::RunChecks(sim::CounterRegistry& counters, int cpus, bool rq_membarrier_state)
    : counters_(counters), cpus_(cpus), ids_(declare_counters(counters)),
      counting_(counters, ids_, cpus), checker_(cpus) {
    counters_.reset(cpus);
    checker_.set_rq_membarrier_state(rq_membarrier_state);
}

void RunChecks::attach(kernel::Trace& trace) {
    trace.add_observer(&counting_);
    trace.add_observer(&checker_);
}

void RunChecks::fold_verdicts() {
    for (std::size_t p = 0; p < property_names.size(); ++p) {
        for (int c = 0; c < cpus_; ++c) {
            counters_.add(ids_.violation[p], c, checker_.count(static_cast<int>(p), c));
        }
    }
    for (std::size_t k = 0; k < mechanism_names.size(); ++k) {
        for (int c = 0; c < cpus_; ++c) {
            counters_.add(ids_.warning[k], c, checker_.warning_count(static_cast<int>(k), c));
        }
    }
}

std::vector<std::string> RunChecks::violated_properties() const {
    std::vector<std::string> out;
    for (std::size_t p = 0; p < property_names.size(); ++p) {
        std::int64_t total = 0;
        for (int c = 0; c < cpus_; ++c) {
            total += checker_.count(static_cast<int>(p), c);
        }
        if (total > 0) {
            out.emplace_back(property_names[p]);
        }
    }
    return out;
}

} // namespace check
