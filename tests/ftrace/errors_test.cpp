// The importer refuses what it cannot read with one `file:line:column: message`, the column
// that of the offending field (docs/replay.md, "The importer": errors).

#include "trace_text.h"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace ftrace;
using namespace ftrace_test;

namespace {

/// The error of kHeader + `line` (line 4 of t.trace).
std::string error_on_line_4(const std::string& line) {
    return error_of(kHeader + line);
}

} // namespace

TEST_CASE("a line that is not an event line") {
    CHECK(error_on_line_4("garbage\n") ==
          "t.trace:4:1: expected an event line `COMM-PID [CPU] ... TIMESTAMP: EVENT`");
}

TEST_CASE("a malformed prefix: tgid, CPU, timestamp") {
    const std::string tgid = "            bash-500     (  5x0) [000] ..... 1.000000: x: y\n";
    CHECK(error_on_line_4(tgid) ==
          "t.trace:4:" + column_of(tgid, "5x0") + ": malformed tgid field");
    const std::string cpu = "            bash-500     (  500) [0a0] ..... 1.000000: x: y\n";
    CHECK(error_on_line_4(cpu) == "t.trace:4:" + column_of(cpu, "0a0") + ": malformed CPU field");
    const std::string time = "            bash-500     (  500) [000] ..... 1.00a000: x: y\n";
    CHECK(error_on_line_4(time) ==
          "t.trace:4:" + column_of(time, "1.00a") + ": malformed timestamp");
    const std::string negative = "            bash-500     (  500) [000] ..... -1.000000: x: y\n";
    CHECK(error_on_line_4(negative) ==
          "t.trace:4:" + column_of(negative, "-1.0") + ": malformed timestamp");
    const std::string counter = "            bash-500     (  500) [000] ..... 1234567: x: y\n";
    CHECK(error_on_line_4(counter) ==
          "t.trace:4:" + column_of(counter, "1234567") +
              ": timestamp without a fraction of a second: record with a trace_clock that counts "
              "seconds (local, global, mono, boot)");
    const std::string no_time = "            bash-500     (  500) [000] ..... x y\n";
    CHECK(error_on_line_4(no_time) ==
          "t.trace:4:" + column_of(no_time, "x y") + ": expected a timestamp `SECONDS.FRACTION:`");
}

TEST_CASE("a CPU the header does not have") {
    const std::string line = tf("a", 5, 5, 2, ".....", 1, "sched_wake_idle_without_ipi: cpu=1");
    CHECK(error_on_line_4(line) ==
          "t.trace:4:" + column_of(line, "002") + ": CPU 2 out of range (2 CPUs)");
}

TEST_CASE("a malformed field of an event the importer reads") {
    std::string bad = tf("a", 5, 5, 0, "d..2.", 1, switch_event("a", 5, "S", "b", 0));
    bad.replace(bad.find("next_pid=0"), 10, "next_pid=0x");
    CHECK(error_on_line_4(bad) ==
          "t.trace:4:" + column_of(bad, "0x next") + ": sched_switch: malformed number '0x'");
    const std::string missing =
        tf("a", 5, 5, 0, "dN.4.", 1, "sched_wakeup: comm=migration/0 pid=18 prio=0");
    CHECK(error_on_line_4(missing) ==
          "t.trace:4:" + column_of(missing, "comm=") + ": sched_wakeup: no target_cpu= field");
    const std::string reason =
        tf("a", 5, 5, 0, "d..2.", 1, "tlb_flush: pages:1 reason:new reason (7)");
    CHECK(error_on_line_4(reason) ==
          "t.trace:4:" + column_of(reason, "7)") +
              ": tlb_flush: unknown reason 7 (enum tlb_flush_reason has 0..5)");
    const std::string pages =
        tf("a", 5, 5, 0, "d..2.", 1, "tlb_flush: pages:3 reason:flush on task switch (0)");
    CHECK(error_on_line_4(pages) ==
          "t.trace:4:" + column_of(pages, "3 reason") +
              ": tlb_flush: a task-switch flush has pages -1 (flush) or 0 (NOFLUSH), not 3");
    const std::string mask =
        tf("a", 5, 5, 0, "d..2.", 1, "ipi_send_cpumask: cpumask=0-3 callsite=x+0x1/0x2 callback=y");
    CHECK(error_on_line_4(mask) ==
          "t.trace:4:" + column_of(mask, "0-3") + ": ipi_send_cpumask: malformed cpumask '0-3'");
    const std::string flags =
        tf("a", 5, 5, 0, ".....", 1, "task_newtask: pid=6 comm=a clone_flags=xyz oom_score_adj=0");
    CHECK(error_on_line_4(flags) == "t.trace:4:" + column_of(flags, "xyz") +
                                        ": task_newtask: malformed hexadecimal number 'xyz'");
}

