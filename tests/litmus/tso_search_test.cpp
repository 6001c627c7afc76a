// The x86-TSO states the exhaustive search (run/exhaustive.h, arch_x86/memory_search.h) once
// missed, each found by scripts/tso-differential and reduced by hand, the dependence of fences and
// locked RMWs, and the IPI choice point's orders (docs/memory-model.md, Exhaustive search).

#include "kernel/record_kinds.h"
#include "litmus/litmus_search.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

using test::scenario_of;
using test::search;
using test::state_texts;
using test::witness_records;

// x86-TSO facts the search missed until 2026-12-07, each found by scripts/tso-differential (an
// independent brute-force x86-TSO machine) on random tests and reduced by hand. Each missed state
// is even a sequentially consistent one.
TEST_CASE("exhaustive: a locked RMW reads another CPU's store that reached memory before it",
          "[litmus]") {
    // P1's store commits, then P0's xchg reads it (r0=2, x=1); or the xchg comes first. The
    // search offered no commit before an RMW whose own buffer held no user store.
    CHECK(state_texts(R"(C xchg-after-commit
{ x = 0; }
P0(int *x) { int r0; r0 = xchg(x, 1); }
P1(int *x) { WRITE_ONCE(*x, 2); }
exists (0:r0=2)
)") == std::vector<std::string>{"P0:r0=0; x=2;", "P0:r0=2; x=1;"});
}

TEST_CASE("exhaustive: a CPU's own store may reach memory before its load, and another CPU's "
          "store after it",
          "[litmus]") {
    // P0's x=1 commits, P1's x=2 commits, P0's load reads memory: r0=2. The search never committed
    // the loading CPU's own stores, so its load always forwarded 1.
    CHECK(state_texts(R"(C own-commit-then-other
{ x = 0; }
P0(int *x) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*x); }
P1(int *x) { WRITE_ONCE(*x, 2); }
exists (0:r0=2)
)") == std::vector<std::string>{"P0:r0=1; x=1;", "P0:r0=1; x=2;", "P0:r0=2; x=2;"});
    // P0's z=1 reaches memory before P1's z=3, which P1's y=4 takes with it (FIFO) before P0
    // reads y: r0=4 with z=3 at the end.
    CHECK(state_texts(R"(C own-commit-coherence
{ y = 0; z = 0; }
P0(int *y, int *z) { int r0; WRITE_ONCE(*z, 1); r0 = READ_ONCE(*y); }
P1(int *y, int *z) { WRITE_ONCE(*z, 3); WRITE_ONCE(*y, 4); }
exists (0:r0=4)
)") == std::vector<std::string>{"P0:r0=0; y=4; z=1;", "P0:r0=0; y=4; z=3;", "P0:r0=4; y=4; z=1;",
                                "P0:r0=4; y=4; z=3;"});
}

TEST_CASE("exhaustive: a commit that takes older stores with it lets other CPUs' stores to their "
          "variables go first",
          "[litmus]") {
    // P2 reads x=4: P1's z=3 reaches memory first (FIFO), and P0's z=2 may precede it. The
    // search offered only buffers holding a store to x, so z=2 could only come after z=3.
    CHECK(state_texts(R"(C fifo-prefix-coherence
{ x = 0; z = 0; }
P0(int *x, int *z) { WRITE_ONCE(*z, 2); }
P1(int *x, int *z) { WRITE_ONCE(*z, 3); WRITE_ONCE(*x, 4); }
P2(int *x, int *z) { int r0; r0 = READ_ONCE(*x); }
exists (2:r0=4)
)") == std::vector<std::string>{"P2:r0=0; x=4; z=2;", "P2:r0=0; x=4; z=3;", "P2:r0=4; x=4; z=2;",
                                "P2:r0=4; x=4; z=3;"});
}

TEST_CASE("exhaustive: another CPU's store may reach memory between two stores of a CPU that "
          "fences",
          "[litmus]") {
    // P1's x=3, P0's x=1 and y=2, P1's y=5: x=1; y=5. Found by a review of the first version of
    // the fix above, which left the fencing CPU's own buffer out of the sequence before its
    // fence (P1's whole buffer then reached memory at once, after the sequence).
    const std::vector<std::string> states = state_texts(R"(C own-buffer-before-fence
{ x = 0; y = 0; }
P0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 2); }
P1(int *x, int *y) { WRITE_ONCE(*x, 3); WRITE_ONCE(*y, 5); smp_mb(); }
exists (x=1 /\ y=5)
)");
    CHECK(states == std::vector<std::string>{"x=1; y=2;", "x=1; y=5;", "x=3; y=2;", "x=3; y=5;"});
}

