#pragma once
// A forced internal error, for tests of what tlbsim does when it fails: with
// TLBSIM_TEST_INTERNAL_ERROR=POLICY:N in the environment, a run under POLICY panics at its Nth
// record (from inside the model, on a fiber, as a real bug would). Unset, it costs nothing.

#include "kernel/trace.h"
#include "run/runner.h"

#include <cstdint>
#include <optional>
#include <string>

namespace cli {

class FaultInjection : public kernel::RecordObserver {
public:
    explicit FaultInjection(std::uint64_t at_record) : at_record_(at_record) {}
    void on_record(const kernel::Record& r) override;

private:
    std::uint64_t at_record_;
    std::uint64_t seen_ = 0;
};

/// The record number at which a run under `policy` is to fail, from the environment.
std::optional<std::uint64_t> injected_fault_for(const std::string& policy);

/// run::run_scenario with the injected fault, if the environment asks for one.
run::RunResult run_scenario_checked(const scenario::Scenario& sc, const std::string& policy,
                                    run::RunOptions options);

} // namespace cli