TEST_CASE("a CPU or pid field the machine cannot have") {
    const std::string target =
        tf("a", 5, 5, 0, "dN.4.", 1, "sched_wakeup: comm=b pid=18 prio=0 target_cpu=005");
    CHECK(error_on_line_4(target) ==
          "t.trace:4:" + column_of(target, "005") + ": sched_wakeup: CPU 5 out of range (2 CPUs)");
    const std::string mask =
        tf("a", 5, 5, 0, "d..2.", 1, "ipi_send_cpumask: cpumask=4 callsite=x+0x1/0x2 callback=y");
    CHECK(error_on_line_4(mask) == "t.trace:4:" + column_of(mask, "4 callsite") +
                                       ": ipi_send_cpumask: cpumask 4 names CPU 2 (2 CPUs)");
    const std::string pid =
        tf("a", 5, 5, 0, ".....", 1, "sched_process_exit: comm=b pid=-7 prio=120");
    CHECK(error_on_line_4(pid) ==
          "t.trace:4:" + column_of(pid, "-7") + ": sched_process_exit: negative pid -7");
    const std::string cpu = "            bash-500     (  500) [-01] ..... 1.000000: x: y\n";
    CHECK(error_on_line_4(cpu) == "t.trace:4:" + column_of(cpu, "-01") + ": malformed CPU field");
}

TEST_CASE("a sched_switch whose prev is not the line's task") {
    const std::string line = tf("a", 5, 5, 0, "d..2.", 1, switch_event("b", 6, "S", "c", 7));
    CHECK(error_on_line_4(line) == "t.trace:4:" + column_of(line, "prev_comm") +
                                       ": sched_switch: prev_pid=6 but the line's task is pid 5");
}

TEST_CASE("time going backwards, and two layouts in one file") {
    const std::string later = tf("a", 5, 5, 0, ".....", 20, "x: y");
    const std::string earlier = tf("a", 5, 5, 0, ".....", 10, "x: y");
    CHECK(error_of(kHeader + later + earlier) ==
          "t.trace:5:" + column_of(earlier, "0.000010") +
              ": timestamp goes backwards (line 4 is later)");
    const std::string no_tgid = "               a-5       [000] ..... 0.000030: x: y\n";
    CHECK(error_of(kHeader + later + no_tgid) ==
          "t.trace:5:16: this line's prefix `[CPU] flags` differs from the first event line's "
          "`(tgid) [CPU] flags`: one recording per file");
}

TEST_CASE("the side files: kernel threads and machine facts") {
    CHECK(error_of(kHeader, {}, "cpus = 4\npcid = maybe\n") ==
          "t.trace.machine:2:8: expected yes or no, not 'maybe'");
    CHECK(error_of(kHeader, {}, "cpus\n") == "t.trace.machine:1:1: expected `key = value`");
    const Workload w = import(kHeader, {},
                              "# facts\ncpus = 4\npcid = yes\ninvpcid = yes\n"
                              "pti = no\nkernel = 6.18.44\n"
                              "membarrier_query = 0x3ff\ncpu_model = Intel Xeon\n");
    CHECK(w.machine.known);
    CHECK(w.machine.cpus == 4);
    CHECK(w.machine.pcid);
    CHECK(w.machine.invpcid);
    CHECK(!w.machine.pti);
    CHECK(w.machine.kernel == "6.18.44");
    CHECK(w.machine.membarrier_query == 0x3ff);
    CHECK(w.cpus == 2); // the trace's own header wins

    const auto dir = std::filesystem::temp_directory_path() / "tlbsim-ftrace-errors";
    std::filesystem::create_directories(dir);
    const auto trace = dir / "x.trace";
    {
        std::FILE* f = std::fopen(trace.c_str(), "w");
        std::fputs(kHeader.c_str(), f);
        std::fclose(f);
    }
    {
        std::FILE* f = std::fopen((dir / "x.trace.kthreads").c_str(), "w");
        std::fputs("2 3\n4 x5\n", f);
        std::fclose(f);
    }
    try {
        import_trace(trace);
        FAIL("no error");
    } catch (const TraceError& e) {
        CHECK(std::string(e.what()) ==
              (dir / "x.trace.kthreads").string() + ":2:3: expected a pid, not 'x5'");
        CHECK(e.line() == 2);
        CHECK(e.column() == 3);
    }
    std::filesystem::remove(dir / "x.trace.kthreads");
    const auto tgids_error = [&](const char* text) {
        std::FILE* f = std::fopen((dir / "x.trace.tgids").c_str(), "w");
        std::fputs(text, f);
        std::fclose(f);
        try {
            import_trace(trace);
        } catch (const TraceError& e) {
            return std::string(e.what()).substr(dir.string().size() + 1);
        }
        return std::string("no error");
    };
    CHECK(tgids_error("7 5\n\n8 x\n") == "x.trace.tgids:3:3: expected a tgid, not 'x'");
    CHECK(tgids_error("7 5 1\n") == "x.trace.tgids:1:5: expected `PID TGID`");
    CHECK(tgids_error("7\n") == "x.trace.tgids:1:2: expected `PID TGID`");
    CHECK(tgids_error("-7 5\n") == "x.trace.tgids:1:1: expected a pid, not '-7'");
    CHECK(tgids_error("7 5\n8 8\n  7 7\n") ==
          "x.trace.tgids:3:3: pid 7 is listed twice (first at line 1)");
    std::filesystem::remove(dir / "x.trace.tgids");
    try {
        import_trace(dir / "missing.trace");
        FAIL("no error");
    } catch (const TraceError& e) {
        CHECK(std::string(e.what()) == (dir / "missing.trace").string() + ": cannot open the file");
        CHECK(e.line() == 0);
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("a header with more CPUs than x86 has") {
    CHECK(error_of("# entries-in-buffer/entries-written: 8/8   #P:9000\n") ==
          "t.trace:1:47: a machine of 9000 CPUs (1 to 8192)");
    CHECK(error_of("cpus=0\n") == "t.trace:1:6: a machine of 0 CPUs (1 to 8192)");
}
