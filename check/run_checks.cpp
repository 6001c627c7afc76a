#include "check/run_checks.h"

namespace check {

RunChecks::RunChecks(sim::CounterRegistry& counters, const CheckedMachine& machine)
    : counters_(counters), cpus_(machine.cpus), ids_(declare_counters(counters)),
      counting_(counters, ids_, machine.cpus), checker_(machine.cpus) {
    counters_.reset(machine.cpus);
    checker_.set_rq_membarrier_state(machine.rq_membarrier_state);
    checker_.set_pti(machine.pti);
}

void RunChecks::attach(kernel::Trace& trace) {
    trace.add_observer(&counting_);
    trace.add_observer(&checker_);
}

void RunChecks::fold_verdicts() {
    fold_obligations();
    for (const auto& p : properties) {
        for (int c = 0; c < cpus_; ++c) {
            counters_.add(ids_.violation[p.id], c, checker_.count(p.id, c));
        }
    }
    for (const auto& k : mechanism_rules) {
        for (int c = 0; c < cpus_; ++c) {
            counters_.add(ids_.warning[k.id], c, checker_.warning_count(k.id, c));
        }
    }
}

void RunChecks::fold_obligations() {
    checker_.finish_obligations();
    const ObligationLedger& ledger = checker_.obligations();
    for (int c = 0; c < cpus_; ++c) {
        for (std::size_t i = 0; i < call_properties.size(); ++i) {
            counters_.add(ids_.discharged[i], c, ledger.discharged(call_properties[i], c));
        }
        counters_.add(ids_.ser_sync_core_unneeded, c, ledger.unneeded(c));
        for (std::size_t s = 0; s < sync_core_sites.size(); ++s) {
            counters_.add(ids_.ser_sync_core_unneeded_at[s], c, ledger.unneeded_at(s, c));
        }
    }
}

std::vector<std::string> RunChecks::violated_properties() const {
    std::vector<std::string> out;
    for (const auto& p : properties) {
        std::int64_t total = 0;
        for (int c = 0; c < cpus_; ++c) {
            total += checker_.count(p.id, c);
        }
        if (total > 0) {
            out.emplace_back(p.name);
        }
    }
    return out;
}

} // namespace check
