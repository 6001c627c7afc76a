// The committed recording traces/sample-membarrier.trace (kernel 6.18, 2 vCPUs: mbw2.c's
// membarrier loop beside four busy shells; docs/replay.md) read whole, its totals pinned.

#include "ftrace/importer.h"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace ftrace;

namespace {

const Workload& sample() {
    static const Workload w = import_trace(TLBSIM_SOURCE_DIR "/traces/sample-membarrier.trace");
    return w;
}

template <typename T, typename Pred>
long count_if(const std::vector<T>& v, Pred pred) {
    return static_cast<long>(std::count_if(v.begin(), v.end(), pred));
}

} // namespace

TEST_CASE("sample: switches and their CR3 outcomes") {
    const Workload& w = sample();
    CHECK(w.lines == 8'070);
    CHECK(w.cpus == 2);
    CHECK(w.switches.size() == 2'408);
    // Issue #16 counts 204 flush and 1,002 NOFLUSH CR3 writes: every tlb_flush with reason 0,
    // 1,206 lines. 1,091 of them are context switches' (switch_mm_irqs_off from
    // context_switch, by prev, on its CPU, right after its sched_switch): 127 flush, 964
    // NOFLUSH. The other 115 are CR3 writes outside a switch, each by the task then current:
    //  * 56 exec_mmap -> activate_mm, before that task's sched_process_exec, all flush (a new
    //    mm), e.g. line 67 before line 74 (busy.sh-32121), line 622 before line 668 (mbw2);
    //  * 56 on the exit path, after the task's own sched_process_exit (20 flush, 36 NOFLUSH),
    //    e.g. line 168 after line 166 (seq-32122), line 7436 after line 7433 (mbw2-32132);
    //  * 3 in hardirq (`d.h1.`): leave_mm from a flush IPI on idle CPU 1, lines 16, 71, 149
    //    (1 flush, 2 NOFLUSH).
    // 127 + 56 + 20 + 1 = 204 and 964 + 36 + 2 = 1,002.
    CHECK(count_if(w.switches, [](const Switch& s) { return s.observed == Cr3Outcome::flush; }) ==
          127);
    CHECK(count_if(w.switches, [](const Switch& s) { return s.observed == Cr3Outcome::noflush; }) ==
          964);
    CHECK(w.cr3_writes.size() == 115);
    CHECK(count_if(w.cr3_writes, [](const Cr3Write& c) { return c.flush; }) == 77);
    CHECK(count_if(w.cr3_writes, [](const Cr3Write& c) { return c.in_irq; }) == 3);
    CHECK(w.cr3_writes.front().line == 16);
    CHECK(w.flushes.size() == 3'252 - 1'206);
}

TEST_CASE("sample: the switches the recording does not show") {
    // CPU 1 never shows idle switching to a task (215 times the next line on CPU 1 after idle
    // is another task's), and the recording has no line of the machine's agent threads
    // (tokio-rt-worker 72 and 79, vsock-console 61): 4 more.
    const Workload& w = sample();
    CHECK(w.missing_switches.size() == 219);
    CHECK(count_if(w.missing_switches, [](const MissingSwitch& m) { return m.prev_pid == 0; }) ==
          215);
    CHECK(w.missing_switches.front().line == 67); // busy.sh-32121 after idle's line 16
}

TEST_CASE("sample: membarrier calls and IPIs") {
    const Workload& w = sample();
    CHECK(w.membarriers.size() == 202);
    CHECK(count_if(w.membarriers,
                   [](const MembarrierCall& c) { return c.returned && c.ret == 0; }) == 202);
    CHECK(count_if(w.membarriers, [](const MembarrierCall& c) { return c.cmd == 8; }) == 100);
    CHECK(count_if(w.membarriers, [](const MembarrierCall& c) { return c.cmd == 0x20; }) == 100);
    CHECK(w.ipis.size() == 85);
    // 12 from membarrier_private_expedited's smp_call_function_many (PRIVATE_EXPEDITED) and 9
    // SYNC_CORE ones from on_each_cpu_mask, whose call site (on_each_cpu_cond_mask) the 12 TLB
    // shootdowns share: those 9 are sent inside mbw2's sys_membarrier(cmd: 0x20) calls.
    CHECK(count_if(w.ipis, [](const Ipi& i) { return i.kind == IpiKind::membarrier; }) == 21);
    CHECK(count_if(w.ipis, [](const Ipi& i) {
              return i.kind == IpiKind::membarrier && i.callsite == "on_each_cpu_cond_mask";
          }) == 9);
    CHECK(count_if(w.ipis, [](const Ipi& i) { return i.kind == IpiKind::tlb; }) == 12);
    CHECK(count_if(w.ipis, [](const Ipi& i) { return i.kind == IpiKind::reschedule; }) == 47);
    CHECK(count_if(w.ipis, [](const Ipi& i) { return i.kind == IpiKind::wakeup; }) == 5);
}

TEST_CASE("sample: tasks and mms") {
    const Workload& w = sample();
    CHECK(count_if(w.life, [](const LifeEvent& e) { return e.kind == LifeKind::fork; }) == 60);
    CHECK(count_if(w.life, [](const LifeEvent& e) { return e.kind == LifeKind::exec; }) == 56);
    CHECK(count_if(w.life, [](const LifeEvent& e) { return e.kind == LifeKind::exit; }) == 60);
    // mbw2's three workers (pthread_create: clone_flags 3d0f00) share the mm of its exec.
    const auto exec = std::find_if(w.life.begin(), w.life.end(), [](const LifeEvent& e) {
        return e.kind == LifeKind::exec && e.pid == 32132;
    });
    REQUIRE(exec != w.life.end());
    CHECK(w.mms[static_cast<std::size_t>(exec->mm)].comm == "mbw2");
    for (int worker : {32133, 32134, 32135}) {
        CHECK(w.task(worker)->tgid == 32132);
        CHECK(w.task(worker)->mm == exec->mm);
    }
    // mbw2's own Task.mm is its mm at its fork: bash's copy (the exec follows).
    CHECK(w.mms[static_cast<std::size_t>(w.task(32132)->mm)].comm == "bash");
    // 5 thread groups alive before the trace, 57 forks that copy an mm, 56 execs.
    CHECK(w.mms.size() == 5 + 57 + 56);
    CHECK(w.task(15)->kthread); // rcu_preempt, from the .kthreads file
    CHECK(w.task(15)->mm == -1);
    REQUIRE(w.assumptions.size() == 3);
    CHECK(w.assumptions[0].starts_with("3 tasks alive before the trace have no thread group"));
}
