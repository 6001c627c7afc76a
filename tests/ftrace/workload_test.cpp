// The importer's interpretation (docs/replay.md, "The importer": mapping rules): tasks to mms,
// kernel threads, each switch's CR3 outcome, missing switches, and the committed sample's totals.

#include "trace_text.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

using namespace ftrace;
using namespace ftrace_test;

namespace {

int mm_of(const Workload& w, int pid) {
    return w.task(pid)->mm;
}

std::string fork_of(int parent, int tgid, int child, const char* flags, long long us) {
    std::string text;
    if (flags != nullptr) {
        text += tf("p", parent, tgid, 0, ".....", us,
                   "task_newtask: pid=" + std::to_string(child) + " comm=p clone_flags=" + flags +
                       " oom_score_adj=0");
    }
    return text + tf("p", parent, tgid, 0, ".....", us + 1,
                     "sched_process_fork: comm=p pid=" + std::to_string(parent) +
                         " child_comm=p child_pid=" + std::to_string(child));
}

} // namespace

TEST_CASE("mms: a thread shares, a process copies, a vfork child shares until exec") {
    const Workload w = import(
        kHeader + fork_of(100, 100, 101, "3d0f00", 1) + // pthread_create: CLONE_VM|CLONE_THREAD
            fork_of(100, 100, 102, "1200000", 10) +     // fork(): no CLONE_VM
            fork_of(100, 100, 103, "4111", 20) +        // vfork: CLONE_VM|CLONE_VFORK
            tf("p", 100, 100, 0, "d..2.", 30, switch_event("p", 100, "D", "p", 103)) +
            tf("p", 103, 103, 0, ".....", 40,
               "sched_process_exec: filename=/usr/bin/true pid=103 old_pid=103"),
        {2});
    REQUIRE(w.mms.size() == 3);
    CHECK(w.mms[0].tgid == 100); // alive before the trace
    CHECK(w.mms[0].created == 0);
    CHECK(w.mms[0].line == 0);
    CHECK(mm_of(w, 100) == 0);
    CHECK(mm_of(w, 101) == 0);
    CHECK(w.task(101)->tgid == 100); // from CLONE_THREAD: it never runs
    CHECK(mm_of(w, 102) == 1);
    CHECK(w.mms[1].tgid == 102);
    CHECK(w.mms[1].line == 7); // the sched_process_fork line
    CHECK(mm_of(w, 103) == 0); // at its fork
    const LifeEvent& exec = w.life.back();
    CHECK(exec.kind == LifeKind::exec);
    CHECK(exec.mm == 2);
    CHECK(w.mms[2].comm == "true");
    CHECK(w.mms[2].tgid == 103);
    CHECK(w.assumptions.empty());
}

TEST_CASE("mms without task_newtask: decided by the child's thread group, and said") {
    const Workload w =
        import(kHeader + fork_of(200, 200, 201, nullptr, 1) + fork_of(200, 200, 202, nullptr, 3) +
               tf("p", 200, 200, 0, "d..2.", 5, switch_event("p", 200, "S", "p", 201)) +
               tf("p", 201, 200, 0, "d..2.", 6, switch_event("p", 201, "S", "p", 202)) +
               tf("p", 202, 202, 0, ".....", 7, "x: y"));
    CHECK(mm_of(w, 201) == mm_of(w, 200)); // tgid 200: a thread
    CHECK(mm_of(w, 202) != mm_of(w, 200)); // tgid 202: a process
    CHECK(!w.life[0].clone_flags_known);
    REQUIRE(w.assumptions.size() == 2);
    CHECK(w.assumptions[0] ==
          "No kernel-thread list (TRACE.kthreads): only idle (pid 0), kthreadd (pid 2) and the "
          "tasks kthreadd forks in the trace are taken for kernel threads; every other task for "
          "a user task with an mm.");
    CHECK(w.assumptions[1] ==
          "2 forks have no task_newtask (its clone flags): a child whose tgid equals its "
          "parent's is taken for a thread sharing its parent's mm, any other child for a process "
          "with an mm of its own (a vfork or other CLONE_VM child would in fact share its "
          "parent's mm until it execs).");
}

