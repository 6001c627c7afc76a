// engine_bench: the engine's event throughput against a bare binary-heap "hold" loop with the
// same number of pending events, in one binary (docs/design.md, Performance targets: engine >=
// 0.5x).
//
//   bare:   std::priority_queue of (time, seq) holding P events; each iteration pops the minimum
//           and pushes a new event at time + increment.
//   engine: a Simulation with P CPUs, each running a fiber that loops advance(increment), so the
//           engine's queue also holds P pending events and every event resumes one fiber.
//
//   queue:  (diagnostic) the same hold loop on sim::EventQueue alone, without fibers, to split the
//           engine's cost between its event queue and its fiber switches.
//
// All draw their increments from one xorshift generator in event order, so they see the same
// sequence of increments. Usage: engine_bench [events-per-run [repetitions
// [all|bare|queue|engine]]] (the last argument runs one loop only, for profiling).

#include "sim/simulation.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <queue>
#include <string_view>
#include <utility>
#include <vector>

namespace {

struct XorShift {
    std::uint64_t s = 0x2545f4914f6cdd1dULL;
    std::uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    /// 1..1024 cycles.
    std::int64_t increment() { return 1 + static_cast<std::int64_t>(next() & 1023); }
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Result {
    std::uint64_t events = 0;
    double seconds = 0;
    std::int64_t final_time = 0; // also keeps the work from being optimized away
    double rate() const { return static_cast<double>(events) / seconds; }
};

Result bare_heap(int pending, std::uint64_t events) {
    using Item = std::pair<std::int64_t, std::uint64_t>; // (time, seq)
    std::vector<Item> storage;
    storage.reserve(static_cast<std::size_t>(pending) + 1);
    std::priority_queue<Item, std::vector<Item>, std::greater<>> q(std::greater<>{},
                                                                   std::move(storage));
    XorShift x;
    std::uint64_t seq = 0;
    for (int i = 0; i < pending; ++i) {
        q.push({x.increment(), seq++});
    }
    std::int64_t now = 0;
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < events; ++i) {
        now = q.top().first;
        q.pop();
        q.push({now + x.increment(), seq++});
    }
    return {.events = events, .seconds = seconds_since(t0), .final_time = now};
}

Result event_queue(int pending, std::uint64_t events) {
    sim::EventQueue q;
    XorShift x;
    for (int i = 0; i < pending; ++i) {
        q.push({.time = sim::Cycles{x.increment()},
                .cls = sim::EventClass::cpu_resume,
                .cpu = i,
                .sender = i});
    }
    sim::Cycles now;
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < events; ++i) {
        sim::Event e = q.pop();
        now = e.time;
        e.time = now + sim::Cycles{x.increment()};
        q.push(e);
    }
    return {.events = events, .seconds = seconds_since(t0), .final_time = now.count()};
}

struct EngineShared {
    sim::Simulation* sim = nullptr;
    XorShift x;
    std::uint64_t steps_left = 0;
};

class HoldBody final : public sim::FiberBody {
public:
    HoldBody(EngineShared& shared, sim::Processor& cpu) : shared_(shared), cpu_(cpu) {}
    void run() override {
        for (;;) {
            if (shared_.steps_left == 0) {
                shared_.sim->finish();
            } else {
                --shared_.steps_left;
            }
            cpu_.advance(sim::Cycles{shared_.x.increment()});
        }
    }

private:
    EngineShared& shared_;
    sim::Processor& cpu_;
};

class NoInterrupts final : public sim::InterruptHandler {
public:
    void take_interrupts(sim::Processor& cpu) override { cpu.pending().clear(); }
};

