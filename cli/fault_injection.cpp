#include "cli/fault_injection.h"

#include "sim/panic.h"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace cli {

void FaultInjection::on_record(const kernel::Record& r) {
    ++seen_;
    SIM_ASSERT(seen_ != at_record_, "TLBSIM_TEST_INTERNAL_ERROR: forced at record {} (t={}, cpu{})",
               seen_, r.time.count(), r.cpu);
}

std::optional<std::uint64_t> injected_fault_for(const std::string& policy) {
    const char* env = std::getenv("TLBSIM_TEST_INTERNAL_ERROR");
    if (env == nullptr) {
        return std::nullopt;
    }
    const std::string_view spec(env);
    const auto colon = spec.rfind(':');
    if (colon == std::string_view::npos || spec.substr(0, colon) != policy) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    const auto digits = spec.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc{} || end != digits.data() + digits.size() || n == 0) {
        return std::nullopt;
    }
    return n;
}

run::RunResult run_scenario_checked(const scenario::Scenario& sc, const std::string& policy,
                                    run::RunOptions options) {
    std::optional<FaultInjection> fault;
    if (const auto n = injected_fault_for(policy)) {
        fault.emplace(*n);
        options.observers.push_back(&*fault);
    }
    return run::run_scenario(sc, policy, options);
}

} // namespace cli