TEST_CASE("kernel threads: the list, kthreadd and its children, idle; none has an mm") {
    const Workload w = import(kHeader + fork_of(2, 2, 300, "800711", 1) +
                                  tf("kworker/0:1", 40, 40, 1, "d..2.", 5,
                                     switch_event("kworker/0:1", 40, "I", "swapper/1", 0)),
                              {40});
    CHECK(w.task(300)->kthread);
    CHECK(mm_of(w, 300) == -1);
    CHECK(w.task(40)->kthread);
    CHECK(mm_of(w, 40) == -1);
    CHECK(w.task(0)->idle);
    CHECK(w.task(0)->kthread);
    CHECK(w.task(0)->comm == "swapper/1");
    CHECK(w.mms.empty());
    CHECK(w.task(41) == nullptr);
}

TEST_CASE("a switch's CR3 write: prev's reason-0 tlb_flush right after its sched_switch, not in "
          "an interrupt; every other reason-0 event is a CR3 write outside switches") {
    const Workload w = import(
        kHeader +
        // 0: A -> B writes CR3 (flush).
        tf("A", 10, 10, 0, "d..2.", 100, switch_event("A", 10, "S", "B", 20)) +
        tf("A", 10, 10, 0, "d..2.", 101, kCr3Flush) +
        // B's hardirq: leave_mm from a flush IPI; not switch 0's (it has one; B is current).
        tf("B", 20, 20, 0, "d.h1.", 110, kCr3NoFlush) +
        // 1: B -> A: an interrupt-context event by prev cannot be the switch's (irqs are off
        // from the tracepoint to switch_mm_irqs_off).
        tf("B", 20, 20, 0, "d..2.", 120, switch_event("B", 20, "S", "A", 10)) +
        tf("B", 20, 20, 0, "d.h2.", 121, kCr3NoFlush) +
        tf("A", 10, 10, 0, "d..2.", 130, switch_event("A", 10, "S", "C", 30)) +
        // 2: A -> C without a CR3 write; C's exec then writes CR3 (exec_mmap): C is next, not prev.
        tf("C", 30, 30, 0, "d..1.", 140, kCr3Flush) +
        tf("C", 30, 30, 0, ".....", 141, "sched_process_exec: filename=/bin/c pid=30 old_pid=30") +
        // 3: on CPU 1, idle -> A writes CR3 (NOFLUSH).
        tf("<idle>", 0, -1, 1, "d..2.", 150, switch_event("swapper/1", 0, "R", "D", 40)) +
        tf("<idle>", 0, -1, 1, "d..2.", 151, kCr3NoFlush));
    REQUIRE(w.switches.size() == 4);
    CHECK(w.switches[0].observed == Cr3Outcome::flush);
    CHECK(w.switches[0].cr3_line == 5);
    CHECK(w.switches[1].observed == Cr3Outcome::none);
    CHECK(w.switches[2].observed == Cr3Outcome::none);
    CHECK(w.switches[3].observed == Cr3Outcome::noflush);
    REQUIRE(w.cr3_writes.size() == 3);
    CHECK(w.cr3_writes[0].in_irq);
    CHECK(!w.cr3_writes[0].flush);
    CHECK(w.cr3_writes[0].pid == 20);
    CHECK(w.cr3_writes[1].in_irq);
    CHECK(w.cr3_writes[1].line == 8);
    CHECK(!w.cr3_writes[2].in_irq);
    CHECK(w.cr3_writes[2].flush);
    CHECK(w.cr3_writes[2].pid == 30);
    CHECK(w.missing_switches.empty());
}

