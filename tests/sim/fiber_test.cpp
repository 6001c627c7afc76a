// Fibers that a run leaves suspended are unwound: their frames' destructors run, so no kernel
// path's heap-owning local leaks however the run stops (max_cycles, a panic, a parked stack).

#include "fake_model.h"

#include "sim/panic.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using sim::Cycles;
using sim::RunStatus;
using simtest::config;
using simtest::FakeModel;
using simtest::FnBody;

using Lines = std::vector<std::string>;

namespace {

/// A frame's local whose destructor says it ran (and, like a kernel path's CpuMask, owns heap).
struct Local {
    std::vector<std::string>& log;
    std::string name;
    std::unique_ptr<int> heap = std::make_unique<int>(1);
    ~Local() { log.push_back(name + " destroyed"); }
};

} // namespace

TEST_CASE("fiber: a run stopped at max_cycles leaves its fibers suspended mid-path; "
          "unwind_suspended destroys their frames, oldest fiber first",
          "[sim][fiber]") {
    sim::SimConfig c = config(2);
    c.max_cycles = Cycles{100};
    FakeModel m(c);
    Lines log;
    bool a_resumed = false;
    m.start(0, [&] {
        Local outer{log, "a.outer"};
        {
            Local inner{log, "a.inner"};
            m.cpu(0).advance(Cycles{1000}); // still in this step when the run stops at t=100
            a_resumed = true;
        }
    });
    sim::Fiber* b = m.start(1, [&] {
        Local l{log, "b"};
        m.cpu(1).block(false); // nobody wakes it
    });
    CHECK(m.sim.run() == RunStatus::max_cycles);
    CHECK(log.empty());
    CHECK(b->suspended());
    CHECK(m.sim.fiber_pool().live_fibers() == 2);

    m.sim.fiber_pool().unwind_suspended();
    CHECK(log == Lines{"a.inner destroyed", "a.outer destroyed", "b destroyed"});
    CHECK_FALSE(a_resumed); // unwinding runs destructors only, never the code after the yield
    CHECK(b->finished());
    CHECK_FALSE(b->suspended());
    m.sim.fiber_pool().unwind_suspended(); // nothing left to unwind
    CHECK(log.size() == 3);
}

TEST_CASE("fiber: destroying a suspended fiber unwinds it first", "[sim][fiber]") {
    sim::FiberPool pool;
    Lines log;
    std::unique_ptr<sim::Fiber> f;
    FnBody body([&] {
        Local l{log, "frame"};
        f->yield(); // no dispatcher: back to the hub, never resumed by a run
        log.push_back("after yield");
    });
    f = std::make_unique<sim::Fiber>(pool, body);
    f->resume();
    CHECK(f->suspended());
    CHECK(log.empty());
    f.reset();
    CHECK(log == Lines{"frame destroyed"});
    CHECK(pool.live_fibers() == 0);
}

TEST_CASE("fiber: unwinding leaves fibers that never started or already finished alone",
          "[sim][fiber]") {
    sim::FiberPool pool;
    int runs = 0;
    FnBody body([&] { ++runs; });
    sim::Fiber finished(pool, body);
    finished.resume();
    sim::Fiber never_started(pool, body);
    pool.unwind_suspended();
    never_started.unwind();
    CHECK(runs == 1);
    CHECK(finished.finished());
    CHECK_FALSE(never_started.started());
    CHECK_FALSE(never_started.finished());
    never_started.resume(); // still runnable: unwinding did not touch it
    CHECK(runs == 2);
}

TEST_CASE("fiber: a destructor that yields during the unwind returns at once", "[sim][fiber]") {
    sim::FiberPool pool;
    Lines log;
    std::unique_ptr<sim::Fiber> f;
    struct YieldingLocal {
        sim::Fiber& fiber;
        Lines& log;
        ~YieldingLocal() {
            fiber.yield();
            log.push_back("destructor finished");
        }
    };
    FnBody body([&] {
        YieldingLocal l{*f, log};
        f->yield();
    });
    f = std::make_unique<sim::Fiber>(pool, body);
    f->resume();
    f->unwind();
    CHECK(log == Lines{"destructor finished"});
    CHECK(f->finished());
}

TEST_CASE("fiber: after a panic the fibers the run left suspended are unwound with the run",
          "[sim][fiber][panic]") {
    Lines log;
    {
        FakeModel m(config(2));
        m.start(0, [&] {
            m.cpu(0).advance(Cycles{10});
            SIM_ASSERT(m.now() != 10, "forced at t={}", m.now());
        });
        m.start(1, [&] {
            Local l{log, "cpu1 frame"};
            m.cpu(1).advance(Cycles{20}); // suspended here when cpu0 panics at t=10
        });
        CHECK_THROWS_AS(m.sim.run(), sim::InternalError);
        CHECK(log.empty());
    }
    CHECK(log == Lines{"cpu1 frame destroyed"});
}

TEST_CASE("fiber: a fiber that destroys another's suspended fiber (a dead task's parked kernel "
          "stack, put_task_stack) unwinds it and carries on",
          "[sim][fiber]") {
    sim::FiberPool pool;
    Lines log;
    std::unique_ptr<sim::Fiber> parked;
    FnBody parked_body([&] {
        Local l{log, "parked frame"};
        parked->yield(); // parked for good
        log.push_back("parked resumed");
    });
    std::unique_ptr<sim::Fiber> reaper;
    FnBody reaper_body([&] {
        Local l{log, "reaper frame"};
        parked.reset();
        log.push_back("reaper carries on");
    });
    parked = std::make_unique<sim::Fiber>(pool, parked_body);
    reaper = std::make_unique<sim::Fiber>(pool, reaper_body);
    parked->resume();
    reaper->resume();
    CHECK(log == Lines{"parked frame destroyed", "reaper carries on", "reaper frame destroyed"});
    CHECK(reaper->finished());
    CHECK(pool.live_fibers() == 1);
}

TEST_CASE("fiber: the pool forgets destroyed fibers at once and still unwinds the rest oldest "
          "first (blocked tasks end a fiber at every sleep)",
          "[sim][fiber]") {
    sim::FiberPool pool;
    Lines log;
    std::vector<std::unique_ptr<FnBody>> bodies;
    std::vector<std::unique_ptr<sim::Fiber>> fibers;
    for (int i = 0; i < 200; ++i) {
        bodies.push_back(std::make_unique<FnBody>([&log, &fibers, i] {
            Local l{log, "f" + std::to_string(i)};
            fibers[static_cast<std::size_t>(i)]->yield(); // back to the hub
        }));
        fibers.push_back(std::make_unique<sim::Fiber>(pool, *bodies.back()));
        fibers.back()->resume();
    }
    CHECK(pool.live_fibers() == 200);
    for (int i = 0; i < 200; ++i) {
        if (i % 10 != 3) {
            fibers[static_cast<std::size_t>(i)].reset(); // unwound as it goes
        }
    }
    CHECK(pool.live_fibers() == 20);
    CHECK(log.size() == 180);
    log.clear();
    pool.unwind_suspended();
    Lines expected;
    for (int i = 3; i < 200; i += 10) {
        expected.push_back("f" + std::to_string(i) + " destroyed");
    }
    CHECK(log == expected);
    fibers.clear();
    CHECK(pool.live_fibers() == 0);
}
