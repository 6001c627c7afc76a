// Fibers and processors driven by a small fake model (fake_model.h): time passing, interrupts,
// blocking, fiber switches through the hub, and how a run ends.

#include "fake_model.h"

#include "sim/panic.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using sim::Cycles;
using sim::Processor;
using sim::RunStatus;
using simtest::config;
using simtest::FakeModel;
using simtest::Taken;

using Times = std::vector<std::int64_t>;
using Lines = std::vector<std::string>;

TEST_CASE("processor: advance lets exactly d cycles pass", "[sim][processor]") {
    FakeModel m(config(1));
    Times times;
    m.start(
        0,
        [&] {
            Processor& p = m.cpu(0);
            times.push_back(m.now());
            p.advance(Cycles{10});
            times.push_back(m.now());
            p.advance(Cycles{20});
            times.push_back(m.now());
            p.advance(Cycles{5});
            times.push_back(m.now());
            p.advance(Cycles{0});
            times.push_back(m.now());
        },
        100);
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(times == Times{100, 110, 130, 135, 135});
    CHECK(m.now() == 135);
}

TEST_CASE("processor: a step of T cycles is not done at T-1 and is done at T", "[sim][processor]") {
    SECTION("seen from another CPU: resumptions at equal time go by CPU id") {
        FakeModel m(config(3));
        bool done0 = false;
        bool done2 = false;
        bool cpu1_saw0_at49 = true;
        bool cpu1_saw0_at50 = false;
        bool cpu1_saw2_at50 = true;
        m.start(0, [&] {
            m.cpu(0).advance(Cycles{50});
            done0 = true;
        });
        m.start(1, [&] {
            m.cpu(1).advance(Cycles{49});
            cpu1_saw0_at49 = done0;
            m.cpu(1).advance(Cycles{1});
            cpu1_saw0_at50 = done0; // cpu0 resumed before cpu1 at t=50
            cpu1_saw2_at50 = done2; // cpu2 resumes after cpu1 at t=50
        });
        m.start(2, [&] {
            m.cpu(2).advance(Cycles{50});
            done2 = true;
        });
        CHECK(m.sim.run() == RunStatus::out_of_events);
        CHECK_FALSE(cpu1_saw0_at49);
        CHECK(cpu1_saw0_at50);
        CHECK_FALSE(cpu1_saw2_at50);
        CHECK(done2);
    }
    SECTION("seen by max_cycles: a resumption at T runs before the end-of-run check at T") {
        for (std::int64_t limit : {49, 50}) {
            sim::SimConfig c = config(1);
            c.max_cycles = Cycles{limit};
            FakeModel m(c);
            bool done = false;
            m.start(0, [&] {
                m.cpu(0).advance(Cycles{50});
                done = true;
                m.cpu(0).advance(Cycles{1000});
            });
            INFO("max_cycles " << limit);
            CHECK(m.sim.run() == RunStatus::max_cycles);
            CHECK(m.now() == limit);
            CHECK(done == (limit == 50));
        }
    }
}

