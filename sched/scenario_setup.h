#pragma once
// The machine a scenario describes, as the kernel holds it before the first instruction (what
// Scheduler::boot() then starts): one runqueue per CPU (offline ones marked), the kernel's own
// mms (init_mm, efi_mm, poking_mm), one mm per process with its membarrier registrations, the
// scenario's events, an idle task per CPU, a task per [[thread]] and [[kthread]], and the
// [[inject]] events. A task with `start` 0 is queued on its CPU's runqueue at boot; a later one
// is created at `start` by a timer interrupt on its CPU (wake_up_new_task, docs/barriers.md 2.3).

#include "arch_x86/machine.h"
#include "kernel/kernel_state.h"
#include "scenario_model/scenario.h"
#include "sim/simulation.h"

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace sched {

/// The name of CPU `cpu`'s idle task: "swapper/N", as in Linux.
std::string idle_task_name(int cpu);

/// The name of the kernel thread of [[inject]] number `index` (a flush_tlb one): "kflush/N".
std::string injected_flush_task_name(std::size_t index);

/// Every task a run of `sc` creates, by name: the idle tasks (CPU by CPU, first), the [[thread]]
/// and [[kthread]] tasks, and the injected flush threads.
std::vector<std::string> task_names(const scenario::Scenario& sc);

/// Programs the setup makes up (tasks point into them): they must outlive the run.
using SynthesizedPrograms = std::deque<std::vector<scenario::Step>>;

/// Builds the kernel state and every task of `sc`, and arms the injected events.
void set_up_scenario(sim::Simulation& sim, kernel::KernelState& ks, const scenario::Scenario& sc,
                     SynthesizedPrograms& programs);

/// Where `st`, a step of `t`'s program, was written, for messages: scenario::step_path for a
/// scenario thread's, "inject[N]" for an injected flush's, else the task's name.
std::string step_path_of(const kernel::KernelState& ks, const kernel::Task& t,
                         const scenario::Step& st);

/// `[machine] next_asid` and `[[process]] asid_slots`: after Scheduler::boot(), each CPU's
/// round robin resumes where it was, and each process's mm takes the ASID slots it held before
/// time 0 (arch_x86::preload_next_asid, arch_x86::preload_asid_slot).
void preload_asid_slots(arch_x86::Machine& m, const scenario::Scenario& sc);

/// [[inject]] event = "flush_tlb": a short-lived kernel thread "kflush/<index>", created at
/// `inj.at` (at least cycle 1, so that it is created by the timer interrupt rather than queued at
/// boot) on `inj.cpu`, whose program is one flush_tlb step of the process's mm -- a flush issued
/// from a kernel thread on a process's behalf, like kswapd's reclaim flush. The thread has no mm
/// of its own (it runs lazily on whatever mm its CPU has loaded) and exits after the flush.
void spawn_injected_flush(sim::Simulation& sim, kernel::KernelState& ks,
                          const scenario::Inject& inj, std::size_t index,
                          SynthesizedPrograms& programs);

/// [[inject]] event = "interrupt": a device interrupt (DEVICE_VECTOR) raised on `inj.cpu` at
/// `inj.at`.
void raise_injected_interrupt(sim::Simulation& sim, const scenario::Inject& inj);

} // namespace sched
