#include "kernel/cost_model.h"

#include "sim/panic.h"

namespace kernel {

const std::array<CostInfo, static_cast<std::size_t>(Cost::count_)>& cost_table() {
    static const std::array<CostInfo, static_cast<std::size_t>(Cost::count_)> table = {{
#define TLBSIM_X(name, value, source) {#name, value, source},
        TLBSIM_COSTS(TLBSIM_X)
#undef TLBSIM_X
    }};
    return table;
}

CostModel::CostModel() {
    for (std::size_t i = 0; i < values_.size(); ++i) {
        values_[i] = cost_table()[i].default_value;
    }
}

void CostModel::override_costs(const std::map<std::string, std::int64_t>& overrides) {
    for (const auto& [name, value] : overrides) {
        bool found = false;
        for (std::size_t i = 0; i < values_.size(); ++i) {
            if (cost_table()[i].name == name) {
                values_[i] = value;
                found = true;
            }
        }
        SIM_ASSERT(found, "unknown cost {} reached the cost model", name);
    }
}

} // namespace kernel
