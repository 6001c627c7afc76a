// The kernel's shared variables under x86-TSO (arch_x86/kernel_memory.h, docs/memory-model.md):
// __schedule's rq->curr store, rq->membarrier_state and tsk->mm stay in the storing CPU's store
// buffer until a full barrier there drains them or their time is up; a read from another CPU
// (membarrier's scan) reads memory, the storing CPU its own store. Then the scenario-level
// consequence: membarrier.c's scenario C fails G-MB under neg-no-post-switch-fb, and the
// violation's chain names the store the scan missed.

#include "arch_rig.h"
#include "arch_x86/kernel_memory.h"
#include "arch_x86/memory_search.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using arch_x86::Machine;

/// cpu1 ran kernel thread k; a user task u1 of mm "a" and a caller task on cpu0.
struct SwitchRig {
    explicit SwitchRig(scenario::MemoryModel memory = scenario::MemoryModel::tso,
                       const std::string& policy = "v5.10")
        : rig({.policy = policy, .memory = memory}), a(rig.user_mm("a")), k(rig.task("k", nullptr)),
          u1(rig.task("u1", &a)), caller(rig.task("caller", &a)) {
        rig.m.rq(0).curr = &caller;
        rig.m.rq(1).curr = &k;
    }
    /// RCU_INIT_POINTER(rq->curr, u1) on cpu1, as __schedule does.
    void switch_cpu1_to_u1() {
        rig.run_on(1, k, [this](Machine& m) { arch_x86::store_rq_curr(m, 1, &u1); });
    }
    /// rcu_dereference(cpu_rq(c)->curr) by `reader`, after `wait` cycles on it.
    arch_x86::RqCurrRead read(int reader, int c, std::int64_t wait = 0) {
        arch_x86::RqCurrRead out;
        kernel::Task& self = reader == 1 ? k : caller;
        rig.run_on(reader, self, [&](Machine& m) {
            m.sim.cpu(reader).advance(sim::Cycles{wait});
            out = arch_x86::read_rq_curr(m, reader, c);
        });
        return out;
    }
    test::ArchRig rig;
    kernel::Mm& a;
    kernel::Task& k;
    kernel::Task& u1;
    kernel::Task& caller;
};

} // namespace

TEST_CASE("tso: another CPU's read of rq->curr misses a store still in the store buffer",
          "[memory][kernel]") {
    SwitchRig s;
    s.switch_cpu1_to_u1();
    CHECK(s.rig.m.rq(1).curr == &s.u1); // the storing CPU's own view
    const arch_x86::RqCurrRead remote = s.read(0, 1);
    CHECK(remote.task == &s.k);
    REQUIRE(remote.missed.has_value());
    CHECK(remote.missed->task == s.u1.id);
    // Store forwarding: cpu1 reads its own buffered store.
    const arch_x86::RqCurrRead own = s.read(1, 1);
    CHECK(own.task == &s.u1);
    CHECK_FALSE(own.missed.has_value());
}

TEST_CASE("tso: a full barrier on the storing CPU drains the rq->curr store", "[memory][kernel]") {
    SwitchRig s;
    s.switch_cpu1_to_u1();
    SECTION("smp_mb") {
        s.rig.run_on(1, s.k, [](Machine& m) { m.smp_mb(1); });
    }
    SECTION("a locked RMW (mmdrop in finish_task_switch)") {
        s.rig.run_on(1, s.k, [](Machine& m) { m.atomic(1, kernel::AtomicOp::mmdrop); });
    }
    CHECK(s.rig.m.cpu(1).store_buffer.empty());
    const arch_x86::RqCurrRead after = s.read(0, 1);
    CHECK(after.task == &s.u1);
    CHECK_FALSE(after.missed.has_value());
}

