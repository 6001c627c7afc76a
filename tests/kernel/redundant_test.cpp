// The redundancy rule of docs/design.md (Observables): a scheduler-path sync_core on CPU c at t is
// redundant when c executed another [SER] after the last store that changed c's
// membarrier-visible mm and before t, with no user code in between. The seed thread's three
// cases on a SYNC_CORE-registered process, where a thread waits on cpu0 (the CPU idles lazily
// on its mm) and its sibling on cpu1 wakes it:
//   P3  nothing happened to the mm meanwhile: the return is d1 (smp_mb, no CR3), and
//       finish_task_switch's sync_core is the only serialization: needed;
//   P4  a flush without freed_tables skipped the lazy CPU: d2, a flushing CR3 then the sync:
//       redundant;
//   P5  a freed_tables flush unlazied the CPU: d3, a CR3 through the different-mm branch, then
//       the sync: redundant.
// rfc-v2 and rfc-v2-intended drop the sync from finish_task_switch; the intended version keeps
// one in switch_mm's lazy, generation-equal branch (P3 only), which is never redundant.

#include "kernel/support.h"

#include <string>

namespace {

using test::Counters;

std::string seed_case(const std::string& b_flush_step) {
    return R"(
[machine]
cpus = 2
max_cycles = 40000

[[process]]
name = "jit"
register = ["private_expedited_sync_core"]

[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 1000", "wait go", "user 1000000"]

[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 3000", )" +
           b_flush_step + R"("signal go", "user 1000000"]
)";
}

} // namespace

SCENARIO("the redundancy rule on the seed's lazy-return cases", "[redundant]") {
    GIVEN("P3: a's CPU idles lazily and nothing touches jit") {
        const auto sc = test::load(seed_case(""));
        WHEN("run under v5.10") {
            const auto r = test::run(sc, "v5.10");
            const Counters c{r};
            THEN("the finish_task_switch sync is the only [SER] after the rq->curr store") {
                // idle->a: rq->curr store (visible mm NULL -> jit), switch_mm d1: smp_mb and no
                // CR3; finish_task_switch: rq->prev_mm == jit == current->mm, registered:
                // sync_core. The wakeup came from cpu1 through the polling idle loop (no
                // interrupt, no IRET).
                CHECK(c("cpu0.ser.sync_core@finish_task_switch") == 1);
                CHECK(c("ser.redundant") == 0);
                // cpu0's [SER]: the boot CR3, ret_from_fork's IRET, the sync.
                CHECK(c("cpu0.ser.total") == 3);
                CHECK(c("cpu0.fb.smp_mb") == 1);
            }
        }
        WHEN("run under rfc-v2") {
            const auto r = test::run(sc, "rfc-v2");
            const Counters c{r};
            THEN("no sync at all: the current->mm guard is evaluated while current is idle") {
                CHECK(c("ser.sync_core") == 0);
                CHECK(c("ser.redundant") == 0);
                CHECK(c("cpu0.ser.total") == 2);
            }
        }
        WHEN("run under rfc-v2-intended") {
            const auto r = test::run(sc, "rfc-v2-intended");
            const Counters c{r};
            THEN("the sync moves into switch_mm_irqs_off and is not redundant") {
                CHECK(c("cpu0.ser.sync_core@switch_mm_irqs_off") == 1);
                CHECK(c("ser.sync_core@finish_task_switch") == 0);
                CHECK(c("ser.redundant") == 0);
                CHECK(c("cpu0.ser.total") == 3);
            }
        }
    }
    GIVEN("P4: a flush without freed_tables skips a's lazy CPU") {
        const auto sc = test::load(seed_case(R"("flush_tlb pages=1", )"));
        WHEN("run under v5.10") {
            const auto r = test::run(sc, "v5.10");
            const Counters c{r};
            THEN("the stale-generation CR3 flush makes the sync redundant") {
                // No IPI (cpu0 lazy). idle->a: smp_mb, ctxs[1].tlb_gen 0 < 1: flushing CR3 on
                // the same ASID after the rq->curr store; then finish_task_switch's sync_core
                // with no user code since: redundant.
                CHECK(c("ipi.sent") == 0);
                CHECK(c("cpu0.ser.cr3") == 2);
                CHECK(c("cpu0.cr3.write.flush") == 2);
                CHECK(c("cpu0.ser.sync_core@finish_task_switch") == 1);
                CHECK(c("ser.redundant") == 1);
                CHECK(c("cpu0.ser.redundant") == 1);
            }
        }
        for (const char* policy : {"rfc-v2", "rfc-v2-intended"}) {
            WHEN(std::string("run under ") + policy) {
                const auto r = test::run(sc, policy);
                const Counters c{r};
                THEN("no sync (the stale branch has none) and nothing redundant") {
                    CHECK(c("ser.sync_core") == 0);
                    CHECK(c("ser.redundant") == 0);
                    CHECK(c("cpu0.ser.cr3") == 2);
                }
            }
        }
    }
    GIVEN("P5: a freed_tables flush unlazies a's CPU (the seed's unlazy-via-shootdown)") {
        const auto sc = test::load(seed_case(R"("flush_tlb pages=1 freed_tables", )"));
        WHEN("run under v5.10") {
            const auto r = test::run(sc, "v5.10");
            const Counters c{r};
            THEN("the different-mm CR3 write makes the sync redundant") {
                // The flush reaches cpu0 through the polling idle loop (no IPI): unlazy, CR3 to
                // init_mm. idle->a: init_mm != jit: cpumask_set_cpu and a flushing CR3 (the
                // slot is at gen 0 < 1), after the rq->curr store; then the sync: redundant.
                CHECK(c("cpu0.tlb.unlazy") == 1);
                CHECK(c("cpu0.ser.cr3") == 3);
                CHECK(c("cpu0.fb.smp_mb") == 0);
                CHECK(c("cpu0.ser.sync_core@finish_task_switch") == 1);
                CHECK(c("ser.redundant") == 1);
                CHECK(c("cpu0.ser.redundant") == 1);
            }
        }
        for (const char* policy : {"rfc-v2", "rfc-v2-intended"}) {
            WHEN(std::string("run under ") + policy) {
                const auto r = test::run(sc, policy);
                const Counters c{r};
                THEN("no sync and nothing redundant") {
                    CHECK(c("ser.sync_core") == 0);
                    CHECK(c("ser.redundant") == 0);
                    CHECK(c("cpu0.ser.cr3") == 3);
                }
            }
        }
    }
}
