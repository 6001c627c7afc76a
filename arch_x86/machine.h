#pragma once
// The simulated x86 machine: the engine, the kernel objects, per-CPU x86 state, the policy's
// knobs, the cost model and the record stream, passed explicitly to every kernel function.
// It also implements interrupt delivery (entry, handler dispatch, IRET), the one place where the
// engine's interrupts become x86 ones.

#include "arch_x86/x86_cpu.h"
#include "kernel/cost_model.h"
#include "kernel/kernel_state.h"
#include "kernel/trace.h"
#include "policy/knobs.h"
#include "scenario_model/scenario.h"
#include "sim/simulation.h"

#include <array>
#include <deque>
#include <functional>
#include <vector>

namespace arch_x86 {

class Machine;
class MemorySearch;
/// A function run by smp_call_function on a target CPU (IRQs off). Installed by the layer that
/// owns it: membarrier/ for ipi_mb and friends; tlb.cpp handles flush_tlb_func_remote itself.
using CsdHandler = std::function<void(Machine& m, int cpu, SmpCall& call)>;

/// What the scheduler provides to the x86 entry code (the layer above implements it).
class SchedulerHooks {
public:
    virtual ~SchedulerHooks() = default;
    /// schedule() on `cpu` from the current task's fiber (need_resched on the way to user mode, or
    /// an idle loop). Returns when this task runs again, possibly on another CPU.
    virtual void schedule(int cpu) = 0;
    /// A timer or device interrupt's handler body (HRTIMER, TICK, DEVICE, FLUSH_KTHREAD vectors).
    virtual void timer_interrupt(int cpu, std::uint32_t vector, std::uint64_t data) = 0;
    /// exit_to_user_mode_loop's signal work: a task with a fatal signal pending (exec's
    /// de_thread killed it) exits here, in the kernel, and never returns.
    virtual void handle_fatal_signal(kernel::Task* t) = 0;
};

class Machine : public sim::InterruptHandler {
public:
    Machine(sim::Simulation& sim, kernel::KernelState& ks, kernel::Trace& trace,
            const policy::Knobs& knobs, const kernel::CostModel& costs,
            const scenario::Machine& config);

    sim::Simulation& sim;
    kernel::KernelState& ks;
    kernel::Trace& trace;
    const policy::Knobs& knobs;
    const kernel::CostModel& costs;
    const scenario::Machine& config;
    std::vector<X86Cpu> cpus;
    std::deque<SmpCall> smp_calls; ///< stable references: targets ack calls in place
    std::array<CsdHandler, 5> csd_handlers;
    SchedulerHooks* sched = nullptr;
    /// An exhaustive search's state for this run (arch_x86/memory_search.h); null in a timed run.
    MemorySearch* search = nullptr;

    X86Cpu& cpu(int id) { return cpus[static_cast<std::size_t>(id)]; }
    kernel::Rq& rq(int id) { return ks.rqs[static_cast<std::size_t>(id)]; }
    kernel::Task* current(int id) { return cpu(id).current; }

    /// Fills in sequence, time, CPU, current task, site and call path, and emits.
    void emit(int cpu, kernel::Record r);
    /// A plain step: lets the (jittered) cost of `c` pass on `cpu`.
    void step(int cpu, kernel::Cost c);
    /// Draws the jittered duration of `c` for a step that also records it.
    sim::Cycles draw(int cpu, kernel::Cost c);

    // Full barriers and their records.
    /// smp_mb(); `then`, if given, is emitted right after the barrier's record at the same
    /// instant (e.g. membarrier's t_b marker, which must follow the barrier it names).
    void smp_mb(int cpu, const kernel::Record* then = nullptr);
    void atomic(int cpu, kernel::AtomicOp op, const kernel::Mm* mm = nullptr,
                std::int64_t value = 0);
    /// One MOV to CR3 ([SER]), priced as `insn` (cr3_write, or pti_cr3 for PTI's switches):
    /// its cr3_write record costs the instruction alone. A flushing write is followed by a
    /// tlb_refill record at the same instant with the cost model's tlb_refill; the CPU spends
    /// both in one step, so the refill is in no [SER] or [FB] count but still in the CPU's time.
    void mov_to_cr3(int cpu, kernel::Cost insn, int mm, std::uint16_t pcid, bool flushes,
                    std::int64_t ctx_gen);
    /// WRITE_ONCE(rq->membarrier_state, ...) on `cpu`: `mm`'s state, or 0 when `mm` is null.
    /// Recorded because GLOBAL_EXPEDITED targets CPUs by it (the checker's K4).
    void set_rq_membarrier_state(int cpu, const kernel::Mm* mm);

    // IRQ flag (local_irq_disable / local_irq_enable, which takes pending interrupts).
    void local_irq_disable(int cpu);
    void local_irq_enable(int cpu);
    /// local_irq_save(): disables and returns whether IRQs were on; local_irq_restore() puts that
    /// back (taking pending interrupts if it re-enables).
    bool local_irq_save(int cpu);
    void local_irq_restore(int cpu, bool flags);
    bool irqs_disabled(int cpu) { return !sim.cpu(cpu).irqs_enabled(); }

    // sim::InterruptHandler
    void take_interrupts(sim::Processor& p) override;

    /// Raises the scheduler tick on `cpu` at the next multiple of the timeslice (if ticking).
    void arm_tick(int cpu);
    void stop_tick(int cpu);

    std::string dump() const;
    /// Makes the engine's state dumps (watchdog, internal errors) include every CPU's kernel view.
    void set_state_dumper_into_sim() {
        sim.set_state_dumper([this] { return dump(); });
    }
};

/// RAII marker of a modelled kernel function on the current task's kernel stack, so that records
/// name their site and call path. Inline helpers in the kernel get no frame.
class KFrame {
public:
    KFrame(Machine& m, int cpu, kernel::Fn fn);
    ~KFrame();
    KFrame(const KFrame&) = delete;
    KFrame& operator=(const KFrame&) = delete;

private:
    kernel::Task* task_;
};

} // namespace arch_x86
