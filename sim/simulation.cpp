#include "sim/simulation.h"

#include "sim/panic.h"

#include <fmt/format.h>

#include <algorithm>

namespace sim {

Simulation::Simulation(const SimConfig& config) : config_(config) {
    SIM_ASSERT(config.cpus >= 1, "a simulation needs a CPU, got {}", config.cpus);
    processors_.reserve(static_cast<std::size_t>(config.cpus));
    for (int i = 0; i < config.cpus; ++i) {
        processors_.push_back(
            std::make_unique<Processor>(*this, i, config.seed, config.jitter_percent));
        processors_.back()->set_delays(config.delays);
    }
    pool_.set_dispatcher(&Simulation::dispatch_thunk, this);
    if (config.max_cycles) {
        schedule({.time = *config.max_cycles, .cls = EventClass::end_of_run, .cpu = 0});
    }
}

Simulation::~Simulation() = default;

std::uint64_t Simulation::schedule(const Event& e) {
    SIM_ASSERT(e.time >= now_, "event scheduled in the past: {} < {}", e.time.count(),
               now_.count());
    return queue_.push(e);
}

void Simulation::send_interrupt(const InterruptSend& s) {
    schedule({.time = s.at,
              .cls = EventClass::interrupt_arrival,
              .cpu = s.target.index(),
              .sender = s.sender.index(),
              .kind = s.vector,
              .data = s.data});
}

TimerId Simulation::arm_timer(int cpu, Cycles at, std::uint32_t vector, std::uint64_t data) {
    const std::uint64_t seq = schedule({.time = at,
                                        .cls = EventClass::timer_expiry,
                                        .cpu = cpu,
                                        .sender = -1,
                                        .kind = vector,
                                        .data = data});
    return TimerId{.seq = seq, .at = at};
}

void Simulation::cancel_timer(TimerId id) {
    if (id.at < now_) {
        return; // expired: every event due before now has been processed
    }
    // Due now or later. Due now, it may have expired already (at this very time): then the entry
    // matches no event and the sweep drops it.
    cancelled_timers_.emplace(id.seq, id.at);
    cancelled_until_ = std::max(cancelled_until_, id.at);
    if (cancelled_timers_.size() >= sweep_at_size_) {
        sweep_cancelled_timers();
    }
}

void Simulation::sweep_cancelled_timers() {
    std::erase_if(cancelled_timers_, [&](const auto& entry) { return entry.second < now_; });
    sweep_at_size_ = std::max<std::size_t>(64, 2 * cancelled_timers_.size());
}

bool Simulation::withdrawn(const Event& e) {
    if (cancelled_timers_.empty()) {
        return false;
    }
    const bool found = cancelled_timers_.erase(e.seq) != 0;
    if (e.time > cancelled_until_) {
        cancelled_timers_.clear(); // every withdrawn timer was due before now: none is queued
    }
    return found;
}

std::string Simulation::dump_state() const {
    std::string s = fmt::format("state at t={} after {} events:\n", now_.count(), events_);
    for (const auto& p : processors_) {
        s += "  " + p->describe() + "\n";
    }
    if (dumper_) {
        s += dumper_();
    }
    return s;
}

Fiber* Simulation::dispatch() {
    if (running_ != nullptr && running_->switch_pending()) {
        running_->clear_switch_pending();
        running_->set_running();
        Fiber* f = running_->current_fiber();
        SIM_ASSERT(f != nullptr, "cpu{} switched to no fiber", running_->id());
        return f;
    }
    running_ = nullptr;
    for (;;) {
        // After each event (and what it resumed): the watchdog, then finish().
        if (events_ - progress_mark_ > config_.watchdog_events) {
            status_ = RunStatus::no_progress;
            return nullptr;
        }
        if (finished_) {
            status_ = RunStatus::finished;
            return nullptr;
        }
        if (queue_.empty()) {
            status_ = RunStatus::out_of_events;
            return nullptr;
        }
        const Event e = queue_.pop();
        now_ = e.time;
        ++events_;
        switch (e.cls) {
        case EventClass::cpu_resume: {
            Processor& p = cpu(e.cpu);
            if (!p.is_current_resume(e.seq)) {
                continue; // superseded (Processor::cancel_resume)
            }
            p.resumed();
            p.clear_switch_pending();
            p.set_running();
            Fiber* f = p.current_fiber();
            SIM_ASSERT(f != nullptr, "cpu{} resumed without a fiber", p.id());
            running_ = &p;
            return f;
        }
        case EventClass::timer_expiry:
            if (withdrawn(e)) {
                continue; // cancel_timer
            }
            [[fallthrough]];
        case EventClass::interrupt_arrival:
            cpu(e.cpu).raise(
                {.vector = e.kind, .sender = CpuId{e.sender}, .data = e.data, .raised_at = e.time});
            break;
        case EventClass::end_of_run:
            status_ = RunStatus::max_cycles;
            return nullptr;
        }
    }
}

RunStatus Simulation::run() {
    SIM_ASSERT(handler_ != nullptr, "no interrupt handler installed");
    PanicContext context([this] { return dump_state(); });
    running_ = nullptr;
    if (Fiber* f = dispatch()) {
        f->resume(); // fibers hand over to each other; the last one comes back with status_ set
    }
    return status_;
}

} // namespace sim