TEST_CASE("exhaustive: two loads of one variable by different CPUs do not commute", "[litmus]") {
    // P2 reads x=3 (P1's y=2 and x=3 reached memory), then P0's x=1 does and P1, its buffer
    // empty, reads it; P0 read y=0 before any of it. P2's load must come before P1's: the sleep
    // sets took two loads as commuting, and a P1 put to sleep at its load stayed asleep through
    // P2's. The other 17 states were found; the brute-force x86-TSO machine has 18.
    const std::vector<std::string> states = state_texts(R"(C loads-of-one-variable
{ x = 0; y = 0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 2); WRITE_ONCE(*x, 3); r0 = READ_ONCE(*x); }
P2(int *x, int *y) { int r1; r1 = READ_ONCE(*x); }
exists (2:r1=3)
)");
    CHECK(states.size() == 18);
    CHECK(std::count(states.begin(), states.end(), "P0:r0=0; P1:r0=1; P2:r1=3; x=1; y=2;") == 1);
}

// A fence drains only its own buffer and a locked RMW touches its own variable: a fence with no
// store buffered, or an RMW of a variable nobody else accesses, commutes with every other CPU's
// memory step (rand-s1-102 of scripts/tso-differential --threads 3). Until 2026-12-07 every fence
// and RMW was taken as dependent on everything, and this search took 11,760 executions; the only
// race is P0's and P2's stores to y, whose order decides y's final value. x is never stored (P0
// reads 0), z only by P1's xchg (it reads 0, then its own 2).
TEST_CASE("exhaustive: a fence with nothing buffered and an RMW of a private variable commute",
          "[litmus]") {
    const char* const test = R"(C fences-commute
{ x = 0; y = 0; z = 0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x); }
P1(int *z) { int r0; int r1; r0 = xchg(z, 2); smp_mb(); r1 = READ_ONCE(*z); }
P2(int *y) { smp_mb(); smp_mb(); WRITE_ONCE(*y, 3); }
exists (y=1)
)";
    CHECK(state_texts(test) ==
          std::vector<std::string>{"P0:r0=0; P1:r0=0; P1:r1=2; x=0; y=1; z=2;",
                                   "P0:r0=0; P1:r0=0; P1:r1=2; x=0; y=3; z=2;"});
    const run::ExhaustiveResult res =
        search(scenario_of(litmus::parse_litmus(test, "t.litmus")), true);
    CHECK(res.executions < 200);
}

// A fence with a store buffered does not commute with another CPU's access to its variable: P1's
// load of x reads 0 only before P0's fence (P0's store still buffered), and P2's store to x is
// ordered before or after P0's in memory by which reaches memory first. Store buffering with
// both fences forbids 0:r0=0 with 1:r0=0; the other nine combinations of P0's r0 (0, 2), P1's
// r0 (0, 1, 3) and the final x (1, 3) are reachable: P1 reads 0 only if P0 then reads 2, and
// reads 3 with x ending 1 only if x=3 reached memory before x=1, P0's fence after P1's load.
TEST_CASE("exhaustive: a fence with a store buffered does not commute with accesses to it",
          "[litmus]") {
    const std::vector<std::string> states = state_texts(R"(C fence-orders-store
{ x = 0; y = 0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); smp_mb(); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 2); smp_mb(); r0 = READ_ONCE(*x); }
P2(int *x) { WRITE_ONCE(*x, 3); }
exists (0:r0=0 /\ 1:r0=0)
)");
    CHECK(states ==
          std::vector<std::string>{"P0:r0=0; P1:r0=1; x=1; y=2;", "P0:r0=0; P1:r0=1; x=3; y=2;",
                                   "P0:r0=0; P1:r0=3; x=3; y=2;", "P0:r0=2; P1:r0=0; x=1; y=2;",
                                   "P0:r0=2; P1:r0=0; x=3; y=2;", "P0:r0=2; P1:r0=1; x=1; y=2;",
                                   "P0:r0=2; P1:r0=1; x=3; y=2;", "P0:r0=2; P1:r0=3; x=1; y=2;",
                                   "P0:r0=2; P1:r0=3; x=3; y=2;"});
}

