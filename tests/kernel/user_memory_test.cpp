// User memory under x86-TSO (docs/memory-model.md): store buffers, store forwarding, what drains
// a buffer (user fences, the kernel's full barriers, a membarrier IPI), final memory, and the
// [[expect]] outcomes that test registers and memory.

#include "cli/expectations.h"
#include "kernel/record_kinds.h"
#include "run/explore.h"
#include "run/outcome.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

namespace {

using kernel::RecordKind;

/// Two threads of one process on CPUs 0 and 1, with variables x and y.
std::string two_threads(const std::string& machine_extra, const std::string& t0,
                        const std::string& t1, const std::string& expect = "",
                        const std::string& registration = "") {
    return fmt::format(R"(
[machine]
cpus = 2
{}
[[process]]
name = "p"
variables = {{ x = 0, y = 0 }}
{}
[[thread]]
name = "t0"
process = "p"
cpu = 0
program = [{}]
[[thread]]
name = "t1"
process = "p"
cpu = 1
program = [{}]
{}
)",
                       machine_extra, registration, t0, t1, expect);
}

const std::string kSb0 = R"("store x 1", "load y r1")";
const std::string kSb1 = R"("store y 1", "load x r2")";

/// A register's final value: thread index, register index.
std::int64_t reg(const run::RunResult& r, std::size_t thread, std::size_t index) {
    return r.user.registers.at(thread).at(index);
}

/// Collects the records of the kinds given.
struct Collector : kernel::RecordObserver {
    std::vector<kernel::Record> records;
    void on_record(const kernel::Record& r) override {
        if (r.kind == RecordKind::user_store || r.kind == RecordKind::user_load ||
            r.kind == RecordKind::store_commit || r.kind == RecordKind::user_fence) {
            records.push_back(r);
        }
    }
};

} // namespace

TEST_CASE("tso: store buffering: both loads read 0 before either store leaves its buffer",
          "[memory]") {
    const run::RunResult tso = test::run(two_threads("", kSb0, kSb1));
    CHECK(reg(tso, 0, 0) == 0);
    CHECK(reg(tso, 1, 0) == 0);
    CHECK(tso.user.memory == std::vector<std::int64_t>{1, 1}); // drained by the end
    const run::RunResult sc = test::run(two_threads("memory = \"sc\"", kSb0, kSb1));
    CHECK(reg(sc, 0, 0) == 1);
    CHECK(reg(sc, 1, 0) == 1);
}

TEST_CASE("tso: an mfence or a locked RMW between the store and the load forbids SB's outcome",
          "[memory]") {
    for (const std::string mid : {"\"fence\"", "\"lock_rmw y\""}) {
        INFO(mid);
        const std::string t0 = "\"store x 1\", " + mid + ", \"load y r1\"";
        const std::string t1 = "\"store y 1\", \"fence\", \"load x r2\"";
        const run::RunResult r = test::run(two_threads("", t0, t1));
        CHECK(reg(r, 0, 0) == 1);
        CHECK(reg(r, 1, 0) == 1);
    }
}

TEST_CASE("tso: a load reads its own CPU's newest buffered store (store forwarding)", "[memory]") {
    Collector c;
    const scenario::Scenario sc =
        test::load(two_threads("", R"("store x 1", "store x 2", "load x r1")", R"("load x r2")"));
    run::RunOptions o;
    o.observers = {&c};
    const run::RunResult r = test::run(sc, "v5.10", o);
    CHECK(reg(r, 0, 0) == 2);
    CHECK(reg(r, 1, 0) == 0); // cpu1 reads memory, where neither store is yet
    int forwarded = 0;
    for (const auto& rec : c.records) {
        if (rec.kind == RecordKind::user_load && kernel::rec::in_store_buffer(rec)) {
            ++forwarded;
            CHECK(rec.cpu == 0);
        }
    }
    CHECK(forwarded == 1);
    CHECK(r.user.memory[0] == 2);
}