TEST_CASE("tso: the rq->curr store reaches memory store_buffer_drain cycles after it executed",
          "[memory][kernel]") {
    SwitchRig s;
    s.switch_cpu1_to_u1();
    const std::int64_t drain = s.rig.m.costs[kernel::Cost::store_buffer_drain];
    CHECK(s.read(0, 1, drain - 10).task == &s.k);
    CHECK(s.read(0, 1, 20).task == &s.u1); // drain + 10 cycles after the store
}

TEST_CASE("sc: the rq->curr store is visible to every CPU at once", "[memory][kernel]") {
    SwitchRig s(scenario::MemoryModel::sc);
    s.switch_cpu1_to_u1();
    CHECK(s.rig.m.cpu(1).store_buffer.empty());
    const arch_x86::RqCurrRead remote = s.read(0, 1);
    CHECK(remote.task == &s.u1);
    CHECK_FALSE(remote.missed.has_value());
}

TEST_CASE("tso: tsk->mm and rq->membarrier_state stores are buffered the same way",
          "[memory][kernel]") {
    SwitchRig s;
    kernel::Mm* read_mm = &s.a;
    std::uint32_t read_state = 1;
    s.rig.run_on(1, s.k, [&](Machine& m) {
        arch_x86::store_task_mm(m, 1, s.k, &s.a); // kthread_use_mm
        arch_x86::store_rq_membarrier_state(m, 1, 0x8);
        // cpu1 sees its own stores.
        read_mm = arch_x86::read_task_mm(m, 1, s.k);
        read_state = arch_x86::read_rq_membarrier_state(m, 1, 1);
    });
    CHECK(read_mm == &s.a);
    CHECK(read_state == 0x8);
    s.rig.run_on(0, s.caller, [&](Machine& m) {
        read_mm = arch_x86::read_task_mm(m, 0, s.k);
        read_state = arch_x86::read_rq_membarrier_state(m, 0, 1);
    });
    CHECK(read_mm == nullptr);
    CHECK(read_state == 0);
    s.rig.run_on(1, s.k, [](Machine& m) { m.smp_mb(1); });
    s.rig.run_on(0, s.caller, [&](Machine& m) {
        read_mm = arch_x86::read_task_mm(m, 0, s.k);
        read_state = arch_x86::read_rq_membarrier_state(m, 0, 1);
    });
    CHECK(read_mm == &s.a);
    CHECK(read_state == 0x8);
}

TEST_CASE("tso: cpu_tlbstate.is_lazy is buffered; a shootdown's read from another CPU misses it",
          "[memory][kernel][tlb]") {
    SwitchRig s;
    arch_x86::TlbIsLazyRead remote, own;
    s.rig.run_on(1, s.k, [&](Machine& m) {
        arch_x86::store_tlb_is_lazy(m, 1, true); // enter_lazy_tlb
        own = arch_x86::read_tlb_is_lazy(m, 1, 1);
    });
    CHECK(own.lazy); // cpu1 reads its own store (forwarding)
    CHECK_FALSE(own.missed);
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_tlb_is_lazy(m, 0, 1); });
    CHECK_FALSE(remote.lazy); // memory still holds false
    CHECK(remote.missed);
    s.rig.run_on(1, s.k, [](Machine& m) { m.smp_mb(1); });
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_tlb_is_lazy(m, 0, 1); });
    CHECK(remote.lazy);
    CHECK_FALSE(remote.missed);
    // switch_mm_irqs_off stores false on every switch: a store of the value memory holds changes
    // no read and is not buffered.
    s.rig.run_on(1, s.k, [&](Machine& m) { arch_x86::store_tlb_is_lazy(m, 1, true); });
    CHECK(s.rig.m.cpu(1).store_buffer.empty());
}

