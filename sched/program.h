#pragma once
// What a task's kernel stack runs: the idle loop (do_idle), or a scenario thread's program --
// user steps in user mode, system calls through entry and exit, kthread steps in kernel mode.

#include <memory>

namespace kernel {
struct Task;
}
namespace sim {
class Fiber;
}

namespace sched {

class Scheduler;

/// The fiber of `t`, running from schedule_tail() (or do_idle for an idle task).
std::unique_ptr<sim::Fiber> make_task_fiber(Scheduler& s, kernel::Task& t);

} // namespace sched