Result engine(int cpus, std::uint64_t events) {
    sim::SimConfig config;
    config.cpus = cpus;
    config.watchdog_events = std::numeric_limits<std::uint64_t>::max();
    sim::Simulation s(config);
    NoInterrupts handler;
    s.set_interrupt_handler(&handler);

    EngineShared shared;
    shared.sim = &s;
    // The P start events are the first P pops; every later pop is one step's end.
    shared.steps_left = events > static_cast<std::uint64_t>(cpus) ? events - 1 : 0;
    std::vector<std::unique_ptr<HoldBody>> bodies;
    std::vector<std::unique_ptr<sim::Fiber>> fibers;
    for (int i = 0; i < cpus; ++i) {
        bodies.push_back(std::make_unique<HoldBody>(shared, s.cpu(i)));
        fibers.push_back(std::make_unique<sim::Fiber>(s.fiber_pool(), *bodies.back()));
        s.cpu(i).start(fibers.back().get(), sim::Cycles{shared.x.increment()});
    }
    const auto t0 = Clock::now();
    const sim::RunStatus status = s.run();
    const double secs = seconds_since(t0);
    if (status != sim::RunStatus::finished) {
        std::fprintf(stderr, "engine_bench: unexpected run status %d\n", static_cast<int>(status));
        std::exit(1);
    }
    Result r{.events = s.events_processed(), .seconds = secs, .final_time = s.now().count()};
    fibers.clear(); // before the Simulation and its fiber pool
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

volatile std::int64_t g_sink; // keeps the loops' results alive

using Loop = Result (*)(int, std::uint64_t);

/// Median events/s of each loop over `reps` rounds. The loops alternate within a round so that
/// a change in machine load hits all of them alike; a short warm-up run of each comes first.
std::vector<double> measure(const std::vector<Loop>& loops, int pending, std::uint64_t events,
                            int reps) {
    for (Loop loop : loops) {
        g_sink = loop(pending, events / 10).final_time;
    }
    std::vector<std::vector<double>> rates(loops.size());
    for (int r = 0; r < reps; ++r) {
        for (std::size_t i = 0; i < loops.size(); ++i) {
            const Result res = loops[i](pending, events);
            g_sink = res.final_time;
            rates[i].push_back(res.rate());
        }
    }
    std::vector<double> out;
    for (auto& v : rates) {
        out.push_back(median(v));
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    const std::uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 3'000'000;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
    const std::string_view which = argc > 3 ? argv[3] : "all";
    const bool all = which == "all";
    if (events == 0 || reps <= 0 ||
        !(all || which == "bare" || which == "queue" || which == "engine")) {
        std::fprintf(
            stderr, "usage: engine_bench [events-per-run [repetitions [all|bare|queue|engine]]]\n");
        return 2;
    }

    std::printf("engine_bench: %llu events per run, median of %d runs\n",
                static_cast<unsigned long long>(events), reps);
    std::printf("%8s %16s %16s %16s %13s\n", "pending", "bare heap ev/s", "EventQueue ev/s",
                "engine ev/s", "engine/bare");
    bool all_ok = true;
    for (int pending : {64, 1024}) {
        std::vector<Loop> loops;
        if (all || which == "bare") {
            loops.push_back(bare_heap);
        }
        if (all || which == "queue") {
            loops.push_back(event_queue);
        }
        if (all || which == "engine") {
            loops.push_back(engine);
        }
        const std::vector<double> rates = measure(loops, pending, events, reps);
        double bare = 0;
        double queue = 0;
        double eng = 0;
        for (std::size_t i = 0; i < loops.size(); ++i) {
            (loops[i] == bare_heap ? bare : loops[i] == event_queue ? queue : eng) = rates[i];
        }
        const double ratio = bare > 0 ? eng / bare : 0.0;
        all_ok = all_ok && ratio >= 0.5;
        std::printf("%8d %14.2f M %14.2f M %14.2f M %12.2fx\n", pending, bare / 1e6, queue / 1e6,
                    eng / 1e6, ratio);
    }
    if (all) {
        std::printf("target (docs/design.md): engine >= 0.50x the bare heap: %s\n",
                    all_ok ? "met" : "NOT met");
    }
    return 0;
}