TEST_CASE("tso: cpu_tlbstate.loaded_mm is buffered where should_flush_tlb reads it",
          "[memory][kernel][tlb]") {
    SwitchRig s(scenario::MemoryModel::tso, "mainline"); // v6.14+: should_flush_tlb
    kernel::Mm& b = s.rig.user_mm("b");
    s.rig.m.cpu(1).tlb.loaded_mm = &b;
    arch_x86::LoadedMmRead remote, own;
    s.rig.run_on(1, s.k, [&](Machine& m) {
        arch_x86::store_loaded_mm_switching(m, 1); // "Indicate that CR3 is about to change"
        own = arch_x86::read_loaded_mm(m, 1, 1);
    });
    CHECK(own.value == arch_x86::kLoadedMmSwitching); // its own store (forwarding)
    CHECK_FALSE(own.missed);
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_loaded_mm(m, 0, 1); });
    CHECK(remote.value == b.id); // memory still holds the mm it is leaving
    CHECK(remote.missed);
    CHECK(remote.newest == arch_x86::kLoadedMmSwitching);
    // Then the mm, after the CR3 write: still both in the buffer, FIFO; a full barrier drains.
    s.rig.run_on(1, s.k, [&](Machine& m) { arch_x86::store_loaded_mm(m, 1, &s.a); });
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_loaded_mm(m, 0, 1); });
    CHECK(remote.value == b.id);
    CHECK(remote.newest == s.a.id);
    s.rig.run_on(1, s.k, [](Machine& m) { m.smp_mb(1); });
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_loaded_mm(m, 0, 1); });
    CHECK(remote.value == s.a.id);
    CHECK_FALSE(remote.missed);
}

namespace {

/// An exhaustive search's chooser that answers from a script, and counts what it was asked.
class ScriptedChooser final : public arch_x86::MemoryChooser {
public:
    explicit ScriptedChooser(std::vector<int> picks) : picks_(std::move(picks)) {}
    int choose(int options) override {
        asked.push_back(options);
        const int pick = next_ < picks_.size() ? picks_[next_++] : 0;
        REQUIRE(pick < options);
        return pick;
    }
    std::vector<int> asked;

private:
    std::vector<int> picks_;
    std::size_t next_ = 0;
};

} // namespace

// should_flush_tlb reads loaded_mm, then is_lazy. cpu1 stored is_lazy = false, then
// LOADED_MM_SWITCHING: under x86-TSO another CPU may see the first in memory and not the second,
// or neither. An exhaustive search offers each: a read that chooses "the loaded_mm store is still
// buffered" commits nothing of the is_lazy store, which the is_lazy read then chooses for itself.
TEST_CASE("search: the loaded_mm and is_lazy reads each choose, in the kernel's order",
          "[memory][kernel][tlb][search]") {
    for (const auto& [picks, want_loaded, want_lazy] :
         std::vector<std::tuple<std::vector<int>, std::int64_t, bool>>{
             {{1, 1}, -1, true},  // neither store reached memory
             {{1, 0}, -1, false}, // is_lazy = false did, LOADED_MM_SWITCHING did not
             {{0}, arch_x86::kLoadedMmSwitching, false}}) { // both (FIFO: is_lazy first)
        SwitchRig s(scenario::MemoryModel::tso, "mainline");
        kernel::Mm& b = s.rig.user_mm("b");
        s.rig.m.cpu(1).tlb.loaded_mm = &b;
        s.rig.m.cpu(1).tlb.is_lazy = true;
        s.rig.run_on(1, s.k, [&](Machine& m) {
            arch_x86::store_tlb_is_lazy(m, 1, false);
            arch_x86::store_loaded_mm_switching(m, 1);
        });
        ScriptedChooser chooser(picks);
        arch_x86::MemorySearch search(chooser, {}, /*reduce=*/true);
        s.rig.m.search = &search;
        arch_x86::LoadedMmRead loaded;
        arch_x86::TlbIsLazyRead lazy;
        s.rig.run_on(0, s.caller, [&](Machine& m) {
            loaded = arch_x86::read_loaded_mm(m, 0, 1);
            lazy = arch_x86::read_tlb_is_lazy(m, 0, 1);
        });
        s.rig.m.search = nullptr;
        INFO("picks " << picks.size() << " " << picks[0]);
        CHECK(loaded.value == (want_loaded == -1 ? b.id : want_loaded));
        CHECK(lazy.lazy == want_lazy);
        // The loaded_mm read chose among 2 (one store to it); is_lazy was asked only if its
        // store was still buffered after that choice.
        CHECK(chooser.asked == std::vector<int>(picks.size(), 2));
    }
}

