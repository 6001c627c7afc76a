// A directed schedule (sched/directed.h, `tlbsim replay`): each CPU switches to the recorded
// task at the recorded time, wherever the task was queued; a switch to a task still running
// elsewhere waits for it; a switch to a task that exited is dropped; steps with a time (Step::at)
// run when their time comes.

#include "kernel/record_kinds.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

struct SwitchSeen {
    std::int64_t time = 0;
    int cpu = 0;
    int next = 0; ///< task id: idle tasks 0..cpus-1, then the threads in order
};

class SwitchLog final : public kernel::RecordObserver {
public:
    void on_record(const kernel::Record& r) override {
        if (r.kind == kernel::RecordKind::context_switch) {
            seen.push_back({r.time.count(), r.cpu, kernel::rec::next_task(r)});
        }
        if (r.kind == kernel::RecordKind::barrier_call_start) {
            membarrier_at.push_back(r.time.count());
        }
        if (r.kind == kernel::RecordKind::cr3_write) {
            cr3_writes.push_back({r.time.count(), r.cpu, r.site});
        }
    }
    /// CR3 writes on `cpu` by `site` in [from, to).
    std::size_t cr3_writes_in(int cpu, kernel::Fn site, std::int64_t from, std::int64_t to) const {
        std::size_t n = 0;
        for (const Cr3Seen& w : cr3_writes) {
            n += w.cpu == cpu && w.site == site && w.time >= from && w.time < to ? 1 : 0;
        }
        return n;
    }
    /// The first switch of `cpu` to `task` at or after `from`.
    const SwitchSeen* first(int cpu, int task, std::int64_t from = 0) const {
        for (const SwitchSeen& s : seen) {
            if (s.cpu == cpu && s.next == task && s.time >= from) {
                return &s;
            }
        }
        return nullptr;
    }
    std::vector<SwitchSeen> seen;
    std::vector<std::int64_t> membarrier_at;
    struct Cr3Seen {
        std::int64_t time = 0;
        int cpu = 0;
        kernel::Fn site = kernel::Fn::none;
    };
    std::vector<Cr3Seen> cr3_writes;
};

/// Two CPUs, one process with threads a and b queued on cpu0 at boot. Every thread runs user
/// code until `end`; the test adds the directed schedule.
scenario::Scenario two_threads(std::int64_t end) {
    scenario::Scenario sc = test::load(R"(
[machine]
cpus = 2
[[process]]
name = "p"
register = ["private_expedited"]
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1"]
[[thread]]
name = "b"
process = "p"
cpu = 0
program = ["user 1"]
)");
    for (auto& th : sc.threads) {
        th.program.back().n = 0;
        th.program.back().at = end;
    }
    sc.directed_end = end;
    sc.machine.max_cycles = end + 100'000;
    return sc;
}

constexpr int a = 2; // task ids on two CPUs
constexpr int b = 3;
/// An upper bound on how long a recorded switch takes to happen: the timer interrupt, the
/// return to user mode's schedule() and context_switch() take a few thousand cycles.
constexpr std::int64_t latency = 10'000;

run::RunOptions with(SwitchLog& log) {
    run::RunOptions o;
    o.observers.push_back(&log);
    return o;
}

} // namespace

