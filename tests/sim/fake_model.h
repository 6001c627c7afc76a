#pragma once
// A tiny stand-in for the layers above the engine: it installs an InterruptHandler, creates
// fibers whose bodies are lambdas, and records what happened with the simulated time.
//
// Rules for the lambdas (they run on fibers): no Catch2 assertions (REQUIRE throws, and no
// exception may cross a fiber stack) -- record into the model and check after run(). A fiber still
// suspended at the end is unwound when it is destroyed (its locals' destructors run).

#include "sim/simulation.h"

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace simtest {

class FnBody final : public sim::FiberBody {
public:
    explicit FnBody(std::function<void()> fn) : fn_(std::move(fn)) {}
    void run() override { fn_(); }

private:
    std::function<void()> fn_;
};

struct Taken {
    int cpu = 0;
    std::int64_t at = 0; ///< simulated time when the handler started
    std::uint32_t vector = 0;
    int sender = 0;
    std::uint64_t data = 0;
    std::int64_t raised_at = 0;

    bool operator==(const Taken&) const = default;
};

class FakeModel final : public sim::InterruptHandler {
public:
    explicit FakeModel(const sim::SimConfig& config) : sim(config) {
        sim.set_interrupt_handler(this);
    }

    /// A fiber (not yet bound to a CPU) running `fn`.
    sim::Fiber* make_fiber(std::function<void()> fn) {
        bodies_.push_back(std::make_unique<FnBody>(std::move(fn)));
        fibers_.push_back(std::make_unique<sim::Fiber>(sim.fiber_pool(), *bodies_.back()));
        return fibers_.back().get();
    }
    /// Binds a new fiber running `fn` to `cpu`, first resumed at `at`.
    sim::Fiber* start(int cpu, std::function<void()> fn, std::int64_t at = 0) {
        sim::Fiber* f = make_fiber(std::move(fn));
        sim.cpu(cpu).start(f, sim::Cycles{at});
        return f;
    }

    sim::Processor& cpu(int id) { return sim.cpu(id); }
    std::int64_t now() const { return sim.now().count(); }
    void log(const std::string& what) { trace.push_back(fmt::format("{} {}", now(), what)); }

    /// One request per call, like a handler entered with interrupts off; it may spend time.
    void take_interrupts(sim::Processor& p) override {
        const sim::InterruptRequest r = p.pending().front();
        p.pending().pop_front();
        taken.push_back({.cpu = p.id(),
                         .at = now(),
                         .vector = r.vector,
                         .sender = r.sender.index(),
                         .data = r.data,
                         .raised_at = r.raised_at.count()});
        trace.push_back(fmt::format("{} cpu{} irq vector {} from {} data {}", now(), p.id(),
                                    r.vector, r.sender.index(), r.data));
        const sim::Cycles cost = handler_cost_fn ? handler_cost_fn(p) : handler_cost;
        if (cost > sim::Cycles::zero()) {
            p.set_irqs_enabled(false);
            p.advance(cost);
            p.set_irqs_enabled(true);
        }
        trace.push_back(fmt::format("{} cpu{} irq done", now(), p.id()));
    }

    // Declared first: destroyed after every fiber below has released its stack to the pool.
    sim::Simulation sim;
    sim::Cycles handler_cost{0};
    std::function<sim::Cycles(sim::Processor&)> handler_cost_fn;
    std::vector<Taken> taken;
    std::vector<std::string> trace;

private:
    std::vector<std::unique_ptr<FnBody>> bodies_;
    std::vector<std::unique_ptr<sim::Fiber>> fibers_;
};

inline sim::SimConfig config(int cpus) {
    sim::SimConfig c;
    c.cpus = cpus;
    return c;
}

} // namespace simtest