TEST_CASE("tso: cpu_tlbstate.loaded_mm is not buffered where no other CPU reads it",
          "[memory][kernel][tlb]") {
    SwitchRig s; // v5.10: tlb_is_not_lazy() reads is_lazy alone (v4.19..v6.13)
    s.rig.run_on(1, s.k, [&](Machine& m) { arch_x86::store_loaded_mm_switching(m, 1); });
    CHECK(s.rig.m.cpu(1).store_buffer.empty());
    CHECK(s.rig.m.cpu(1).tlb.loaded_mm_switching);
    arch_x86::LoadedMmRead remote;
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_loaded_mm(m, 0, 1); });
    CHECK(remote.value == arch_x86::kLoadedMmSwitching);
    CHECK_FALSE(remote.missed);
}

TEST_CASE("sc: cpu_tlbstate.is_lazy is visible to every CPU at once", "[memory][kernel][tlb]") {
    SwitchRig s(scenario::MemoryModel::sc);
    arch_x86::TlbIsLazyRead remote;
    s.rig.run_on(1, s.k, [](Machine& m) { arch_x86::store_tlb_is_lazy(m, 1, true); });
    s.rig.run_on(0, s.caller, [&](Machine& m) { remote = arch_x86::read_tlb_is_lazy(m, 0, 1); });
    CHECK(remote.lazy);
    CHECK_FALSE(remote.missed);
}

namespace {

std::string scenario_text(const char* rel) {
    std::ifstream in(std::filesystem::path(TLBSIM_SOURCE_DIR) / rel);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string scenario_c() {
    return scenario_text("scenarios/history/membarrier-c.toml");
}

/// `text` with machine.memory set to "sc" (the scenario sets "tso" or nothing).
std::string under_sc(std::string text) {
    const auto tso = text.find("memory = \"tso\"\n");
    if (tso != std::string::npos) {
        text.erase(tso, std::string("memory = \"tso\"\n").size());
    }
    const std::string machine = "[machine]\n";
    const auto at = text.find(machine);
    REQUIRE(at != std::string::npos);
    text.insert(at + machine.size(), "memory = \"sc\"\n");
    return text;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const std::string& l : lines) {
        s += l + "\n";
    }
    return s;
}

} // namespace

TEST_CASE("tso: scenario C fails G-MB under neg-no-post-switch-fb through the buffered rq->curr",
          "[memory][kernel]") {
    const std::string c = scenario_c();
    REQUIRE_FALSE(c.empty());
    const run::RunResult neg = test::run(c, "neg-no-post-switch-fb");
    REQUIRE(neg.violation_reports.size() == 1);
    const check::Violation& v = neg.violation_reports[0];
    CHECK(v.property == "G-MB");
    CHECK(v.cpu == 1);
    const std::string chain = joined(v.chain);
    INFO(chain);
    CHECK(chain.find("cpu1: rq->curr was k (mm NULL) when the caller read it at t=") !=
          std::string::npos);
    CHECK(chain.find("cpu1: rq->curr = u1 was still in cpu1's store buffer then, so the read "
                     "returned the old value from memory") != std::string::npos);
    CHECK(chain.find("k: rq->curr = u1 (mm NULL -> app) [__schedule]") != std::string::npos);
    for (const std::string policy : {"v5.10", "mainline"}) {
        INFO(policy);
        CHECK(test::run(c, policy).violations.empty());
    }
}

TEST_CASE("sc: scenario C holds under neg-no-post-switch-fb: no store is buffered",
          "[memory][kernel]") {
    const run::RunResult neg = test::run(under_sc(scenario_c()), "neg-no-post-switch-fb");
    CHECK(neg.violations.empty());
    CHECK(test::counter(neg, "warning.K2") == 1); // the missing barrier is still there
}