TEST_CASE("tso: a store reaches memory store_buffer_drain cycles after it executed", "[memory]") {
    // cpu1 loads x 20 cycles after the store, then again 200 cycles after it (drain: 50).
    const std::string t1 = R"("load x r1", "user 200", "load x r2")";
    const run::RunResult r = test::run(two_threads("", R"("store x 7", "user 1000")", t1));
    CHECK(reg(r, 1, 0) == 0);
    CHECK(reg(r, 1, 1) == 7);
}

TEST_CASE("tso: stores of two CPUs to one variable reach memory in the order they are due",
          "[memory]") {
    const std::string t0 = R"("store x 1", "user 1000")";
    const std::string t1 = R"("user 20", "store x 2", "user 1000", "load x r1")";
    const run::RunResult r = test::run(two_threads("", t0, t1));
    CHECK(reg(r, 1, 0) == 2);
    CHECK(r.user.memory[0] == 2);
}

TEST_CASE("tso: a locked RMW reads the other CPUs' stores that are due, with its own buffer empty",
          "[memory]") {
    // t1's stores are due 50 cycles after they execute, long before t0's xchg and cmpxchg (t0
    // stores nothing: its buffer is empty). Until 2026-12-07 an RMW with no user store of its own
    // to drain read memory without committing them: xchg read 0 and cmpxchg failed.
    const std::string t0 = R"("user 300", "xchg x 1 r0", "cmpxchg y 3 4 r1")";
    const std::string t1 = R"("store x 7", "store y 3", "user 1000")";
    const run::RunResult r = test::run(two_threads("", t0, t1));
    CHECK(reg(r, 0, 0) == 7);
    CHECK(reg(r, 0, 1) == 3);
    CHECK(r.user.memory == std::vector<std::int64_t>{1, 4});
}

namespace {

/// With store_buffer_drain at 10^9 cycles, a store reaches memory only through a barrier.
const std::string kNoDrain = "costs = { store_buffer_drain = 1000000000 }";

} // namespace

TEST_CASE("tso: the kernel's full barriers drain the buffer, SYSCALL alone does not", "[memory]") {
    const std::string t1 = R"("user 5000", "load x r1", "user 5000", "load x r2")";
    SECTION("a system call with no barrier keeps the store buffered") {
        const run::RunResult r =
            test::run(two_threads(kNoDrain, R"("store x 1", "syscall 10", "user 20000")", t1));
        CHECK(reg(r, 1, 0) == 0);
        CHECK(reg(r, 1, 1) == 0);
    }
    SECTION("sched_yield takes the rq lock (a locked RMW), which drains it") {
        const run::RunResult r =
            test::run(two_threads(kNoDrain, R"("store x 1", "yield", "user 20000")", t1));
        CHECK(reg(r, 1, 0) == 1);
    }
}

TEST_CASE("tso: a membarrier IPI's smp_mb drains the target's buffer", "[memory]") {
    // t1 stores y and runs on; t0's membarrier IPIs cpu1, whose ipi_mb drains y; t0 then reads
    // y == 1. Unregistered, membarrier fails with EPERM before any IPI: y stays buffered.
    const std::string t0 = R"("user 3000", "membarrier private_expedited", "load y r1")";
    const std::string t1 = R"("store y 1", "user 30000")";
    const std::string reg_line = "register = [\"private_expedited\"]";
    const run::RunResult registered = test::run(two_threads(kNoDrain, t0, t1, "", reg_line));
    CHECK(reg(registered, 0, 0) == 1);
    const run::RunResult unregistered = test::run(two_threads(kNoDrain, t0, t1));
    CHECK(reg(unregistered, 0, 0) == 0);
}

TEST_CASE("tso: a drained store's commit is recorded before the barrier, with its cause",
          "[memory]") {
    Collector c;
    const scenario::Scenario sc =
        test::load(two_threads(kNoDrain, R"("store x 1", "fence")", R"("user 10")"));
    run::RunOptions o;
    o.observers = {&c};
    test::run(sc, "v5.10", o);
    REQUIRE(c.records.size() >= 3);
    CHECK(c.records[0].kind == RecordKind::user_store);
    CHECK(kernel::rec::in_store_buffer(c.records[0]));
    CHECK(c.records[1].kind == RecordKind::store_commit);
    CHECK(kernel::rec::commit_cause(c.records[1]) == kernel::CommitCause::barrier);
    CHECK(c.records[2].kind == RecordKind::user_fence);
    CHECK(c.records[1].time == c.records[2].time);
}