TEST_CASE("processor: an interrupt arriving at a step's end is taken at that boundary; a timer "
          "expiring then waits for the next one",
          "[sim][processor]") {
    FakeModel m(config(1));
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{50}, .vector = 1});
    m.sim.arm_timer(0, Cycles{50}, 2, 0);
    m.start(0, [&] {
        m.cpu(0).advance(Cycles{50});
        m.log("step1");
        m.cpu(0).advance(Cycles{10});
        m.log("step2");
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    REQUIRE(m.taken.size() == 2);
    CHECK(m.taken[0].vector == 1);
    CHECK(m.taken[0].at == 50);
    CHECK(m.taken[1].vector == 2);
    CHECK(m.taken[1].at == 60);
    CHECK(m.taken[1].sender == -1);
    CHECK(m.trace == Lines{"50 cpu0 irq vector 1 from -1 data 0", "50 cpu0 irq done", "50 step1",
                           "60 cpu0 irq vector 2 from -1 data 0", "60 cpu0 irq done", "60 step2"});
}

TEST_CASE("simulation: a cancelled timer raises nothing; cancelling an expired one does nothing",
          "[sim][timer]") {
    FakeModel m(config(1));
    const sim::TimerId early = m.sim.arm_timer(0, Cycles{30}, 2, 1);
    const sim::TimerId late = m.sim.arm_timer(0, Cycles{60}, 2, 2);
    m.sim.arm_timer(0, Cycles{90}, 2, 3); // kept
    std::uint64_t events_at_end = 0;
    m.start(0, [&] {
        m.sim.cancel_timer(early); // before it expires: withdrawn
        m.cpu(0).advance(Cycles{70});
        m.sim.cancel_timer(late);           // expired at 60 and taken at 70: no effect
        m.sim.cancel_timer(late);           // twice: still none
        m.sim.cancel_timer(sim::TimerId{}); // no timer at all
        m.cpu(0).advance(Cycles{30});
        events_at_end = m.sim.events_processed();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    REQUIRE(m.taken.size() == 2);
    CHECK(m.taken[0].data == 2);
    CHECK(m.taken[0].at == 70);
    CHECK(m.taken[1].data == 3);
    CHECK(m.taken[1].at == 100);
    // The withdrawn timer's event still counts as processed: the start, three timers, two
    // step ends.
    CHECK(events_at_end == 6);
}

TEST_CASE("simulation: a timer cancelled at its own expiry time is withdrawn only if it has not "
          "expired yet",
          "[sim][timer]") {
    // At equal time timers expire by CPU id, after every resumption: cpu0's timer wakes cpu0's
    // halted fiber at 50, which then cancels its own (expired at 50: no effect, it was taken)
    // and cpu1's (due at 50, not expired yet: withdrawn, though due now). A later timer still
    // fires.
    FakeModel m(config(2));
    const sim::TimerId own = m.sim.arm_timer(0, Cycles{50}, 2, 1);
    const sim::TimerId other = m.sim.arm_timer(1, Cycles{50}, 2, 2);
    m.sim.arm_timer(0, Cycles{80}, 2, 3);
    m.start(0, [&] {
        m.cpu(0).wait_for_interrupt();
        m.sim.cancel_timer(own);
        m.sim.cancel_timer(other);
        m.cpu(0).wait_for_interrupt();
    });
    m.start(1, [&] { m.cpu(1).advance(Cycles{100}); });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    REQUIRE(m.taken.size() == 2);
    CHECK(m.taken[0].data == 1);
    CHECK(m.taken[0].at == 50);
    CHECK(m.taken[1].data == 3);
    CHECK(m.taken[1].at == 80);
}

TEST_CASE("processor: advance is not interruptible: an interrupt arriving mid-step waits for its "
          "end",
          "[sim][processor]") {
    FakeModel m(config(1));
    m.handler_cost = Cycles{7};
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{30}, .vector = 1});
    std::int64_t end = -1;
    m.start(0, [&] {
        m.cpu(0).advance(Cycles{100});
        end = m.now();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    REQUIRE(m.taken.size() == 1);
    CHECK(m.taken[0].at == 100);
    CHECK(m.taken[0].raised_at == 30);
    CHECK(end == 107);
}

TEST_CASE("processor: interrupts arriving together are taken in the event order",
          "[sim][processor]") {
    FakeModel m(config(1));
    m.sim.send_interrupt(
        {.target = sim::CpuId{0}, .sender = sim::CpuId{3}, .at = Cycles{20}, .vector = 13});
    m.sim.arm_timer(0, Cycles{20}, 99, 0); // class timer: after every arrival
    m.sim.send_interrupt(
        {.target = sim::CpuId{0}, .sender = sim::CpuId{1}, .at = Cycles{20}, .vector = 11});
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{20}, .vector = 10});
    m.start(0, [&] { m.cpu(0).advance_interruptible(Cycles{100}); });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    std::vector<std::uint32_t> vectors;
    for (const Taken& t : m.taken) {
        vectors.push_back(t.vector);
        CHECK(t.at == 20);
    }
    CHECK(vectors == std::vector<std::uint32_t>{10, 11, 13, 99});
    CHECK(m.now() == 100);
}

TEST_CASE("processor: advance_interruptible is cut short by an interrupt and the rest of the step "
          "continues after the handler",
          "[sim][processor]") {
    FakeModel m(config(2));
    m.handler_cost = Cycles{7};
    std::int64_t step_end = -1;
    m.start(0, [&] {
        m.cpu(0).advance_interruptible(Cycles{100});
        step_end = m.now();
    });

    SECTION("one interrupt sent mid-step by another CPU") {
        m.start(1, [&] {
            m.cpu(1).advance(Cycles{40});
            m.sim.send_interrupt({.target = sim::CpuId{0},
                                  .sender = sim::CpuId{1},
                                  .at = m.sim.now(),
                                  .vector = 5,
                                  .data = 77});
        });
        CHECK(m.sim.run() == RunStatus::out_of_events);
        CHECK(m.taken ==
              std::vector<Taken>{
                  {.cpu = 0, .at = 40, .vector = 5, .sender = 1, .data = 77, .raised_at = 40}});
        CHECK(step_end == 107);
    }
    SECTION("two interrupts, the second in the rest of the step") {
        m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{80}, .vector = 6});
        m.start(1, [&] {
            m.cpu(1).advance(Cycles{40});
            m.sim.send_interrupt(
                {.target = sim::CpuId{0}, .sender = sim::CpuId{1}, .at = m.sim.now(), .vector = 5});
        });
        CHECK(m.sim.run() == RunStatus::out_of_events);
        REQUIRE(m.taken.size() == 2);
        CHECK(m.taken[0].at == 40);
        CHECK(m.taken[1].at == 80);
        CHECK(step_end == 114);
    }
    SECTION("an interrupt arriving during the handler is taken right after it") {
        m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{40}, .vector = 5});
        m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{45}, .vector = 6});
        CHECK(m.sim.run() == RunStatus::out_of_events);
        REQUIRE(m.taken.size() == 2);
        CHECK(m.taken[0].at == 40);
        CHECK(m.taken[1].at == 47);
        CHECK(m.taken[1].raised_at == 45);
        CHECK(step_end == 114);
    }
}

