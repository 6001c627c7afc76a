#include "scenario_model/scenario.h"

#include <algorithm>

namespace scenario {

bool Machine::is_online(int cpu) const {
    if (cpu < 0 || cpu >= cpus) {
        return false;
    }
    // `offline` is sorted and unique (the loader guarantees it).
    return !std::binary_search(offline.begin(), offline.end(), cpu);
}

} // namespace scenario
