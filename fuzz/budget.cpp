#include "fuzz/budget.h"

#include <algorithm>

namespace fuzz {

std::string fit_to_budget(scenario::Scenario& sc, const Budget& budget) {
    if (sc.machine.cpus > budget.max_cpus) {
        return "more than " + std::to_string(budget.max_cpus) + " CPUs";
    }
    if (sc.threads.size() > budget.max_threads) {
        return "more than " + std::to_string(budget.max_threads) + " threads";
    }
    if (sc.injects.size() > budget.max_injects) {
        return "more than " + std::to_string(budget.max_injects) + " injects";
    }
    sc.machine.max_cycles =
        std::min(sc.machine.max_cycles.value_or(budget.max_cycles), budget.max_cycles);
    if (sc.policies.size() > budget.max_policies) {
        sc.policies.resize(budget.max_policies);
    }
    return "";
}

} // namespace fuzz