TEST_CASE("tso: user memory adds no kernel barrier or counter", "[memory]") {
    const run::RunResult plain = test::run(two_threads("", R"("user 8")", R"("user 8")"));
    const run::RunResult mem = test::run(two_threads("", R"("store x 1", "load y r1")", kSb1));
    CHECK(test::counter(plain, "fb.total") == test::counter(mem, "fb.total"));
    CHECK(test::counter(plain, "ser.total") == test::counter(mem, "ser.total"));
}

TEST_CASE("outcomes: forbid and require against the final registers and memory", "[memory]") {
    const std::string expect = R"X(
[[expect]]
policy = "v5.10"
forbid = "t0:r1 == 0 && t1:r2 == 0"
[[expect]]
policy = "v5.10"
require = "!(x != 1 || y != 1) && (t0:r1 == 1 || t1:r2 == 1)"
)X";
    const scenario::Scenario tso = test::load(two_threads("", kSb0, kSb1, expect));
    const std::vector<std::string> f = cli::check_expectations(tso, test::run(tso));
    REQUIRE(f.size() == 2);
    CHECK(f[0] == "expect[0]: forbid \"t0:r1 == 0 && t1:r2 == 0\" holds: t0:r1=0 t1:r2=0");
    CHECK(f[1] == "expect[1]: require \"!(x != 1 || y != 1) && (t0:r1 == 1 || t1:r2 == 1)\" "
                  "does not hold: x=1 y=1 t0:r1=0 t1:r2=0");
    const scenario::Scenario sc = test::load(two_threads("memory = \"sc\"", kSb0, kSb1, expect));
    CHECK(cli::check_expectations(sc, test::run(sc)).empty());
    CHECK(run::state_text(sc, test::run(sc).user) == "t0:r1=1; t1:r2=1; x=1; y=1;");
}

namespace {

/// The one-line error of loading `toml`.
std::string load_error(const std::string& toml) {
    try {
        test::load(toml);
    } catch (const scenario::ScenarioError& e) {
        return e.what();
    }
    return "loaded";
}

} // namespace

TEST_CASE("loader: user memory keys, steps and outcomes, and their errors", "[memory]") {
    const scenario::Scenario sc = test::load(two_threads("", kSb0, kSb1));
    REQUIRE(sc.variables.size() == 2);
    CHECK(sc.variables[1].name == "y");
    CHECK(sc.machine.memory == scenario::MemoryModel::tso);
    CHECK(sc.threads[0].registers == std::vector<std::string>{"r1"});
    CHECK(sc.threads[0].program[0].op == scenario::Op::store);
    CHECK(sc.threads[0].program[0].var == 0);
    CHECK(sc.threads[0].program[0].n == 1);
    CHECK(sc.threads[0].program[1].reg == 0);

    CHECK(load_error(two_threads("memory = \"weak\"", kSb0, kSb1))
              .starts_with("test.toml:4:10: machine.memory: "));
    CHECK(load_error(two_threads("", R"("store z 1")", kSb1)) ==
          "test.toml:13:19: thread[0].program[0]: no variable named \"z\" (variables are "
          "declared in [[process]] variables)");
    CHECK(load_error(two_threads("", R"("load x 9r")", kSb1)) ==
          "test.toml:13:20: thread[0].program[0]: invalid register name \"9r\" (a register is "
          "[A-Za-z_][A-Za-z0-9_]*)");
    CHECK(load_error(two_threads("", R"("store x")", kSb1)) ==
          "test.toml:13:13: thread[0].program[0]: missing argument (usage: store VAR VALUE)");
    const std::string bad_forbid = "[[expect]]\npolicy = \"v5.10\"\nforbid = \"t0:r1 == 0 &&\"\n";
    CHECK(load_error(two_threads("", kSb0, kSb1, bad_forbid)) ==
          "test.toml:21:24: expect[0].forbid: expected THREAD:REG, a variable or an integer, got "
          "the end");
    const std::string bad_reg = "[[expect]]\npolicy = \"v5.10\"\nrequire = \"t0:r9 == 0\"\n";
    CHECK(load_error(two_threads("", kSb0, kSb1, bad_reg)) ==
          "test.toml:21:15: expect[0].require: thread t0 has no register \"r9\" (its loads name: "
          "r1)");
}

