#include "sim/processor.h"

#include "sim/fiber.h"
#include "sim/panic.h"
#include "sim/simulation.h"

#include <fmt/format.h>

#include <algorithm>

namespace sim {

Processor::Processor(Simulation& sim, int id, std::uint64_t root_seed, int jitter_percent)
    : sim_(sim), id_(id), rng_(root_seed, static_cast<std::uint64_t>(id)),
      jitter_percent_(jitter_percent) {}

Cycles Processor::jittered(Cycles cost) {
    Cycles d = jitter(cost, jitter_percent_, rng_);
    while (next_delay_ < delays_.size() && delays_[next_delay_].first <= sim_.now()) {
        d += delays_[next_delay_++].second;
    }
    return d;
}

void Processor::set_delays(const std::vector<StepDelay>& all) {
    delays_.clear();
    next_delay_ = 0;
    for (const StepDelay& d : all) {
        if (d.cpu == id_) {
            delays_.emplace_back(d.at, d.extra);
        }
    }
    std::stable_sort(delays_.begin(), delays_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
}

void Processor::cancel_resume() {
    // The queued event stays in the queue; Simulation::dispatch skips it when its turn comes
    // (is_current_resume), which costs no lookup in the engine's set of cancelled events.
    resume_seq_.reset();
}

void Processor::schedule_resume(Cycles at) {
    cancel_resume();
    step_end_ = at;
    resume_seq_ = sim_.schedule(
        {.time = at, .cls = EventClass::cpu_resume, .cpu = id_, .sender = id_, .kind = 0});
}

void Processor::suspend(State s) {
    SIM_ASSERT(state_ == State::running, "cpu{} suspends while {}", id_, static_cast<int>(s));
    state_ = s;
    fiber_->yield();
    // The hub set us running again.
}

void Processor::take_interrupts() {
    while (irqs_enabled_ && !pending_.empty()) {
        sim_.interrupt_handler().take_interrupts(*this);
    }
}

void Processor::advance(Cycles d) {
    SIM_ASSERT(d >= Cycles::zero(), "cpu{} advances by negative {}", id_, d.count());
    schedule_resume(sim_.now() + d);
    suspend(State::advancing);
    take_interrupts();
}

void Processor::advance_interruptible(Cycles d) {
    Cycles end = sim_.now() + d;
    for (;;) {
        schedule_resume(end);
        suspend(State::interruptible);
        if (sim_.now() >= end) {
            break;
        }
        // Cut short by an interrupt: handle it, then continue with what is left. The handler may
        // reschedule this task; time keeps running while it is away, so the rest is relative.
        const Cycles remaining = end - sim_.now();
        take_interrupts();
        end = sim_.now() + remaining;
    }
    take_interrupts();
}

void Processor::advance_until_interrupted(Cycles until) {
    if (sim_.now() >= until) {
        return;
    }
    schedule_resume(until);
    suspend(State::interruptible);
}

bool Processor::take_one_interrupt() {
    if (!irqs_enabled_ || pending_.empty()) {
        return false;
    }
    sim_.interrupt_handler().take_interrupts(*this);
    return true;
}

void Processor::wait_for_interrupt() {
    if (!pending_.empty()) {
        take_interrupts();
        return;
    }
    block(/*wake_on_interrupt=*/true);
}

void Processor::block(bool wake_on_interrupt) {
    wake_on_interrupt_ = wake_on_interrupt;
    cancel_resume(); // no resumption is outstanding while blocked
    suspend(State::blocked);
    wake_on_interrupt_ = false;
    take_interrupts();
}

void Processor::wake() {
    if (state_ == State::blocked) {
        schedule_resume(sim_.now());
        state_ = State::advancing; // a resumption is now on its way
    }
}

void Processor::raise(const InterruptRequest& request) {
    pending_.push_back(request);
    if (state_ == State::interruptible && irqs_enabled_ && step_end_ > sim_.now()) {
        schedule_resume(sim_.now()); // supersedes the step-end resumption
        state_ = State::advancing;
    } else if (state_ == State::blocked && wake_on_interrupt_) {
        wake();
    }
}

void Processor::start(Fiber* fiber, Cycles at) {
    fiber_ = fiber;
    schedule_resume(at);
    state_ = State::advancing;
}

void Processor::switch_fiber(Fiber* next) {
    SIM_ASSERT(state_ == State::running, "cpu{} switches fiber while not running", id_);
    fiber_ = next;
    switch_pending_ = true;
}

std::string Processor::describe() const {
    static constexpr const char* names[] = {"running", "advancing", "interruptible", "blocked",
                                            "idle"};
    std::string s =
        fmt::format("cpu{}: engine state {}, irqs {}, {} pending interrupt(s)", id_,
                    names[static_cast<int>(state_)], irqs_enabled_ ? "on" : "off", pending_.size());
    if (state_ == State::interruptible || state_ == State::advancing) {
        s += fmt::format(", step ends at {}", step_end_.count());
    }
    return s;
}

} // namespace sim
