#include "membarrier/membarrier.h"

#include "arch_x86/machine.h"

namespace membarrier {

using arch_x86::KFrame;
using kernel::Fn;
using kernel::RecordKind;

Membarrier::Membarrier(sched::Scheduler& s) : s_(s) { s.syscalls = this; }

std::int64_t Membarrier::membarrier(int cpu, std::int64_t cmd, std::int64_t flags,
                                    std::int64_t cpu_id) {
    (void)flags;
    (void)cpu_id;
    KFrame frame(s_.m, cpu, Fn::sys_membarrier);
    s_.m.step(cpu, kernel::Cost::membarrier_entry);
    // The commands arrive with the seed-comparison issue; until then every call is EINVAL.
    const std::int64_t result = -22;
    s_.m.emit(cpu, {.kind = RecordKind::membarrier_return,
                    .other = static_cast<std::int32_t>(result),
                    .value = cmd});
    return result;
}

} // namespace membarrier