// Two states of three-thread membarrier tests (rand-s1-152, rand-s2-159, reduced by hand) that the
// search missed until 2026-12-07 because a CALL_FUNCTION IPI landed after its fixed latency, and
// a target that waited at a turn point could move again only when another thread began a step.
TEST_CASE("exhaustive: a membarrier IPI may land late, after a third thread's steps", "[litmus]") {
    // P0's y=1 stays buffered while P2, its IPI handled, stores x=3 and reads y=0; P0's IPI lands
    // only then (x86 bounds no IPI's delivery), its ipi_mb() drains y=1, and the call returns;
    // P1 reads x=2 with x=3 still in P2's buffer. P0's IPI was sent first: at a fixed latency it
    // drained y=1 before P2 could run. The brute-force x86-TSO machine has 18 states.
    const char* const test = R"(C SB3+membarrier-late-ipi
{ x = 0; y = 0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*x, 2); membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  r0 = READ_ONCE(*x); }
P2(int *x, int *y) { int r0; WRITE_ONCE(*x, 3); r0 = READ_ONCE(*y); }
exists (0:r0=0 /\ 1:r0=2 /\ 2:r0=0 /\ x=3)
)";
    const std::vector<std::string> states = state_texts(test);
    CHECK(states.size() == 18);
    CHECK(std::count(states.begin(), states.end(), "P0:r0=0; P1:r0=2; P2:r0=0; x=3; y=1;") == 1);
    // The execution that reaches it, run again: cpu0's handler says the search held it back, and
    // it comes after P2's load of y.
    const std::vector<kernel::Record> records =
        witness_records(test, "P0:r0=0; P1:r0=2; P2:r0=0; x=3; y=1;");
    const auto held = std::find_if(records.begin(), records.end(), [](const auto& r) {
        return r.kind == kernel::RecordKind::irq_enter && kernel::rec::irq_held(r);
    });
    REQUIRE(held != records.end());
    CHECK(held->cpu == 0);
    const auto p2_load_y = std::find_if(records.begin(), records.end(), [](const auto& r) {
        return r.kind == kernel::RecordKind::user_load && r.cpu == 2;
    });
    CHECK(p2_load_y < held);
}

TEST_CASE("exhaustive: a target may go on right after its IPI's handler, before the caller returns",
          "[litmus]") {
    // P2, its IPI handled, stores y=4 and reads z=0 while P0's z=1 is still buffered; P0's IPI,
    // held until then, drains z=1, and P0's xchg reads 3 and writes 2; then P1 returns and reads
    // 2, and y=4 reaches memory last. Before, neither target could move between its handler and
    // P1's next step, which then had to come first. The x86-TSO machine has 23 states.
    const std::vector<std::string> states = state_texts(R"(C SB3+membarrier-window
{ y = 0; z = 0; }
P0(int *y, int *z) { int r0; WRITE_ONCE(*z, 1); r0 = xchg(y, 2); }
P1(int *y, int *z) { int r0; WRITE_ONCE(*y, 3); membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  r0 = READ_ONCE(*y); }
P2(int *y, int *z) { int r0; WRITE_ONCE(*y, 4); r0 = READ_ONCE(*z); }
exists (0:r0=3 /\ 1:r0=2 /\ 2:r0=0 /\ y=4)
)");
    CHECK(states.size() == 23);
    CHECK(std::count(states.begin(), states.end(), "P0:r0=3; P1:r0=2; P2:r0=0; y=4; z=1;") == 1);
}

TEST_CASE("exhaustive: with two threads too, the target may go on between its handler and the "
          "caller's next step",
          "[litmus]") {
    // P0's IPI comes before its store; P0 stores x=1 (buffered) and reads y=0, and only then does
    // P1's xchg write y=2 and P1 read x=0. P1's first step after the call had to come first: P0,
    // waiting since before the call, could move only when another thread began a step. Found by a
    // review of the first version of the choice point, which offered it only with a third task
    // alive; the x86-TSO machine has these 4 states.
    const char* const test = R"(C two-thread-window
{ x = 0; y = 0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; int r1; membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  r0 = xchg(y, 2); r1 = READ_ONCE(*x); }
exists (0:r0=0 /\ 1:r0=0 /\ 1:r1=0)
)";
    // P0's store comes in the cycle its return from the IPI (IRET) reaches user mode: the waiting
    // thread looks again right after a handler, not at its next poll.
    const std::vector<kernel::Record> records =
        witness_records(test, "P0:r0=0; P1:r0=0; P1:r1=0; x=1; y=2;");
    const auto store = std::find_if(records.begin(), records.end(), [](const auto& r) {
        return r.kind == kernel::RecordKind::user_store && r.cpu == 0;
    });
    REQUIRE(store != records.end());
    const auto iret =
        std::find_if(std::make_reverse_iterator(store), records.rend(), [](const auto& r) {
            return r.kind == kernel::RecordKind::return_to_user && r.cpu == 0;
        });
    REQUIRE(iret != records.rend());
    CHECK(kernel::rec::return_insn(*iret) == kernel::ReturnInsn::iret);
    CHECK(iret->time == store->time);
    CHECK(std::any_of(records.begin(), store, [](const auto& r) {
        return r.kind == kernel::RecordKind::irq_enter && r.cpu == 0;
    }));
    CHECK(state_texts(test) == std::vector<std::string>{"P0:r0=0; P1:r0=0; P1:r1=0; x=1; y=2;",
                                                        "P0:r0=0; P1:r0=0; P1:r1=1; x=1; y=2;",
                                                        "P0:r0=2; P1:r0=0; P1:r1=0; x=1; y=2;",
                                                        "P0:r0=2; P1:r0=0; P1:r1=1; x=1; y=2;"});
}
