#pragma once
// What one scenario may ask of the simulator (docs/limits.md). Each limit keeps a run from
// overflowing its arithmetic or the host's memory, and is reported like any other scenario
// error: one line with file:line:column.

#include "scenario_model/scenario.h"

#include <cstdint>

namespace scenario::limits {

/// CPUs of one machine: the largest x86 configuration Linux supports (NR_CPUS, MAXSMP=8192 is
/// rare; 4096 is the common distribution maximum).
inline constexpr int cpus = 4096;
/// Any one time or length (a step's N, `start`, `at`, `max_cycles`, `timeslice`, a cost) and a
/// thread's whole program after `repeat` expansion: 2^50 cycles, 4.3 days at 3 GHz. With jitter
/// (at most doubling every length) and every cost added, the engine's 64-bit clock cannot
/// overflow.
inline constexpr std::int64_t cycles = std::int64_t{1} << 50;
/// Steps executed after `repeat` expansion, every thread together: at about a million steps per
/// second of host time, a run stays within hours. A steady-state workload should set
/// `max_cycles` and loop with a large `repeat`: steps beyond max_cycles are never executed, so
/// they count only up to the limit when `max_cycles` is set (see check_limits).
inline constexpr std::int64_t steps = 1'000'000'000;
/// Host memory the run is estimated to need: threads' stacks and task state, and per-CPU state.
/// 16 GiB leaves room on a 24 GiB machine; the estimate is conservative (docs/limits.md).
inline constexpr std::int64_t memory_bytes = std::int64_t{16} << 30;
inline constexpr std::int64_t bytes_per_task = 16 * 1024;
inline constexpr std::int64_t bytes_per_cpu = 32 * 1024;

/// The run's estimated host memory.
std::int64_t estimated_memory(const Scenario& sc);

/// Checks the limits that need the whole scenario (steps after expansion, a program's total time,
/// memory); throws ScenarioError at the thread or machine that exceeds one.
void check_limits(const Scenario& sc);

} // namespace scenario::limits
