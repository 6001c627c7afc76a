// The importer's reading of ftrace text (ftrace/importer.h, docs/replay.md "The importer"): each
// event it reads, the line layouts of tracefs and trace-cmd, and its errors.

#include "trace_text.h"

#include <catch2/catch.hpp>

using namespace ftrace;
using namespace ftrace_test;

TEST_CASE("sched_switch: who runs next, from the prefix's task, at nanoseconds from the first "
          "event") {
    const Workload w =
        import(kHeader +
               tf("bash", 500, 500, 1, ".....", 1'511'000'000,
                  "sched_process_exit: comm=x pid=500 prio=120 group_dead=true") +
               tf("bash", 500, 500, 1, "d..2.", 1'511'000'250,
                  "sched_switch: prev_comm=bash prev_pid=500 prev_prio=120 prev_state=R+ ==> "
                  "next_comm=Web Content next_pid=501 next_prio=120"));
    REQUIRE(w.switches.size() == 1);
    const Switch& s = w.switches[0];
    CHECK(s.time == 250'000);
    CHECK(s.cpu == 1);
    CHECK(s.prev_pid == 500);
    CHECK(s.next_pid == 501);
    CHECK(s.prev_state == "R+");
    CHECK(s.line == 5);
    CHECK(s.observed == Cr3Outcome::none);
    CHECK(w.task(501)->comm == "Web Content"); // a comm may hold blanks
    CHECK(w.duration == 250'000);
    CHECK(w.cpus == 2);
    CHECK(w.lines == 5);
}

TEST_CASE("wakeups, migrations, exits and execs are life events") {
    const Workload w =
        import(kHeader +
               tf("busy.sh", 32121, 32121, 0, "dN.4.", 10,
                  "sched_wakeup: comm=migration/0 pid=18 prio=0 target_cpu=000") +
               tf("bash", 7, 7, 0, "d..2.", 11,
                  "sched_wakeup_new: comm=bash pid=8 prio=120 target_cpu=001") +
               tf("migration/0", 18, 18, 0, "d..3.", 12,
                  "sched_migrate_task: comm=capture.sh pid=32121 prio=120 orig_cpu=0 dest_cpu=1") +
               tf("seq", 32122, 32122, 1, ".....", 13,
                  "sched_process_exec: filename=/usr/bin/seq pid=32122 old_pid=32122") +
               tf("seq", 32122, 32122, 1, ".....", 14,
                  "sched_process_exit: comm=seq pid=32122 prio=120 group_dead=true"));
    REQUIRE(w.life.size() == 5);
    CHECK(w.life[0].kind == LifeKind::wakeup);
    CHECK(w.life[0].pid == 18);
    CHECK(w.life[0].to_cpu == 0);
    CHECK(w.life[1].kind == LifeKind::wakeup_new);
    CHECK(w.life[1].to_cpu == 1);
    CHECK(w.life[2].kind == LifeKind::migrate);
    CHECK(w.life[2].pid == 32121);
    CHECK(w.life[2].from_cpu == 0);
    CHECK(w.life[2].to_cpu == 1);
    CHECK(w.life[3].kind == LifeKind::exec);
    CHECK(w.life[3].old_pid == 32122);
    CHECK(w.mms[static_cast<std::size_t>(w.life[3].mm)].comm == "seq");
    CHECK(w.life[4].kind == LifeKind::exit);
    CHECK(w.life[4].time == 4'000);
    CHECK(w.life[4].cpu == 1);
}

TEST_CASE("task_newtask gives the clone flags of the sched_process_fork that follows") {
    const Workload w =
        import(kHeader +
               tf("mbw2", 32132, 32132, 0, ".....", 1,
                  "task_newtask: pid=32133 comm=mbw2 clone_flags=3d0f00 oom_score_adj=0") +
               tf("mbw2", 32132, 32132, 0, ".....", 3,
                  "sched_process_fork: comm=mbw2 pid=32132 child_comm=mbw2 child_pid=32133"));
    REQUIRE(w.life.size() == 1);
    CHECK(w.life[0].kind == LifeKind::fork);
    CHECK(w.life[0].pid == 32133);
    CHECK(w.life[0].parent_pid == 32132);
    CHECK(w.life[0].clone_flags == 0x3d0f00);
    CHECK(w.life[0].clone_flags_known);
    CHECK(w.task(32133)->born == 0);      // task_newtask's time
    CHECK(w.task(32133)->born_line == 4); // and line
}

TEST_CASE("tlb_flush: reasons 1..5 are flushes, with their pages") {
    const Workload w = import(
        kHeader + tf("a", 9, 9, 0, "...1.", 1, "tlb_flush: pages:-1 reason:remote IPI send (4)") +
        tf("a", 9, 9, 0, "d..3.", 2, "tlb_flush: pages:11 reason:local MM shootdown (3)") +
        tf("a", 9, 9, 1, "d.h1.", 3, "tlb_flush: pages:0 reason:remote wrong CPU (5)") +
        tf("a", 9, 9, 1, "d.h1.", 4, "tlb_flush: pages:1 reason:remote shootdown (1)"));
    REQUIRE(w.flushes.size() == 4);
    CHECK(w.flushes[0].reason == FlushReason::remote_send_ipi);
    CHECK(w.flushes[0].pages == -1);
    CHECK(w.flushes[1].reason == FlushReason::local_mm_shootdown);
    CHECK(w.flushes[1].pages == 11);
    CHECK(w.flushes[2].reason == FlushReason::remote_wrong_cpu);
    CHECK(w.flushes[3].reason == FlushReason::remote_shootdown);
    CHECK(w.flushes[3].cpu == 1);
    CHECK(w.cr3_writes.empty());
}

TEST_CASE("IPIs: targets, call site without its offset, kind by call site") {
    const Workload w =
        import("# entries-in-buffer/entries-written: 6/6   #P:64\n" +
               tf("mbw2", 5, 5, 0, "d..2.", 1,
                  "ipi_send_cpu: cpu=1 callsite=membarrier_private_expedited+0x231/0x290 "
                  "callback=generic_smp_call_function_single_interrupt+0x0/0x10") +
               tf("sh", 6, 6, 0, "...2.", 2,
                  "ipi_send_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 "
                  "callback=generic_smp_call_function_single_interrupt+0x0/0x10") +
               tf("sh", 6, 6, 0, "d..3.", 3,
                  "ipi_send_cpu: cpu=1 callsite=ttwu_queue_wakelist+0x11d/0x150 "
                  "callback=generic_smp_call_function_single_interrupt+0x0/0x10") +
               tf("sh", 6, 6, 0, "d..3.", 4,
                  "ipi_send_cpu: cpu=1 callsite=wakeup_preempt+0x55/0xa0 callback=0x0") +
               tf("sh", 6, 6, 0, "d..3.", 5,
                  "ipi_send_cpumask: cpumask=00000001,00000006 "
                  "callsite=native_flush_tlb_multi+0x9c/0x140 callback=flush_tlb_func+0x0/0x240") +
               tf("sh", 6, 6, 0, "d..3.", 6,
                  "ipi_send_cpu: cpu=1 callsite=irq_work_queue_on+0x60/0x90 "
                  "callback=generic_smp_call_function_single_interrupt+0x0/0x10"));
    REQUIRE(w.ipis.size() == 6);
    CHECK(w.ipis[0].kind == IpiKind::membarrier);
    CHECK(w.ipis[0].callsite == "membarrier_private_expedited");
    CHECK(w.ipis[0].targets == std::vector<int>{1});
    CHECK(w.ipis[0].pid == 5);
    CHECK(w.ipis[1].kind == IpiKind::tlb);
    CHECK(w.ipis[2].kind == IpiKind::wakeup);
    CHECK(w.ipis[3].kind == IpiKind::reschedule);
    CHECK(w.ipis[4].kind == IpiKind::tlb);
    CHECK(w.ipis[4].targets == std::vector<int>{1, 2, 32}); // %*pb: 32-bit groups, high first
    CHECK(w.ipis[5].kind == IpiKind::other);
}

TEST_CASE("sched_wake_idle_without_ipi") {
    const Workload w =
        import(kHeader + tf("a", 9, 9, 0, "d..4.", 1, "sched_wake_idle_without_ipi: cpu=1"));
    REQUIRE(w.idle_wakeups.size() == 1);
    CHECK(w.idle_wakeups[0].target_cpu == 1);
    CHECK(w.idle_wakeups[0].cpu == 0);
    CHECK(w.idle_wakeups[0].pid == 9);
}

TEST_CASE("membarrier calls: each enter paired with its task's exit") {
    const Workload w = import(
        kHeader +
        tf("mbw2", 5, 5, 0, ".....", 10, "sys_membarrier(cmd: 0x40, flags: 0, cpu_id: 0)") +
        tf("mbw2", 6, 5, 1, ".....", 11, "sys_membarrier(cmd: 8, flags: 0, cpu_id: 0)") +
        tf("mbw2", 5, 5, 0, ".....", 12, "sys_membarrier -> 0x0") +
        tf("mbw2", 6, 5, 1, ".....", 14, "sys_membarrier -> 0xffffffffffffffea") +
        tf("mbw2", 6, 5, 1, "d..2.", 15, switch_event("mbw2", 6, "S", "mbw2", 7)) +
        tf("mbw2", 7, 5, 1, ".....", 15, "sys_membarrier -> 0x0") + // its enter is before the trace
        tf("mbw2", 5, 5, 0, ".....", 16, "sys_membarrier(cmd: 0x20, flags: 0, cpu_id: 0)"));
    REQUIRE(w.membarriers.size() == 3);
    const MembarrierCall& a = w.membarriers[0];
    CHECK(a.pid == 5);
    CHECK(a.cmd == 0x40);
    CHECK(a.enter == 0);
    CHECK(a.exit == 2'000);
    CHECK(a.returned);
    CHECK(a.ret == 0);
    CHECK(w.membarriers[1].cmd == 8);
    CHECK(w.membarriers[1].cpu == 1);
    CHECK(w.membarriers[1].ret == -22); // -EINVAL
    CHECK(!w.membarriers[2].returned);  // the trace ends first
    CHECK(w.membarriers[2].exit == w.membarriers[2].enter);
    REQUIRE(w.assumptions.size() == 3); // [0]: no .kthreads list
    CHECK(w.assumptions[1].starts_with("1 sys_exit_membarrier has no enter"));
    CHECK(w.assumptions[2].starts_with("1 membarrier call has no exit"));
}

TEST_CASE("events the importer does not read are counted, not errors") {
    const Workload w =
        import(kHeader + tf("a", 9, 9, 0, ".....", 1, "sys_read(fd: 3, buf: 7ffd, count: 400)") +
               tf("a", 9, 9, 0, ".....", 2, "sched_stat_runtime: comm=a pid=9 runtime=5 [ns]") +
               tf("a", 9, 9, 0, ".....", 3, "sched_stat_runtime: comm=a pid=9 runtime=7 [ns]") +
               tf("a", 9, 9, 0, ".....", 4, "do_sys_open <-__x64_sys_openat"));
    REQUIRE(w.skipped.size() == 3);
    CHECK(w.skipped[0].name == "do_sys_open");
    CHECK(w.skipped[1].name == "sched_stat_runtime");
    CHECK(w.skipped[1].count == 2);
    CHECK(w.skipped[1].first_line == 5);
    CHECK(w.skipped[2].name == "sys_read");
}

TEST_CASE("trace-cmd report: its plugins' sched_switch and sched_wakeup, no flags, no tgid") {
    const Workload w = import(
        "cpus=2\n"
        "            bash-6138  [000] 46742.899802: sched_wakeup_new:     bash:6140 [120] CPU:001\n"
        "            bash-6138  [000] 46742.899884: sched_switch:         bash:6138 [120] S ==> "
        "lto1-ltrans:6120 [120]\n"
        "            bash-6138  [000] 46742.899885: tlb_flush:            pages=0 reason=flush on "
        "task switch (0)\n"
        "  python3-6140  [001] 46742.905735: sched_wakeup:         memfd:sealed-91:1364 [120] "
        "CPU:001\n"
        "         python3-6140  [000] 46743.100891: sys_enter_membarrier: cmd: 0x00000040, flags: "
        "0x00000000, cpu_id: 0x00000000\n"
        "         python3-6140  [000] 46743.100896: sys_exit_membarrier:  0x3ff\n");
    CHECK(w.format == TraceFormat::trace_cmd);
    CHECK(!w.has_tgid);
    CHECK(!w.has_irq_flags);
    REQUIRE(w.switches.size() == 1);
    CHECK(w.switches[0].prev_pid == 6138);
    CHECK(w.switches[0].next_pid == 6120);
    CHECK(w.switches[0].prev_state == "S");
    CHECK(w.switches[0].observed == Cr3Outcome::noflush);
    REQUIRE(w.life.size() == 2);
    CHECK(w.life[1].pid == 1364);
    CHECK(w.task(1364)->comm == "memfd:sealed-91");
    REQUIRE(w.membarriers.size() == 1);
    CHECK(w.membarriers[0].cmd == 0x40);
    CHECK(w.membarriers[0].ret == 0x3ff);
}

TEST_CASE("trace-cmd report -l (CPU glued to the flags) and -R (raw fields), with an instance") {
    const Workload w = import(
        "cpus=2\n"
        "inst:     bash-6138    0d..2. 46742.899884: sched_switch:         bash:6138 [120] S ==> "
        "lto1-ltrans:6120 [120]\n"
        "inst:     bash-6138    0d.h2. 46742.899885: tlb_flush:            pages=0 reason=flush on "
        "task switch (0)\n"
        "inst: lto1-ltr-6120    0..... 46742.899889: sched_process_fork:   parent_comm=lto1-ltrans "
        "parent_pid=6120 child_comm=lto1-ltrans child_pid=6140\n"
        "inst: lto1-ltr-6120    0..... 46742.899890: tlb_flush:            reason=3 pages=-1\n");
    CHECK(w.has_irq_flags);
    REQUIRE(w.switches.size() == 1);
    CHECK(w.switches[0].observed == Cr3Outcome::none); // in hardirq: not the switch's
    REQUIRE(w.cr3_writes.size() == 1);
    CHECK(w.cr3_writes[0].in_irq);
    REQUIRE(w.life.size() == 1);
    CHECK(w.life[0].parent_pid == 6120);
    CHECK(w.missing_switches.empty());
    REQUIRE(w.flushes.size() == 1);
    CHECK(w.flushes[0].reason == FlushReason::local_mm_shootdown);
}

TEST_CASE("lost events: the header's overwritten entries and `[LOST N EVENTS]` lines") {
    const Workload w = import("# tracer: nop\n"
                              "# entries-in-buffer/entries-written: 8/10   #P:2\n" +
                              tf("a", 9, 9, 0, ".....", 1, "x: y") + "CPU:1 [LOST 5 EVENTS]\n" +
                              tf("a", 9, 9, 0, ".....", 2, "x: y"));
    CHECK(w.lost_events == 2 + 5);
    CHECK(w.assumptions.back() ==
          "The ring buffer lost 7 events: what they held is missing from every list.");
    CHECK(w.lines == 5);
}

TEST_CASE("event lines printing one timestamp are spread over its resolution in file order") {
    const auto wakeup = [](int cpu, long long us) {
        return tf("a", 9, 9, cpu, "d..2.", us,
                  "sched_wakeup: comm=b pid=18 prio=120 target_cpu=000");
    };
    // The k-th of n event lines printing T is at T + k * 1000 / n ns (microseconds: the
    // kernel's merge of the CPU buffers by the full time put them in this order); a comment and
    // a lost-events line inside the run do not count, and a lone line keeps its time.
    const Workload w = import(kHeader + wakeup(0, 10) + wakeup(1, 10) + "# a comment\n" +
                              "CPU:1 [LOST 2 EVENTS]\n" + wakeup(0, 10) + wakeup(1, 11) +
                              wakeup(0, 12) + wakeup(1, 12));
    REQUIRE(w.life.size() == 6);
    CHECK(w.life[0].time == 0);
    CHECK(w.life[1].time == 333);
    CHECK(w.life[2].time == 666);
    CHECK(w.life[3].time == 1'000);
    CHECK(w.life[4].time == 2'000);
    CHECK(w.life[5].time == 2'500);

    // Nanosecond timestamps (trace-cmd report -t) need nothing: lines printing one keep it.
    const auto ns = [&](int cpu, long long us, const char* nanos) {
        std::string line = wakeup(cpu, us);
        return line.insert(line.find(": "), nanos);
    };
    const Workload n =
        import(kHeader + ns(0, 10, "250") + ns(1, 10, "250") + ns(0, 10, "250") + ns(1, 10, "251"));
    REQUIRE(n.life.size() == 4);
    CHECK(n.life[0].time == 0);
    CHECK(n.life[1].time == 0);
    CHECK(n.life[2].time == 0);
    CHECK(n.life[3].time == 1);
}