TEST_CASE("directed schedule: each CPU switches to the recorded task at the recorded time, "
          "taking it from another CPU's runqueue",
          "[directed][replay]") {
    scenario::Scenario sc = two_threads(200'000);
    sc.directed_schedule = {{0, 0, 0, 1},        // cpu0 -> a at once
                            {50'000, 1, 1, 2},   // cpu1 -> b (queued on cpu0): set_task_cpu
                            {100'000, 0, -1, 3}, // cpu0 -> idle
                            {150'000, 0, 1, 4},  // cpu0 -> b, busy on cpu1 until ...
                            {120'000, 1, 0, 5}}; // ... cpu1 -> a at 120000
    std::stable_sort(sc.directed_schedule.begin(), sc.directed_schedule.end(),
                     [](const auto& x, const auto& y) { return x.at < y.at; });
    SwitchLog log;
    const run::RunResult r = test::run(sc, "mainline", with(log));
    const SwitchSeen* to_a = log.first(0, a);
    REQUIRE(to_a != nullptr);
    CHECK(to_a->time < latency);
    const SwitchSeen* b_on_1 = log.first(1, b);
    REQUIRE(b_on_1 != nullptr);
    CHECK(b_on_1->time >= 50'000);
    CHECK(b_on_1->time < 50'000 + latency);
    const SwitchSeen* idle_0 = log.first(0, 0, 100'000);
    REQUIRE(idle_0 != nullptr);
    CHECK(idle_0->time < 100'000 + latency);
    const SwitchSeen* a_on_1 = log.first(1, a, 120'000);
    REQUIRE(a_on_1 != nullptr);
    CHECK(a_on_1->time < 120'000 + latency);
    const SwitchSeen* b_on_0 = log.first(0, b, 150'000);
    REQUIRE(b_on_0 != nullptr);
    CHECK(b_on_0->time < 150'000 + latency);
    // Nothing else: five recorded switches, five made (the boot's switch included).
    CHECK(log.seen.size() == 5);
    // The replay ends when the recording does, not when the threads exit.
    CHECK(r.cycles >= 200'000);
    CHECK(r.cycles < 200'000 + latency);
}

TEST_CASE("directed schedule: a switch to a task still running on another CPU waits until "
          "that CPU has switched away from it",
          "[directed][replay]") {
    scenario::Scenario sc = two_threads(200'000);
    // a runs on cpu0 until 80000; the recording has cpu1 take it at 60000 (the two CPUs'
    // clocks, or the model's paths, disagree by 20000 cycles).
    sc.directed_schedule = {{0, 0, 0, 1}, {0, 1, 1, 2}, {60'000, 1, 0, 3}, {80'000, 0, -1, 4}};
    SwitchLog log;
    test::run(sc, "mainline", with(log));
    const SwitchSeen* a_on_1 = log.first(1, a, 1);
    REQUIRE(a_on_1 != nullptr);
    CHECK(a_on_1->time >= 80'000);
    CHECK(a_on_1->time < 80'000 + latency);
}

TEST_CASE("directed schedule: a switch to a task that has exited is dropped; the CPU runs its "
          "idle task",
          "[directed][replay]") {
    scenario::Scenario sc = two_threads(200'000);
    scenario::Step exit_step;
    exit_step.op = scenario::Op::exit;
    exit_step.at = 30'000;
    sc.threads[0].program = {exit_step};
    sc.directed_schedule = {{0, 0, 0, 1}, {0, 1, 1, 2}, {40'000, 0, 1, 3}, {100'000, 1, 0, 4}};
    SwitchLog log;
    const run::RunResult r = test::run(sc, "mainline", with(log));
    // a exits at 30000: cpu0 goes idle (its next recorded switch, to b, is 10000 later: taken
    // early only once b is free, and b runs on cpu1).
    const SwitchSeen* idle_0 = log.first(0, 0, 1);
    REQUIRE(idle_0 != nullptr);
    CHECK(idle_0->time >= 30'000);
    CHECK(idle_0->time < 30'000 + latency);
    CHECK(log.first(1, a, 1) == nullptr); // the switch to the exited a never happens
    CHECK(r.error.empty());
}

TEST_CASE("directed schedule: a step with a time runs when its time comes", "[directed][replay]") {
    scenario::Scenario sc = two_threads(200'000);
    scenario::Step mb;
    mb.op = scenario::Op::membarrier;
    mb.cmd = 8; // MEMBARRIER_CMD_PRIVATE_EXPEDITED
    mb.edit_notes().cmd_name = "private_expedited";
    mb.at = 70'000;
    sc.threads[0].program.insert(sc.threads[0].program.begin(), mb);
    sc.directed_schedule = {{0, 0, 0, 1}, {0, 1, 1, 2}};
    SwitchLog log;
    const run::RunResult r = test::run(sc, "mainline", with(log));
    REQUIRE(log.membarrier_at.size() == 1);
    CHECK(log.membarrier_at[0] >= 70'000);
    CHECK(log.membarrier_at[0] < 70'000 + latency);
    // b runs p's mm on cpu1 the whole time: the call IPIs it.
    CHECK(test::counter(r, "ipi.membarrier") == 1);
}

TEST_CASE("directed schedule: a kernel thread whose next switch falls due while it is being "
          "switched in for the first time is switched away on time",
          "[directed][replay]") {
    // The due timer fires inside context_switch (IRQs off) and is taken where the new task's
    // finish_task_switch enables them: need_resched is already set when the kthread's first
    // step starts. A kthread once ignored it and ran to the end of the replay (a recording's
    // switch lost between two lines, replayed 200 ns before the next one, did this).
    scenario::Scenario sc = two_threads(200'000);
    scenario::Thread k;
    k.name = "k";
    k.kthread = true;
    k.cpu = 0;
    scenario::Step work;
    work.op = scenario::Op::work;
    work.at = 200'000;
    k.program = {work};
    sc.threads.push_back(k);
    constexpr int kthread = 4;
    sc.directed_schedule = {{0, 0, 0, 1}, {50'000, 1, 2, 2}, {50'300, 1, 1, 3}};
    SwitchLog log;
    const run::RunResult r = test::run(sc, "mainline", with(log));
    REQUIRE(r.error.empty());
    const SwitchSeen* k_on_1 = log.first(1, kthread);
    REQUIRE(k_on_1 != nullptr);
    const SwitchSeen* b_on_1 = log.first(1, b, k_on_1->time);
    REQUIRE(b_on_1 != nullptr);
    CHECK(b_on_1->time < 50'300 + latency);
}

namespace {

/// a (process p) exits at 30000 and dies at 120000 (Step::dead_at), exit_mmap() unmapping until
/// `unmapped_at` (-1: its fixed cost); b (process q) on cpu1. cpu0: a, then b at 60000 (a
/// preempted in do_exit), a again at 90000, idle at 130000.
scenario::Scenario preempted_exit(std::int64_t unmapped_at) {
    scenario::Scenario sc = two_threads(200'000);
    sc.processes.push_back(sc.processes[0]);
    sc.processes[1].name = "q";
    sc.threads[1].process = 1; // b: another mm
    sc.threads[1].cpu = 1;
    scenario::Step exit_step;
    exit_step.op = scenario::Op::exit;
    exit_step.at = 30'000;
    exit_step.dead_at = 120'000;
    exit_step.unmapped_at = unmapped_at;
    sc.threads[0].program = {exit_step};
    sc.directed_schedule = {
        {0, 0, 0, 1}, {60'000, 0, 1, 2}, {90'000, 0, 0, 3}, {130'000, 0, -1, 4}};
    return sc;
}

} // namespace

TEST_CASE("directed schedule: a replayed exit takes the mm at once and stays preemptible until "
          "it dies: switched back in, it runs lazily and writes no CR3",
          "[directed][replay]") {
    // 6.18's do_exit(): sched_process_exit, exit_mm() (tsk->mm = NULL), then the rest of
    // do_exit(), preemptible (kernel/exit.c); Step::dead_at is when do_task_dead() runs.
    const scenario::Scenario sc = preempted_exit(-1);
    SwitchLog log;
    const run::RunResult r = test::run(sc, "mainline", with(log));
    REQUIRE(r.error.empty());
    const SwitchSeen* a_again = log.first(0, a, 60'000);
    REQUIRE(a_again != nullptr);
    CHECK(a_again->time < 90'000 + latency);
    const SwitchSeen* idle_0 = log.first(0, 0, 1);
    REQUIRE(idle_0 != nullptr);
    CHECK(idle_0->time >= 120'000);
    CHECK(idle_0->time < 130'000 + latency);
    // exit_mm() at 30000 drops p's last user: exit_mmap's flush finds the CPU lazy and switches
    // it to init_mm. b's switch at 60000 writes CR3; a's return at 90000 does not (no mm:
    // enter_lazy_tlb keeps b's mm loaded), nor does the switch to idle.
    CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 30'000, 60'000) == 1);
    CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 60'000, 60'000 + latency) == 1);
    CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 90'000, 200'000) == 0);
}

TEST_CASE("directed schedule: a replayed exit_mmap() unmaps until Step::unmapped_at; preempted "
          "before it flushes, the task comes back lazily on another mm and the flush writes no "
          "CR3",
          "[directed][replay]") {
    // mm/mmap.c exit_mmap(): the unmapping is long and preemptible, then tlb_finish_mmu()
    // flushes. flush_tlb_mm_range() (arch/x86/mm/tlb.c, 6.18) flushes locally only where the
    // dying mm is loaded: a CPU lazily on it switches to init_mm (a CR3 write outside a switch,
    // which takes an ASID slot); a CPU lazily on another mm does nothing.
    SwitchLog log;
    SECTION("flushed before the preemption: the CPU still lazily on p's mm goes to init_mm") {
        const run::RunResult r = test::run(preempted_exit(45'000), "mainline", with(log));
        REQUIRE(r.error.empty());
        CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 30'000, 45'000) == 0);
        CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 45'000, 60'000) == 1);
    }
    SECTION("flushed after a came back lazily on b's mm: no CR3 write on cpu0 but b's switch") {
        const run::RunResult r = test::run(preempted_exit(100'000), "mainline", with(log));
        REQUIRE(r.error.empty());
        CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 30'000, 60'000) == 0);
        CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 60'000, 60'000 + latency) == 1);
        CHECK(log.cr3_writes_in(0, kernel::Fn::switch_mm_irqs_off, 90'000, 200'000) == 0);
        const SwitchSeen* idle_0 = log.first(0, 0, 1);
        REQUIRE(idle_0 != nullptr);
        CHECK(idle_0->time >= 120'000);
    }
}