TEST_CASE("a CPU whose current task changes with no sched_switch: a missing switch") {
    const Workload w = import(
        kHeader + tf("A", 10, 10, 1, "d..2.", 100, switch_event("A", 10, "S", "swapper/1", 0)) +
        tf("<idle>", 0, -1, 1, "dNh2.", 110,
           "sched_wakeup: comm=B pid=20 prio=120 target_cpu=001") +
        tf("B", 20, 20, 1, "d..4.", 130, "sched_wake_idle_without_ipi: cpu=0"));
    REQUIRE(w.missing_switches.size() == 1);
    const MissingSwitch& m = w.missing_switches[0];
    CHECK(m.cpu == 1);
    CHECK(m.prev_pid == 0);
    CHECK(m.next_pid == 20);
    CHECK(m.since == 10'000);
    CHECK(m.time == 30'000);
    CHECK(m.line == 6);
    CHECK(w.assumptions.back() ==
          "1 context switch is missing (a CPU's current task changed with no sched_switch line; "
          "CPU 1: 1; first at line 6): they are in missing_switches, with no CR3 outcome.");
}

TEST_CASE("trace-cmd report and /sys/kernel/tracing/trace of one recording read alike") {
    const std::string data = TLBSIM_SOURCE_DIR "/tests/ftrace/data/";
    const Workload tracefs = import_trace(data + "capture.trace");
    // The tracefs text has 12 header lines, the reports 1 (`cpus=2`).
    for (const char* report : {"capture.report", "capture.report-l"}) {
        INFO(report);
        const Workload w = import_trace(data + report);
        REQUIRE(w.switches.size() == tracefs.switches.size());
        for (std::size_t i = 0; i < w.switches.size(); ++i) {
            const Switch& a = w.switches[i];
            const Switch& b = tracefs.switches[i];
            // prev_state differs: trace-cmd's plugin has its own letters (W for I, X for Z).
            CHECK((a.time == b.time && a.cpu == b.cpu && a.prev_pid == b.prev_pid &&
                   a.next_pid == b.next_pid && a.observed == b.observed && a.line + 11 == b.line));
        }
        CHECK(w.cr3_writes.size() == tracefs.cr3_writes.size());
        CHECK(w.flushes.size() == tracefs.flushes.size());
        CHECK(w.ipis.size() == tracefs.ipis.size());
        CHECK(w.life.size() == tracefs.life.size());
        CHECK(w.membarriers.size() == tracefs.membarriers.size());
        CHECK(w.mms.size() == tracefs.mms.size());
        CHECK(w.tasks.size() == tracefs.tasks.size());
        CHECK(w.duration == tracefs.duration);
    }
    CHECK(tracefs.switches.size() == 20);
    CHECK(tracefs.membarriers.size() == 2);
    CHECK(tracefs.membarriers[0].ret == 0x3ff); // MEMBARRIER_CMD_QUERY on kernel 6.18
}

TEST_CASE("a pid forked again (pid reuse): its Task stays the first task's, and it is said") {
    const Workload w = import(
        kHeader + fork_of(100, 100, 101, "1200000", 1) + fork_of(2, 2, 101, "800711", 10), {2});
    const Task& t = *w.task(101);
    CHECK(!t.kthread);
    CHECK(t.mm == 1); // its first fork's new mm (mm 0 is pid 100's)
    CHECK(t.born_line == 4);
    REQUIRE(w.life.size() == 2);
    CHECK(w.life[1].mm == -1);          // kthreadd's child: a kernel thread
    REQUIRE(w.assumptions.size() == 2); // [1]: CPU 0 runs pid 2 after 100 with no switch
    CHECK(w.assumptions[0] == "pid 101 is forked at line 7 after the trace named it already (pid "
                              "reuse): its Task describes the first task with that pid, the "
                              "fork's LifeEvent the second.");
}

TEST_CASE("mms: a task never current in the recording takes its thread group from TRACE.tgids") {
    // b (pid 7) is only ever switched to, at the last line: no line of its own shows its thread
    // group (ftrace's `(-------)`). Alone, the importer takes it for a group of its own; the
    // .tgids file that capture-trace writes at the start says it is a thread of a (pid 5).
    const std::string text = kHeader + tf("a", 5, 5, 0, ".....", 1, "sys_membarrier -> 0x0") +
                             tf("a", 5, 5, 0, "d..2.", 2, switch_event("a", 5, "S", "b", 7));
    const auto dir = std::filesystem::temp_directory_path() / "tlbsim-ftrace-tgids";
    std::filesystem::create_directories(dir);
    const auto trace = dir / "x.trace";
    const auto write = [](const std::filesystem::path& p, const std::string& s) {
        std::FILE* f = std::fopen(p.c_str(), "w");
        std::fputs(s.c_str(), f);
        std::fclose(f);
    };
    write(trace, text);
    const Workload alone = import_trace(trace);
    CHECK(mm_of(alone, 7) != mm_of(alone, 5));
    CHECK(std::any_of(alone.assumptions.begin(), alone.assumptions.end(), [](const auto& a) {
        return a.starts_with("1 task alive before the trace has no thread group in any line");
    }));
    write(dir / "x.trace.tgids", "1 1\n5 5\n7 5\n");
    const Workload w = import_trace(trace);
    CHECK(w.task(7)->tgid == 5);
    CHECK(mm_of(w, 7) == mm_of(w, 5));
    CHECK(std::any_of(w.assumptions.begin(), w.assumptions.end(), [](const auto& a) {
        return a.ends_with("(pids 7): TRACE.tgids, written when the recording began, names it.");
    }));
    // A thread group a line shows wins over the file's (a pid reused since).
    write(dir / "x.trace.tgids", "5 9\n7 5\n");
    CHECK(import_trace(trace).task(5)->tgid == 5);
    std::filesystem::remove_all(dir);
}
