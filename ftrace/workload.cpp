#include "ftrace/workload.h"

#include <algorithm>

namespace ftrace {

const Task* Workload::task(int pid) const {
    const auto it = std::lower_bound(tasks.begin(), tasks.end(), pid,
                                     [](const Task& t, int p) { return t.pid < p; });
    return it != tasks.end() && it->pid == pid ? &*it : nullptr;
}

} // namespace ftrace
