// Must not compile (tests/CMakeLists.txt, layers_upward_include_fails): sched/ is below run/, so
// a sched-layer source cannot see run/'s headers (cmake/layers.cmake).
#include "run/runner.h"
#include "sched/scheduler.h"
