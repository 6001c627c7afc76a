// The identities of docs/design.md's counter table hold on every run: they are derived from one
// record stream, so a record kind counted twice or not at all breaks them.

#include "kernel/support.h"

#include <fmt/format.h>

namespace {

const char* const busy_scenario = R"(
[machine]
cpus = 3
timeslice = 20000

[[process]]
name = "jit"
register = ["private_expedited_sync_core", "private_expedited"]

[[process]]
name = "other"

[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 3000", "membarrier private_expedited_sync_core", "wait go", "user 30000", "yield", "user 100"]

[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 5000", "flush_tlb pages=3", "flush_tlb pages=40 freed_tables", "signal go", "sleep 4000", "user 1000"]

[[thread]]
name = "c"
process = "other"
cpu = 0
program = ["user 25000", "membarrier private_expedited expect=EPERM", "user 10"]

[[kthread]]
name = "k"
cpu = 2
program = ["work 2000", "use_mm jit", "work 500", "unuse_mm", "efi_call", "text_poke", "exit"]

[[inject]]
at = 7000
cpu = 2
event = "interrupt"
)";

void check_identities(const run::RunResult& r) {
    auto v = [&](const std::string& n) { return test::counter(r, n); };
    for (int c = -1; c < r.counters.cpus(); ++c) {
        const std::string p = c < 0 ? "" : fmt::format("cpu{}.", c);
        INFO("prefix " << p);
        CHECK(v(p + "ser.total") ==
              v(p + "ser.cr3") + v(p + "ser.invlpg") + v(p + "ser.iret") + v(p + "ser.sync_core"));
        CHECK(v(p + "fb.total") ==
              v(p + "ser.total") + v(p + "fb.smp_mb") + v(p + "fb.mfence") + v(p + "fb.atomic"));
        CHECK(v(p + "cr3.write") == v(p + "ser.cr3"));
        CHECK(v(p + "cr3.write") == v(p + "cr3.write.flush") + v(p + "cr3.write.noflush"));
        CHECK(v(p + "ipi.sent") == v(p + "ipi.membarrier") + v(p + "ipi.tlb") +
                                       v(p + "ipi.resched") + v(p + "ipi.sync_rq_state"));
        CHECK(v(p + "ser.sync_core") == v(p + "ser.sync_core@finish_task_switch") +
                                            v(p + "ser.sync_core@switch_mm_irqs_off") +
                                            v(p + "ser.sync_core@ipi_sync_core"));
        CHECK(v(p + "ser.redundant") <= v(p + "ser.sync_core@finish_task_switch") +
                                            v(p + "ser.sync_core@switch_mm_irqs_off"));
        CHECK(v(p + "cycles.fb") >= v(p + "cycles.ser"));
        // A refill follows every flushing CR3 write and nothing else.
        CHECK((v(p + "cycles.tlb_refill") > 0) == (v(p + "cr3.write.flush") > 0));
    }
    // Every counter's total is the sum of its per-CPU values.
    for (const auto& d : r.counters.declared()) {
        std::int64_t sum = 0;
        for (int c = 0; c < r.counters.cpus(); ++c) {
            sum += v(fmt::format("cpu{}.{}", c, d.name));
        }
        INFO("counter " << d.name);
        CHECK(sum == v(d.name));
    }
    // A run that ends with every thread exited has delivered every IPI it sent.
    CHECK(v("ipi.received") == v("ipi.sent"));
}

} // namespace

TEST_CASE("counter identities hold under every preset", "[counters]") {
    const auto sc = test::load(busy_scenario);
    for (const char* policy : {"v5.10", "rfc-v2", "rfc-v2-intended"}) {
        INFO("policy " << policy);
        const auto r = test::run(sc, policy);
        CHECK(r.step_expect_failures.empty());
        check_identities(r);
        // The scenario exercises every kind of event at least once.
        CHECK(test::counter(r, "ser.invlpg") == 3);
        CHECK(test::counter(r, "ipi.tlb") > 0);
        CHECK(test::counter(r, "ser.iret") > 0);
        CHECK(test::counter(r, "ctxsw.total") > 0);
    }
}

TEST_CASE("the same scenario, policy and seed give identical results", "[determinism]") {
    const auto sc = test::load(busy_scenario);
    run::RunOptions jittered;
    jittered.jitter = 30;
    jittered.seed = 7;
    const auto a = run::run_scenario(sc, "v5.10", jittered);
    const auto b = run::run_scenario(sc, "v5.10", jittered);
    REQUIRE(a.error.empty());
    for (const auto& d : a.counters.declared()) {
        for (int c = -1; c < a.counters.cpus(); ++c) {
            const std::string n = c < 0 ? d.name : fmt::format("cpu{}.{}", c, d.name);
            CHECK(a.counters.value(n) == b.counters.value(n));
        }
    }
    CHECK(a.cycles == b.cycles);
    CHECK(a.events == b.events);
    jittered.seed = 8;
    const auto other_seed = run::run_scenario(sc, "v5.10", jittered);
    CHECK(other_seed.cycles != a.cycles);
}
