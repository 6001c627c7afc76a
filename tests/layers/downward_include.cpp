// Must compile (tests/CMakeLists.txt, layers_downward_include_builds): a sched-layer source sees
// its own folder and every layer below it, so the upward probe fails for the right reason.
#include "arch_x86/machine.h"
#include "kernel/record.h"
#include "policy/knobs.h"
#include "scenario_model/scenario.h"
#include "sched/scheduler.h"
#include "sim/simulation.h"