TEST_CASE("processor: an interrupt arriving exactly when an interruptible step ends is taken after "
          "the step completes",
          "[sim][processor]") {
    FakeModel m(config(1));
    m.handler_cost = Cycles{7};
    std::int64_t end1 = -1;
    std::int64_t end2 = -1;
    m.start(0, [&] {
        m.cpu(0).advance_interruptible(Cycles{100});
        end1 = m.now();
        m.cpu(0).advance(Cycles{10});
        end2 = m.now();
    });
    SECTION("at the end: the whole step ran, then the handler") {
        m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{100}, .vector = 1});
        CHECK(m.sim.run() == RunStatus::out_of_events);
        REQUIRE(m.taken.size() == 1);
        CHECK(m.taken[0].at == 100);
        CHECK(end1 == 107);
        CHECK(end2 == 117);
    }
    SECTION("one cycle earlier: the step is cut with one cycle left") {
        m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{99}, .vector = 1});
        CHECK(m.sim.run() == RunStatus::out_of_events);
        REQUIRE(m.taken.size() == 1);
        CHECK(m.taken[0].at == 99);
        CHECK(end1 == 107);
        CHECK(end2 == 117);
    }
}

TEST_CASE("processor: interrupts raised while irqs are disabled stay pending until re-enabled",
          "[sim][processor]") {
    FakeModel m(config(1));
    m.handler_cost = Cycles{7};
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{30}, .vector = 4});
    std::size_t pending_at_100 = 0;
    std::size_t pending_at_150 = 0;
    std::size_t taken_at_150 = 99;
    std::int64_t after = -1;
    m.start(0, [&] {
        Processor& p = m.cpu(0);
        p.set_irqs_enabled(false);
        p.advance_interruptible(Cycles{100}); // not cut short
        pending_at_100 = p.pending().size();
        m.log("user done");
        p.advance(Cycles{50}); // a boundary with irqs off: nothing taken
        pending_at_150 = p.pending().size();
        taken_at_150 = m.taken.size();
        p.set_irqs_enabled(true);
        p.take_interrupts();
        after = m.now();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(pending_at_100 == 1);
    CHECK(pending_at_150 == 1);
    CHECK(taken_at_150 == 0);
    REQUIRE(m.taken.size() == 1);
    CHECK(m.taken[0].at == 150);
    CHECK(m.taken[0].raised_at == 30);
    CHECK(after == 157);
    CHECK(m.cpu(0).pending().empty());
    CHECK(m.trace.front() == "100 user done");
}

TEST_CASE("processor: block(true) is woken by an interrupt", "[sim][processor]") {
    FakeModel m(config(2));
    m.handler_cost = Cycles{3};
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{77}, .vector = 8});
    std::int64_t woke = -1;
    Processor::State seen = Processor::State::running;
    m.start(0, [&] {
        m.cpu(0).block(true);
        woke = m.now();
    });
    m.start(1, [&] {
        m.cpu(1).advance(Cycles{50});
        seen = m.cpu(0).state();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(seen == Processor::State::blocked);
    REQUIRE(m.taken.size() == 1);
    CHECK(m.taken[0].at == 77);
    CHECK(woke == 80); // after the handler
}

TEST_CASE("processor: wait_for_interrupt with an interrupt already pending returns at once",
          "[sim][processor]") {
    // MWAIT with IRQs off: the interrupt raised before the wait ends it immediately; it is taken
    // when IRQs are enabled again. (Without the check the CPU would sleep until another wake.)
    FakeModel m(config(1));
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{5}, .vector = 8});
    std::int64_t returned = -1;
    std::size_t taken_at_return = 99;
    m.start(0, [&] {
        m.cpu(0).set_irqs_enabled(false);
        m.cpu(0).advance(Cycles{10}); // the interrupt arrives meanwhile and stays pending
        m.cpu(0).wait_for_interrupt();
        returned = m.now();
        taken_at_return = m.taken.size();
        m.cpu(0).set_irqs_enabled(true);
        m.cpu(0).take_interrupts();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(returned == 10);
    CHECK(taken_at_return == 0);
    REQUIRE(m.taken.size() == 1);
    CHECK(m.taken[0].at == 10);
}

TEST_CASE("processor: block(true) with IRQs off leaves an already pending interrupt pending",
          "[sim][processor]") {
    // csd_lock_wait with IRQs off: the sender waits for the ack (wake() here), not for the
    // interrupt that arrived before it started waiting.
    FakeModel m(config(2));
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{5}, .vector = 8});
    std::int64_t returned = -1;
    m.start(0, [&] {
        m.cpu(0).set_irqs_enabled(false);
        m.cpu(0).advance(Cycles{10});
        m.cpu(0).block(true);
        returned = m.now();
    });
    m.start(1, [&] {
        m.cpu(1).advance(Cycles{100});
        m.cpu(0).wake();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(returned == 100);
    CHECK(m.taken.empty());
    CHECK(m.cpu(0).pending().size() == 1);
}

TEST_CASE("processor: block(false) ignores interrupts and is woken by wake() from another CPU",
          "[sim][processor]") {
    FakeModel m(config(3));
    m.sim.send_interrupt({.target = sim::CpuId{0}, .at = Cycles{50}, .vector = 8});
    std::int64_t woke = -1;
    std::int64_t cpu2_end = -1;
    std::size_t taken_before_wake = 99;
    m.start(0, [&] {
        m.cpu(0).block(false);
        woke = m.now();
    });
    m.start(1, [&] {
        m.cpu(1).advance(Cycles{120});
        taken_before_wake = m.taken.size();
        m.cpu(0).wake();
        m.cpu(2).wake(); // not blocked: no effect
        m.cpu(1).advance(Cycles{10});
    });
    m.start(2, [&] {
        m.cpu(2).advance(Cycles{200});
        cpu2_end = m.now();
    });
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(taken_before_wake == 0);
    REQUIRE(m.taken.size() == 1);
    CHECK(m.taken[0].at == 120); // taken at the boundary where block() returns
    CHECK(m.taken[0].raised_at == 50);
    CHECK(woke == 120);
    CHECK(cpu2_end == 200);
}

TEST_CASE("processor: two fibers switch on one CPU through the hub", "[sim][fiber]") {
    FakeModel m(config(1));
    sim::Fiber* a = nullptr;
    sim::Fiber* b = nullptr;
    a = m.make_fiber([&] {
        m.log("A start");
        m.cpu(0).advance(Cycles{10});
        m.log("A switch");
        m.cpu(0).switch_fiber(b);
        a->yield();
        m.log("A back");
        m.cpu(0).advance(Cycles{3});
        m.log("A done");
    });
    b = m.make_fiber([&] {
        m.log("B start");
        m.cpu(0).advance(Cycles{5});
        m.log("B switch");
        m.cpu(0).switch_fiber(a);
        b->yield();
        m.log("B never");
    });
    m.cpu(0).start(a, Cycles{0});
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(m.trace ==
          Lines{"0 A start", "10 A switch", "10 B start", "15 B switch", "15 A back", "18 A done"});
    CHECK(a->finished());
    CHECK(b->started());
    CHECK_FALSE(b->finished());
    CHECK(m.cpu(0).current_fiber() == a);
}

TEST_CASE("processor: a fiber that finishes after switch_fiber hands the CPU to its successor",
          "[sim][fiber]") {
    FakeModel m(config(1));
    sim::Fiber* b = nullptr;
    sim::Fiber* a = m.start(0, [&] {
        m.cpu(0).advance(Cycles{10});
        m.log("A exits");
        m.cpu(0).switch_fiber(b);
    });
    b = m.make_fiber([&] {
        m.log("B start");
        m.cpu(0).advance(Cycles{5});
        m.log("B done");
    });
    CHECK_FALSE(b->started());
    CHECK(m.sim.run() == RunStatus::out_of_events);
    CHECK(m.trace == Lines{"10 A exits", "10 B start", "15 B done"});
    CHECK(a->finished());
    CHECK(b->finished());
    CHECK(m.cpu(0).current_fiber() == b);
}

TEST_CASE("fiber pool: stacks are reused", "[sim][fiber]") {
    sim::FiberPool pool;
    simtest::FnBody body([] {});
    {
        sim::Fiber f1(pool, body);
        sim::Fiber f2(pool, body);
        CHECK(pool.stacks_allocated() == 2);
        f1.resume();
        CHECK(f1.finished());
    }
    sim::Fiber f3(pool, body);
    CHECK(pool.stacks_allocated() == 2);
    f3.resume();
    CHECK(f3.finished());
}

TEST_CASE("simulation: the watchdog ends a run that makes no progress", "[sim][simulation]") {
    sim::SimConfig c = config(1);
    c.watchdog_events = 100;
    SECTION("no note_progress: no_progress") {
        FakeModel m(c);
        m.start(0, [&] {
            for (;;) {
                m.cpu(0).advance(Cycles{1});
            }
        });
        CHECK(m.sim.run() == RunStatus::no_progress);
        CHECK(m.sim.events_processed() >= 100);
        CHECK(m.sim.events_processed() <= 102);
        CHECK(m.sim.dump_state().find("cpu0: engine state advancing") != std::string::npos);
    }
    SECTION("with note_progress: the watchdog stays quiet") {
        c.max_cycles = Cycles{10'000};
        FakeModel m(c);
        m.start(0, [&] {
            for (;;) {
                m.cpu(0).advance(Cycles{1});
                m.sim.note_progress();
            }
        });
        CHECK(m.sim.run() == RunStatus::max_cycles);
        CHECK(m.now() == 10'000);
    }
}

TEST_CASE("simulation: max_cycles ends the run at that time", "[sim][simulation]") {
    sim::SimConfig c = config(2);
    c.max_cycles = Cycles{1000};
    FakeModel m(c);
    Times t0;
    m.start(0, [&] {
        for (;;) {
            m.cpu(0).advance(Cycles{100});
            t0.push_back(m.now());
            m.sim.note_progress();
        }
    });
    m.start(1, [&] { m.cpu(1).block(false); });
    CHECK(m.sim.run() == RunStatus::max_cycles);
    CHECK(m.now() == 1000);
    REQUIRE_FALSE(t0.empty());
    CHECK(t0.back() == 1000);
    CHECK(t0.size() == 10);
}

TEST_CASE("simulation: out_of_events and finished", "[sim][simulation]") {
    SECTION("every fiber blocked: out_of_events") {
        FakeModel m(config(2));
        m.start(0, [&] { m.cpu(0).advance(Cycles{5}); });
        m.start(1, [&] {
            m.cpu(1).advance(Cycles{8});
            m.cpu(1).block(true);
        });
        CHECK(m.sim.run() == RunStatus::out_of_events);
        CHECK(m.now() == 8);
        CHECK(m.cpu(1).state() == Processor::State::blocked);
    }
    SECTION("finish(): finished, even with events left") {
        FakeModel m(config(2));
        m.start(0, [&] {
            m.cpu(0).advance(Cycles{5});
            m.sim.finish();
        });
        m.start(1, [&] { m.cpu(1).advance(Cycles{1000}); });
        CHECK(m.sim.run() == RunStatus::finished);
        CHECK(m.now() == 5);
    }
}

TEST_CASE("simulation: record sequence numbers count up from 0", "[sim][simulation]") {
    sim::Simulation s(config(1));
    CHECK(s.next_record_seq() == 0);
    CHECK(s.next_record_seq() == 1);
    CHECK(s.next_record_seq() == 2);
    CHECK(s.events_processed() == 0);
    CHECK(s.cpus() == 1);
}

namespace {

/// A busy little machine: CPUs ping each other with interrupts, arm timers, and every cost is
/// jittered. Returns the trace plus the final time and event count.
Lines ping_run(std::uint64_t seed) {
    sim::SimConfig c = config(4);
    c.seed = seed;
    c.jitter_percent = 20;
    FakeModel m(c);
    m.handler_cost_fn = [](Processor& p) { return p.jittered(Cycles{7}); };
    for (int i = 0; i < 4; ++i) {
        m.start(i, [&m, i] {
            Processor& p = m.cpu(i);
            for (int k = 0; k < 40; ++k) {
                p.advance_interruptible(p.jittered(Cycles{100}));
                m.log(fmt::format("cpu{} user {}", i, k));
                m.sim.send_interrupt({.target = sim::CpuId{(i + 1) % 4},
                                      .sender = sim::CpuId{i},
                                      .at = m.sim.now() + p.jittered(Cycles{30}),
                                      .vector = 1,
                                      .data = static_cast<std::uint64_t>(k)});
                p.advance(p.jittered(Cycles{50}));
                if (k % 8 == 0) {
                    m.sim.arm_timer(i, m.sim.now() + p.jittered(Cycles{200}), 2,
                                    static_cast<std::uint64_t>(k));
                }
            }
        });
    }
    const RunStatus status = m.sim.run();
    Lines out = m.trace;
    out.push_back(fmt::format("status {} at {} after {} events", static_cast<int>(status), m.now(),
                              m.sim.events_processed()));
    return out;
}

} // namespace

TEST_CASE("simulation: a run is a pure function of its inputs", "[sim][simulation]") {
    const Lines a = ping_run(1);
    const Lines b = ping_run(1);
    const Lines other = ping_run(2);
    CHECK(a.size() > 400);
    CHECK(a == b);
    CHECK(a != other); // the jitter really depends on the seed
}

TEST_CASE("processor: jittered() draws from the CPU's own stream", "[sim][processor]") {
    sim::SimConfig c = config(2);
    c.seed = 5;
    SECTION("percent 0: the cost itself") {
        FakeModel m(c);
        CHECK(m.cpu(0).jittered(Cycles{123}) == Cycles{123});
    }
    SECTION("per-CPU streams, reproducible") {
        c.jitter_percent = 50;
        FakeModel m1(c);
        FakeModel m2(c);
        Times s0;
        Times s1;
        Times again;
        for (int i = 0; i < 32; ++i) {
            s0.push_back(m1.cpu(0).jittered(Cycles{1000}).count());
            s1.push_back(m1.cpu(1).jittered(Cycles{1000}).count());
            again.push_back(m2.cpu(0).jittered(Cycles{1000}).count());
        }
        CHECK(s0 == again);
        CHECK(s0 != s1);
        for (std::int64_t v : s0) {
            CHECK(v >= 500);
            CHECK(v <= 1500);
        }
    }
}

TEST_CASE("processor: a panic on a fiber unwinds that fiber and ends the run with the error",
          "[sim][processor][panic]") {
    FakeModel m(config(2));
    bool unwound = false;
    struct Guard {
        bool& flag;
        ~Guard() { flag = true; }
    };
    bool other_resumed = false;
    m.start(0, [&] {
        Guard g{unwound};
        m.cpu(0).advance(Cycles{10});
        SIM_ASSERT(m.now() != 10, "forced at t={}", m.now());
    });
    m.start(1, [&] {
        m.cpu(1).advance(Cycles{20}); // still suspended here when cpu0 panics at t=10
        other_resumed = true;
    });
    try {
        m.sim.run();
        FAIL("the run did not rethrow the panic");
    } catch (const sim::InternalError& e) {
        CHECK(std::string(e.headline()).find("assertion `m.now() != 10` failed: forced at t=10") !=
              std::string::npos);
        CHECK(e.dump().find("state at t=10") == 0); // the simulation's dump, taken at the panic
    }
    CHECK(unwound);        // the panicking fiber's frames were destroyed
    CHECK(!other_resumed); // the run ended at the panic
    CHECK(m.now() == 10);
}

TEST_CASE("panic outside a simulation throws without a dump", "[sim][panic]") {
    try {
        sim::panic("no simulation", "here.cpp", 7);
        FAIL("panic returned");
    } catch (const sim::InternalError& e) {
        CHECK(e.headline() == "internal error at here.cpp:7: no simulation");
        CHECK(e.dump().empty());
        CHECK(dynamic_cast<const std::runtime_error*>(&e) == nullptr); // never a user error
    }
}