TEST_CASE("loader: a variable belongs to one process", "[memory]") {
    const std::string toml = R"(
[machine]
cpus = 1
[[process]]
name = "p"
variables = { x = 0 }
[[process]]
name = "q"
variables = { x = 1 }
)";
    CHECK(load_error(toml) ==
          "test.toml:9:15: process[1].variables.x: duplicate variable \"x\" (first declared at "
          "line 6)");
    const std::string other = R"(
[machine]
cpus = 1
[[process]]
name = "p"
variables = { x = 0 }
[[process]]
name = "q"
[[thread]]
name = "t"
process = "q"
cpu = 0
program = ["load x r"]
)";
    CHECK(load_error(other) == "test.toml:13:18: thread[0].program[0]: variable \"x\" belongs to "
                               "process p, not to this thread's process q");
}

TEST_CASE("explore: a final state that [[expect]] forbids is a finding", "[memory]") {
    const std::string forbid =
        "[[expect]]\npolicy = \"v5.10\"\nforbid = \"t0:r1 == 0 && t1:r2 == 0\"\n";
    run::ExploreOptions o;
    o.policy = "v5.10";
    o.runs = 40;
    const run::ExploreResult sb = run::explore(test::load(two_threads("", kSb0, kSb1, forbid)), o);
    REQUIRE(sb.findings.size() == 1);
    CHECK(sb.findings[0].kind == run::Finding::Kind::outcome);
    CHECK(sb.findings[0].signature == "forbid t0:r1 == 0 && t1:r2 == 0");
    CHECK(sb.findings[0].plan.index == 0); // the scenario as written already shows it
    const std::string t0 = R"("store x 1", "fence", "load y r1")";
    const std::string t1 = R"("store y 1", "fence", "load x r2")";
    const run::ExploreResult fenced = run::explore(test::load(two_threads("", t0, t1, forbid)), o);
    CHECK(fenced.findings.empty());
    CHECK(fenced.runs == 40);
}

TEST_CASE("tso: xchg and cmpxchg drain the buffer and read and write atomically", "[memory]") {
    // SB with xchg (the kernel's smp_store_mb) in place of store + fence: never both 0.
    const run::RunResult x = test::run(
        two_threads("", R"("xchg x 1 r0", "load y r1")", R"("xchg y 1 r0", "load x r2")"));
    CHECK(reg(x, 0, 0) == 0); // the old values
    CHECK(reg(x, 1, 0) == 0);
    CHECK(reg(x, 0, 1) + reg(x, 1, 1) >= 1);
    // cmpxchg writes only when it reads OLD; REG gets the value read either way. t0's store is
    // drained by its own cmpxchg, so the second cmpxchg sees it.
    const run::RunResult c = test::run(two_threads(
        "", R"("store x 5", "cmpxchg x 5 6 r0", "cmpxchg x 5 7 r1")", R"("user 5000")"));
    CHECK(reg(c, 0, 0) == 5);
    CHECK(reg(c, 0, 1) == 6);
    CHECK(c.user.memory[0] == 6);
    const scenario::Scenario sc = test::load(two_threads("", R"("cmpxchg y -1 2 r7")", kSb1));
    const scenario::Step& st = sc.threads[0].program[0];
    CHECK(st.op == scenario::Op::cmpxchg);
    CHECK((st.var == 1 && st.n == -1 && st.new_value == 2 && st.reg == 0));
    CHECK(load_error(two_threads("", R"("cmpxchg x 0 1")", kSb1)) ==
          "test.toml:13:13: thread[0].program[0]: missing argument (usage: cmpxchg VAR OLD NEW "
          "REG)");
}