namespace {

/// `text` under `policy` violates G-TLB once, on cpu1, with the chain line `read` ... `missed`
/// (the shootdown's read that missed cpu1's buffered store). Returns the run.
run::RunResult expect_cpu1_skipped(const std::string& text, const std::string& policy,
                                   const std::string& read, const std::string& missed) {
    run::RunResult r = test::run(text, policy);
    REQUIRE(r.violation_reports.size() == 1);
    const check::Violation& v = r.violation_reports[0];
    CHECK(v.property == "G-TLB");
    CHECK(v.cpu == 1);
    const std::string chain = joined(v.chain);
    INFO(chain);
    CHECK(chain.find(read) != std::string::npos);
    CHECK(chain.find(missed) != std::string::npos);
    return r;
}

void expect_holds(const std::string& text, std::initializer_list<const char*> policies) {
    for (const std::string policy : policies) {
        INFO(policy);
        CHECK(test::run(text, policy).violations.empty());
    }
}

} // namespace

// The lazy TLB shootdown (docs/memory-model.md): switch_mm_irqs_off's same-mm branch stores
// is_lazy = false and, after smp_mb(), reads tlb_gen; a shootdown increments tlb_gen (locked) and
// reads is_lazy. Without the smp_mb the timed run tuned into that window skips cpu1.
TEST_CASE("tso: a shootdown skips a CPU leaving lazy mode only without the lazy switch's smp_mb",
          "[memory][kernel][tlb]") {
    const std::string text = scenario_text("scenarios/memory/lazy-tlb-shootdown.toml");
    REQUIRE_FALSE(text.empty());
    expect_cpu1_skipped(text, "no-lazy-switch-mb",
                        "cpu1: the shootdown on cpu0 read its is_lazy at t=",
                        "as true from memory: is_lazy = false was still in cpu1's store buffer, "
                        "so no flush IPI");
    expect_holds(text, {"v5.10", "mainline", "no-mmdrop-barrier"});
    // Under sc the same timing holds: cpu0 reads is_lazy = false and sends the flush IPI.
    CHECK(test::run(under_sc(text), "no-lazy-switch-mb").violations.empty());
}

// 83b0177a6c48 (docs/memory-model.md): switch_mm_irqs_off stores loaded_mm = LOADED_MM_SWITCHING
// and, when its bit in the next mm's mm_cpumask is already set (the lazy update leaves it), has
// no locked cpumask_set_cpu before its tlb_gen read; v6.18 adds an smp_mb() there. A shootdown
// increments tlb_gen (locked) and should_flush_tlb reads loaded_mm. Without the smp_mb the timed
// run tuned into that window skips cpu1.
TEST_CASE("tso: a shootdown skips a CPU switching back into the mm only without 83b0177a6c48",
          "[memory][kernel][tlb]") {
    const std::string text = scenario_text("scenarios/memory/cpumask-switching-shootdown.toml");
    REQUIRE_FALSE(text.empty());
    const run::RunResult bare = expect_cpu1_skipped(
        text, "no-cpumask-mb", "cpu1: the shootdown on cpu0 read its loaded_mm at t=",
        "as other from memory: loaded_mm = LOADED_MM_SWITCHING was still in "
        "cpu1's store buffer, so no flush IPI");
    CHECK(test::counter(bare, "ipi.tlb") == 0); // cpu1 skipped
    expect_holds(text, {"v5.10", "mainline", "neg-no-post-switch-fb"});
    // With the smp_mb the store is in memory before cpu1 reads tlb_gen: cpu0 reads
    // LOADED_MM_SWITCHING and sends cpu1 the flush IPI.
    CHECK(test::counter(test::run(text, "mainline"), "ipi.tlb") == 1);
    // Under sc the same timing holds: cpu0 reads LOADED_MM_SWITCHING and sends the flush IPI.
    CHECK(test::run(under_sc(text), "no-cpumask-mb").violations.empty());
}
