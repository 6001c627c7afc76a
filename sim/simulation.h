#pragma once
// The engine: simulated time, the event queue, the processors, the fiber pool, the counter
// registry and the record sequence. Events are processed in their total order by dispatch(), which
// runs on whichever stack asks: Simulation::run (the hub) starts the first fiber, and each fiber
// that yields calls it to find the next fiber to jump to (fiber.h). There is no global simulation:
// every model object is handed the Simulation it belongs to.

#include "sim/counters.h"
#include "sim/cycles.h"
#include "sim/event_queue.h"
#include "sim/fiber.h"
#include "sim/processor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sim {

/// A change point of a schedule perturbation (`tlbsim explore`, docs/explore.md): the first step
/// on `cpu` whose duration is drawn (Processor::jittered) at or after time `at` lasts `extra`
/// cycles longer. Steps are the layer above's; the engine only stretches one.
struct StepDelay {
    int cpu = 0;
    Cycles at;
    Cycles extra;
};

struct SimConfig {
    int cpus = 1;
    std::uint64_t seed = 0;
    int jitter_percent = 0;
    std::vector<StepDelay> delays;
    std::optional<Cycles> max_cycles;
    /// The watchdog ends the run when this many events pass without note_progress().
    std::uint64_t watchdog_events = 50'000'000;
};

enum class RunStatus {
    finished,      ///< the layer above called finish()
    out_of_events, ///< nothing left to happen but not finished: the layer above says why
    max_cycles,    ///< reached SimConfig::max_cycles
    no_progress,   ///< the watchdog fired
};

class Simulation {
public:
    explicit Simulation(const SimConfig& config);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    Cycles now() const { return now_; }
    const SimConfig& config() const { return config_; }
    int cpus() const { return static_cast<int>(processors_.size()); }
    Processor& cpu(int id) { return *processors_[static_cast<std::size_t>(id)]; }

    CounterRegistry& counters() { return counters_; }
    FiberPool& fiber_pool() { return pool_; }

    void set_interrupt_handler(InterruptHandler* h) { handler_ = h; }
    InterruptHandler& interrupt_handler() { return *handler_; }
    /// The layer above's half of a state dump (every CPU's kernel view).
    void set_state_dumper(std::function<std::string()> f) { dumper_ = std::move(f); }
    std::string dump_state() const;

    /// Queues `e`; returns its sequence number.
    std::uint64_t schedule(const Event& e);
    /// An interrupt sent to another CPU (or raised by a device): every field named at the call.
    struct InterruptSend {
        CpuId target;
        CpuId sender = CpuId::none(); ///< none for a device
        Cycles at;                    ///< when it becomes pending on `target`
        std::uint32_t vector = 0;
        std::uint64_t data = 0;
    };
    /// Marks an interrupt pending on its target at its time (class: interrupt arrival).
    void send_interrupt(const InterruptSend& s);
    /// A timer that raises interrupt `vector` on `cpu` at `at` (class: timer expiry).
    TimerId arm_timer(int cpu, Cycles at, std::uint32_t vector, std::uint64_t data);
    /// hrtimer_cancel(): the timer raises nothing if it has not expired yet; no effect once it
    /// has (or for a default TimerId). A withdrawn timer's event is skipped when its turn comes,
    /// but still counts as processed (events_processed(), the watchdog), so the counts do not
    /// depend on how a model cancels.
    void cancel_timer(TimerId id);

    /// Runs until finish(), max_cycles, the watchdog, or no event is left.
    RunStatus run();
    void finish() { finished_ = true; }
    /// finish() was called: the run ends once the current event's fiber suspends, and what it
    /// still does until then is past the end.
    bool finishing() const { return finished_; }
    /// Tells the watchdog the model made progress (a program step completed).
    void note_progress() { progress_mark_ = events_; }

    /// The next global record sequence number: "before/after" everywhere is (time, sequence).
    std::uint64_t next_record_seq() { return record_seq_++; }
    std::uint64_t events_processed() const { return events_; }

private:
    /// Processes events until one resumes a fiber and returns it (nullptr: the run is over,
    /// status_ says why). A fiber that switched its CPU's task (switch_to) named a successor,
    /// which runs at once, at the same simulated time.
    Fiber* dispatch();
    static Fiber* dispatch_thunk(void* self) { return static_cast<Simulation*>(self)->dispatch(); }

    SimConfig config_;
    Cycles now_;
    EventQueue queue_;
    FiberPool pool_;
    CounterRegistry counters_;
    std::vector<std::unique_ptr<Processor>> processors_;
    InterruptHandler* handler_ = nullptr;
    std::function<std::string()> dumper_;
    bool finished_ = false;
    RunStatus status_ = RunStatus::finished;
    Processor* running_ = nullptr; ///< whose fiber runs now (nullptr: the hub)
    std::uint64_t events_ = 0;
    std::uint64_t progress_mark_ = 0;
    std::uint64_t record_seq_ = 0;
    /// Withdrawn timers (sequence -> due time) whose events may still be queued: looked up only
    /// when a timer expires, and only while some are withdrawn. Expiry needs no bookkeeping: a
    /// timer due before now has expired; one due now and cancelled after its expiry leaves an
    /// entry that matches nothing and is swept once its time has passed.
    std::unordered_map<std::uint64_t, Cycles> cancelled_timers_;
    Cycles cancelled_until_{-1};     ///< the latest due time in cancelled_timers_
    std::size_t sweep_at_size_ = 64; ///< sweep_cancelled_timers() when the map reaches this
    /// A timer expiry: whether it was withdrawn (and forgets what can no longer match).
    bool withdrawn(const Event& e);
    void sweep_cancelled_timers();
};

} // namespace sim
