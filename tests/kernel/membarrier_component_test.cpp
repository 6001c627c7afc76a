// membarrier_private_expedited() (kernel/sched/membarrier.c, v5.10.13) branch by branch, with
// scenarios built in C++ (test::ScenarioBuilder): each case states only the machine, the threads
// and the one call it varies. A caller on CPU 0 spends 1,000 cycles in user mode, then calls;
// by then every other thread has been running in user mode on its CPU since boot.

#include "kernel/record_kinds.h"
#include "kernel/scenario_builder.h"
#include "membarrier/membarrier.h"

#include <vector>

namespace {

using kernel::RecordKind;
using membarrier::MEMBARRIER_CMD_FLAG_CPU;
using membarrier::MEMBARRIER_CMD_PRIVATE_EXPEDITED;
using scenario::Registration;
using test::Recorded;
using test::ScenarioBuilder;

constexpr std::int64_t call_at = 1000;

/// The CPUs whose rq->curr the call read, in order.
std::vector<int> cpus_read(const Recorded& run) {
    std::vector<int> cpus;
    for (const auto& r : run.of_kind(RecordKind::membarrier_read)) {
        cpus.push_back(kernel::rec::read_cpu(r));
    }
    return cpus;
}

/// The CPUs the call sent a membarrier IPI to, in order.
std::vector<int> ipi_targets(const Recorded& run) {
    std::vector<int> cpus;
    for (const auto& r : run.of_kind(RecordKind::ipi_send)) {
        if (kernel::rec::ipi_kind(r) == kernel::IpiKind::membarrier) {
            cpus.push_back(kernel::rec::ipi_target(r));
        }
    }
    return cpus;
}

/// The labelled call's result: its value, or minus the errno.
std::int64_t result(const Recorded& run) {
    const auto it = run.result.results.find("m");
    REQUIRE(it != run.result.results.end());
    return it->second.is_errno ? -1 : it->second.value;
}

std::string errno_of(const Recorded& run) {
    return run.result.results.at("m").errno_name;
}

/// A registered process with the caller on CPU 0 and one more thread of it on CPU 1.
ScenarioBuilder caller_and_peer(std::int64_t flags = 0, std::int64_t cpu_id = 0) {
    ScenarioBuilder b;
    const int p = b.process("p", {Registration::private_expedited});
    b.thread("caller", p, 0)
        .user(call_at)
        .membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, flags, cpu_id, "m");
    b.thread("peer", p, 1).user(100000);
    return b;
}

} // namespace

TEST_CASE("membarrier_private_expedited: a CPU running the caller's mm gets the IPI") {
    const Recorded run = test::run_recorded(caller_and_peer().build());
    CHECK(result(run) == 0);
    // v5.10.13 reads every online CPU's rq->curr, its own too (e45cdc71, backported): the caller
    // on CPU 0 and the peer on CPU 1 both run p. smp_call_function_many() skips the local CPU.
    CHECK(cpus_read(run) == std::vector<int>{0, 1});
    CHECK(ipi_targets(run) == std::vector<int>{1});
    CHECK(run.of_kind(RecordKind::barrier_call_start).size() == 1);
    // membarrier.rq_reads counts the scan: one read per online CPU.
    CHECK(test::counter(run.result, "membarrier.rq_reads") == 2);
}

TEST_CASE("membarrier_private_expedited: CPUs running another mm or idle are read and skipped") {
    ScenarioBuilder b({.cpus = 3});
    const int p = b.process("p", {Registration::private_expedited});
    const int q = b.process("q");
    b.thread("caller", p, 0).user(call_at).membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, "m");
    b.thread("other", q, 1).user(100000);
    // A second user of p (so no mm_users shortcut), asleep on CPU 2 at the call: rq->curr there
    // is the idle task, whose mm is NULL.
    b.thread("sleeper", p, 2).sleep(100000);
    const Recorded run = test::run_recorded(b.build());
    CHECK(result(run) == 0);
    CHECK(cpus_read(run) == std::vector<int>{0, 1, 2});
    CHECK(ipi_targets(run).empty());
    CHECK(test::counter(run.result, "membarrier.rq_reads") == 3);
    CHECK(test::counter(run.result, "cpu0.membarrier.rq_reads") == 3); // the caller's CPU reads
}

TEST_CASE("membarrier_private_expedited: the only thread of its mm returns at once") {
    ScenarioBuilder b;
    const int p = b.process("p", {Registration::private_expedited});
    b.thread("caller", p, 0).user(call_at).membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, "m");
    const Recorded run = test::run_recorded(b.build());
    // mm_users == 1: "return 0" before the entry barrier; no call is owed, nothing is read.
    CHECK(result(run) == 0);
    CHECK(run.of_kind(RecordKind::barrier_call_start).empty());
    CHECK(cpus_read(run).empty());
}

TEST_CASE("membarrier_private_expedited: an unregistered mm gets EPERM") {
    ScenarioBuilder b;
    const int p = b.process("p");
    b.thread("caller", p, 0).user(call_at).membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0, "m");
    b.thread("peer", p, 1).user(100000);
    const Recorded run = test::run_recorded(b.build());
    CHECK(result(run) == -1);
    CHECK(errno_of(run) == "EPERM");
    CHECK(cpus_read(run).empty());
    CHECK(test::counter(run.result, "membarrier.rq_reads") == 0);
}

TEST_CASE("membarrier: FLAG_CPU is EINVAL for PRIVATE_EXPEDITED, whatever the CPU") {
    // membarrier(): "if (flags & ~MEMBARRIER_CMD_FLAG_CPU) return -EINVAL" applies to
    // PRIVATE_EXPEDITED_RSEQ only; every other command takes no flag at all.
    const Recorded run = test::run_recorded(caller_and_peer(MEMBARRIER_CMD_FLAG_CPU, 1).build());
    CHECK(errno_of(run) == "EINVAL");
    CHECK(cpus_read(run).empty());
}

/// A process registered for RSEQ with the caller on CPU 0 and a peer on CPU 1, calling
/// PRIVATE_EXPEDITED_RSEQ with FLAG_CPU for `cpu_id`.
ScenarioBuilder rseq_on_cpu(std::int64_t cpu_id) {
    ScenarioBuilder b;
    const int p = b.process("p", {Registration::private_expedited_rseq});
    b.thread("caller", p, 0)
        .user(call_at)
        .membarrier(membarrier::MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ, MEMBARRIER_CMD_FLAG_CPU,
                    cpu_id, "m");
    b.thread("peer", p, 1).user(100000);
    return b;
}

TEST_CASE("membarrier_private_expedited: RSEQ with FLAG_CPU reads and interrupts that CPU only") {
    const Recorded run = test::run_recorded(rseq_on_cpu(1).build());
    CHECK(result(run) == 0);
    CHECK(cpus_read(run) == std::vector<int>{1});
    CHECK(ipi_targets(run) == std::vector<int>{1});
    CHECK(test::counter(run.result, "membarrier.rq_reads") == 1);
}

TEST_CASE("membarrier_private_expedited: FLAG_CPU beyond nr_cpu_ids reads nothing and succeeds") {
    const Recorded run = test::run_recorded(rseq_on_cpu(7).build());
    // "if (cpu_id >= nr_cpu_ids || !cpu_online(cpu_id)) goto out;": both barriers, no read.
    CHECK(result(run) == 0);
    CHECK(cpus_read(run).empty());
    CHECK(ipi_targets(run).empty());
    CHECK(run.of_kind(RecordKind::barrier_call_end).size() == 1);
}
