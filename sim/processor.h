#pragma once
// The engine's view of one CPU: which fiber (kernel stack) it runs, its interrupt flag and
// pending interrupts, and the ways its code lets simulated time pass. It knows nothing about x86
// or Linux: the layer above installs an InterruptHandler that decides what taking an interrupt
// means, and it runs on the interrupted fiber, like a handler on the interrupted task's stack.

#include "sim/cpu_id.h"
#include "sim/cycles.h"
#include "sim/rng.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sim {

class Fiber;
class Processor;
class Simulation;
struct StepDelay;

struct InterruptRequest {
    std::uint32_t vector = 0;     ///< meaning defined by the layer above
    CpuId sender = CpuId::none(); ///< the sending CPU; none for a device or a timer
    std::uint64_t data = 0;
    Cycles raised_at;
};

class InterruptHandler {
public:
    virtual ~InterruptHandler() = default;
    /// Called on `cpu`'s current fiber at a step boundary with interrupts enabled and at least one
    /// pending; must consume the pending requests it handles.
    virtual void take_interrupts(Processor& cpu) = 0;
};

class alignas(64) Processor {
public:
    enum class State : std::uint8_t {
        running,       ///< its fiber is executing now
        advancing,     ///< inside advance(): resumes at the step's end
        interruptible, ///< inside advance_interruptible(): an interrupt may cut the step short
        blocked,       ///< inside block(): resumes only by wake() (or an interrupt if asked)
        idle_no_fiber, ///< nothing to run (before start)
    };

    Processor(Simulation& sim, int id, std::uint64_t root_seed, int jitter_percent);

    int id() const { return id_; }
    Simulation& sim() { return sim_; }
    State state() const { return state_; }

    // --- interrupt flag -------------------------------------------------------------------
    bool irqs_enabled() const { return irqs_enabled_; }
    void set_irqs_enabled(bool on) { irqs_enabled_ = on; }
    std::deque<InterruptRequest>& pending() { return pending_; }
    /// Takes pending interrupts now if enabled (a step boundary). Called on this CPU's fiber.
    void take_interrupts();
    /// Marks an interrupt pending; cuts an interruptible step short or wakes a block() that asked.
    void raise(const InterruptRequest& request);

    // --- time passing, called on this CPU's current fiber ------------------------------------
    /// The cost after jitter, and after the delays due by now (SimConfig::delays); draw it once
    /// per step so the record and the delay agree.
    Cycles jittered(Cycles cost);
    /// This CPU's delays among `all` (SimConfig::delays), applied in time order.
    void set_delays(const std::vector<StepDelay>& all);
    /// Lets exactly `d` cycles pass; interrupts arriving meanwhile wait for the boundary at its
    /// end.
    void advance(Cycles d);
    /// Lets `d` cycles pass, taking interrupts as they arrive (the rest of the step continues
    /// after the handler). A step ending at t completes before an interrupt pending at t is taken.
    void advance_interruptible(Cycles d);
    /// Lets time pass until `until`, or until an interrupt cuts it short; the interrupts are left
    /// pending for the caller (take_one_interrupt), whose handler may move the task to another
    /// CPU -- so the caller goes on from whichever CPU its task is then on, never from this one.
    void advance_until_interrupted(Cycles until);
    /// Takes the oldest pending interrupt if IRQs are enabled; false when none was taken.
    bool take_one_interrupt();
    /// Suspends until wake(), or until an interrupt arrives when `wake_on_interrupt`. An
    /// interrupt already pending does not end it (a CPU spinning with IRQs off, csd_lock_wait,
    /// leaves it pending).
    void block(bool wake_on_interrupt);
    /// HLT or MWAIT: like block(true), but an interrupt already pending ends it at once, IRQs on
    /// or off (taken now if they are on, else when they are enabled).
    void wait_for_interrupt();
    /// Makes a blocked processor resume now (from anywhere). No effect unless blocked.
    void wake();

    // --- fibers ---------------------------------------------------------------------------
    Fiber* current_fiber() const { return fiber_; }
    /// Binds a fiber without running it (start of the run). The hub resumes it at `at`.
    void start(Fiber* fiber, Cycles at);
    /// From the running fiber: `next` runs on this CPU from now on. The caller then either
    /// yields (it stays suspended until another switch picks it) or finishes.
    void switch_fiber(Fiber* next);
    bool switch_pending() const { return switch_pending_; }
    void clear_switch_pending() { switch_pending_ = false; }

    /// Engine half of a state dump (the layer above adds its own).
    std::string describe() const;

    // Hub side.
    /// Its outstanding resumption event has happened.
    void resumed() { resume_seq_.reset(); }
    /// Whether the resumption event `seq` is the one still wanted (a newer one, or a block,
    /// supersedes it).
    bool is_current_resume(std::uint64_t seq) const { return resume_seq_ == seq; }
    void set_running() { state_ = State::running; }

private:
    void schedule_resume(Cycles at);
    void cancel_resume();
    void suspend(State s);

    // What every event of this CPU touches comes first, so that it shares the object's first two
    // cache lines (the pending list's emptiness is its iterators', in the second): with a
    // thousand CPUs these lines are cold at each resumption.
    Simulation& sim_;
    Fiber* fiber_ = nullptr;
    /// The queued resumption event, if any; a new one cancels it (an interrupt cuts a step short).
    std::optional<std::uint64_t> resume_seq_;
    Cycles step_end_;
    State state_ = State::idle_no_fiber;
    bool irqs_enabled_ = true;
    bool wake_on_interrupt_ = false;
    bool switch_pending_ = false;
    int id_;
    std::deque<InterruptRequest> pending_;
    // Only when a step's duration is drawn (jittered).
    Rng rng_;
    int jitter_percent_;
    std::vector<std::pair<Cycles, Cycles>> delays_; ///< (at, extra), by `at`
    std::size_t next_delay_ = 0;                    ///< the first not yet applied
};

} // namespace sim
