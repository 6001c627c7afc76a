#pragma once
// All kernel objects of one simulated machine: tasks, mms, runqueues and the scenario's events.
// Plain data; the behaviour lives in arch_x86/, sched/ and membarrier/.

#include "kernel/mm.h"
#include "kernel/rq.h"
#include "kernel/task.h"

#include <memory>
#include <string>
#include <vector>

namespace kernel {

/// A scenario EVENT: a latch that `signal` sets (it stays set) and whose waiters it wakes.
struct EventLatch {
    std::string name;
    bool signalled = false;
    std::vector<Task*> waiters;
};

/// A user variable of a process (`[[process]] variables`): its value in memory, which a store
/// reaches when it leaves its CPU's store buffer (arch_x86/user_memory.h).
struct UserVariable {
    std::string name;
    std::int64_t value = 0;
};

struct KernelState {
    std::vector<std::unique_ptr<Mm>> mms;
    std::vector<std::unique_ptr<Task>> tasks;
    std::vector<Rq> rqs;
    std::vector<EventLatch> events;
    std::vector<UserVariable> user_vars; ///< by scenario variable index
    Mm* init_mm = nullptr;
    Mm* efi_mm = nullptr;
    Mm* poking_mm = nullptr;
    /// last_mm_ctx_id (arch/x86/mm/init.c): init_mm has ctx_id 1, new mms get 2, 3, ...
    std::uint64_t last_mm_ctx_id = 1;
    std::vector<Mm*> process_mm; ///< each scenario process's current mm (exec replaces it)
    int live_tasks = 0;          ///< scenario threads and kthreads not yet exited; 0 ends the run
    /// The scenario the tasks' programs point into (run-time messages name steps by it).
    const scenario::Scenario* scenario = nullptr;

    int nr_cpus() const { return static_cast<int>(rqs.size()); }
    Mm& new_mm(std::string name, MmKind kind, int process);
    Task& new_task(std::string name, bool kthread);
};

} // namespace kernel
