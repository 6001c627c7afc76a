// flush_tlb_mm_range and the shootdown (arch/x86/mm/tlb.c and kernel/smp.c, v5.10.13;
// docs/kernel-notes.md §3.4-§3.6, §4.1-§4.3): local partial and full flushes, remote targets,
// lazy CPUs skipped or unlazied, and the single-target fast path that sends no IPI to a polling
// idle CPU.

#include "kernel/support.h"

#include <string>

namespace {

using test::Counters;

} // namespace

SCENARIO("local flushes: INVLPG per page up to the 33-page ceiling, else one CR3", "[flush]") {
    GIVEN("one thread flushing its own mm with several ranges on a one-CPU machine") {
        const auto r = test::run(R"(
[machine]
cpus = 1
max_cycles = 100000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "flush_tlb pages=3", "flush_tlb pages=33", "flush_tlb pages=34",
           "flush_tlb", "flush_tlb pages=1 freed_tables", "user 1000000"]
)");
        const Counters c{r};
        THEN("partial flushes are INVLPGs, full ones a single flushing CR3 write") {
            // Each flush bumps tlb_gen by one (inc_mm_tlb_gen) and finds ctxs[1].tlb_gen one
            // behind, so flush_tlb_func_common may flush partially when the range is not ALL:
            //   pages=3  -> 3 INVLPG;  pages=33 -> 33 INVLPG (33 is not > the ceiling);
            //   pages=34 -> over the ceiling: end = TLB_FLUSH_ALL, one CR3 rewrite (flush);
            //   pages=0  -> TLB_FLUSH_ALL: one CR3 (flush);
            //   pages=1 freed_tables -> 1 INVLPG (freed_tables only matters for remote CPUs,
            //   and there are none).
            CHECK(c("ser.invlpg") == 3 + 33 + 1);
            // The boot switch idle->a (fresh ASID: flush) and the two full flushes.
            CHECK(c("ser.cr3") == 3);
            CHECK(c("cr3.write.flush") == 3);
            CHECK(c("cr3.write.noflush") == 0);
            CHECK(c("tlb.flush.local") == 5);
            CHECK(c("tlb.flush.remote") == 0);
            CHECK(c("ipi.sent") == 0);
            // a's ret_from_fork; each flush_tlb returns by SYSRET.
            CHECK(c("ser.iret") == 1);
            // The boot switch's 9 (do_idle's set_polling and clr_polling, NEED_RESCHED being
            // set at t=0; rq_lock, clear_tsk_need_resched, cpumask_set_cpu, mmdrop(init_mm),
            // siglock, set_tsk_thread_flag, clear_thread_flag) and one inc_mm_tlb_gen
            // (atomic64_inc_return) per flush. flush_tlb_mm_range has no smp_mb.
            CHECK(c("fb.atomic") == 9 + 5);
            CHECK(c("fb.smp_mb") == 0);
            CHECK(c("ser.total") == 37 + 3 + 1);
        }
    }
}

SCENARIO("remote flushes skip lazy CPUs unless page tables were freed", "[flush][lazy]") {
    GIVEN("cpu0 flushing p while cpu1 idles lazily on p and cpu2 runs p in user mode") {
        const auto r = test::run(R"(
[machine]
cpus = 3
max_cycles = 60000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "flush_tlb pages=1", "user 5000", "flush_tlb pages=1 freed_tables",
           "user 1000000", "signal done"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 100", "wait done"]

[[thread]]
name = "c"
process = "p"
cpu = 2
program = ["user 1000000"]
)");
        const Counters c{r};
        THEN("the first flush IPIs only cpu2, the freed_tables flush both, unlazying cpu1") {
            // Flush 1 (freed_tables = false): on_each_cpu_cond_mask over mm_cpumask = {0,1,2}
            // with tlb_is_not_lazy: cpu1 is lazy and skipped, cpu2 gets a real IPI (two
            // candidates, so not the single-target path). Flush 2 (freed_tables):
            // smp_call_function_many to {1,2}: two IPIs, cpu1 included although lazy.
            CHECK(c("ipi.tlb") == 1 + 2);
            CHECK(c("cpu0.ipi.sent") == 3);
            CHECK(c("cpu1.ipi.received") == 1);
            CHECK(c("cpu2.ipi.received") == 2);
            // cpu0: one INVLPG per flush locally.
            CHECK(c("cpu0.ser.invlpg") == 2);
            CHECK(c("cpu0.tlb.flush.local") == 2);
            // cpu2 runs p: both handlers do a partial flush (1 page, generation one behind):
            // one INVLPG each, then IRET back to user mode.
            CHECK(c("cpu2.tlb.flush.remote") == 2);
            CHECK(c("cpu2.ser.invlpg") == 2);
            CHECK(c("cpu2.ser.iret") == 1 + 2); // ret_from_fork + two IPI returns
            // cpu1's handler finds is_lazy: switch_mm_irqs_off(NULL, &init_mm): cpumask_clear_cpu
            // and a CR3 write to init_mm (slot 0, current: NOFLUSH); counted as tlb.unlazy, not
            // as a flush. Then IRET to the idle loop (kernel mode).
            CHECK(c("cpu1.tlb.unlazy") == 1);
            CHECK(c("cpu1.tlb.flush.remote") == 0);
            CHECK(c("cpu1.ser.cr3") == 2); // boot idle->b (flush) + unlazy (noflush)
            CHECK(c("cpu1.cr3.write.noflush") == 1);
            CHECK(c("cpu1.ser.iret") == 1 + 1); // ret_from_fork + IRET to kernel
            // cpu0 atomics: boot 9 (set_polling, clr_polling, the switch's 7); two
            // inc_mm_tlb_gen; one llist_add for flush 1 (cpu2 only), two for flush 2. No
            // set_nr_if_polling: multi-target calls send real IPIs.
            CHECK(c("cpu0.fb.atomic") == 9 + 2 + 1 + 2);
            // cpu1 atomics: boot 9; b's wait (rq_lock, clear_tsk_need_resched, mmgrab(p));
            // the idle period, still open at max_cycles: do_idle's set_polling and
            // cpu_idle_poll's rcu_idle_enter (rdp->dynticks); the IPI, taken in that EQS:
            // rcu_irq_enter and rcu_irq_exit (2), the handler's llist_del_all (an xchg) and
            // the unlazy's cpumask_clear_cpu (2).
            CHECK(c("cpu1.fb.atomic") == 9 + 3 + 2 + (2 + 2));
            CHECK(c("ipi.received") == c("ipi.sent"));
        }
    }
}

SCENARIO("a single-target flush to a polling idle CPU sends no IPI", "[flush][idle]") {
    const std::string scenario = R"(
[machine]
cpus = 2
max_cycles = 40000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "flush_tlb pages=1 freed_tables", "user 1000000", "signal done"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 100", "wait done"]
)";
    GIVEN("idle = \"poll\" (the default)") {
        const auto r = test::run(scenario);
        const Counters c{r};
        THEN("set_nr_if_polling replaces the IPI and the flush runs from the idle loop") {
            // One other CPU in the mask: smp_call_function_many's fast path, i.e.
            // smp_call_function_single: llist_add, then set_nr_if_polling on cpu1's idle task.
            CHECK(c("ipi.sent") == 0);
            CHECK(c("ipi.received") == 0);
            // cpu1 runs flush_tlb_func_remote from do_idle (flush_smp_call_function_from_idle):
            // unlazy (cpumask_clear_cpu, CR3 to init_mm), and no IRET: its only IRET is b's
            // ret_from_fork.
            CHECK(c("cpu1.tlb.unlazy") == 1);
            CHECK(c("cpu1.ser.cr3") == 2);
            CHECK(c("cpu1.ser.iret") == 1);
            // The idle loop then calls schedule_idle(): __schedule with no switch, rq_lock and
            // clear_tsk_need_resched. cpu1: boot 9 + wait 3 + the idle period that the
            // set_nr_if_polling ends (set_polling, rcu_idle_enter, rcu_idle_exit, clr_polling;
            // no interrupt, so no rcu_irq_enter/exit) 4 + the flush's llist_del_all and
            // cpumask_clear_cpu 2 + schedule_idle 2 + the next idle period, open at max_cycles
            // (set_polling, rcu_idle_enter) 2.
            CHECK(c("cpu1.fb.atomic") == 9 + 3 + 4 + 2 + 2 + 2);
            // cpu0: boot 9 + inc_mm_tlb_gen + llist_add + set_nr_if_polling.
            CHECK(c("cpu0.fb.atomic") == 9 + 3);
            CHECK(c("cpu0.ser.invlpg") == 1);
        }
    }
    GIVEN("idle = \"halt\"") {
        std::string halt = scenario;
        halt.replace(halt.find("cpus = 2"), 8, "cpus = 2\nidle = \"halt\"");
        const auto r = test::run(halt);
        const Counters c{r};
        THEN("a real CALL_FUNCTION IPI, its handler, and an IRET back to the idle loop") {
            CHECK(c("ipi.sent") == 1);
            CHECK(c("ipi.tlb") == 1);
            CHECK(c("cpu1.ipi.received") == 1);
            CHECK(c("cpu1.tlb.unlazy") == 1);
            CHECK(c("cpu1.ser.cr3") == 2);
            // ret_from_fork + the IPI's return to kernel mode.
            CHECK(c("cpu1.ser.iret") == 2);
            // No schedule_idle pass: the handler set no need_resched. cpu1: boot 9 + wait 3;
            // do_idle's set_polling 1; the first loop pass: default_idle_call's
            // current_clr_polling_and_test, rcu_idle_enter, HLT, rcu_idle_exit, then
            // cpuidle_idle_call's exit_idle set_polling 4; the IPI, taken in the EQS during
            // HLT: rcu_irq_enter/exit 2 + the handler's llist_del_all and cpumask_clear_cpu 2;
            // the second pass, still in HLT at max_cycles: clr_polling, rcu_idle_enter 2.
            CHECK(c("cpu1.fb.atomic") == 9 + 3 + 1 + 4 + (2 + 2) + 2);
            // cpu0: boot 9 + inc_mm_tlb_gen + llist_add (the IPI replaces set_nr_if_polling).
            CHECK(c("cpu0.fb.atomic") == 9 + 2);
        }
    }
}

SCENARIO("a kernel thread's flush of a process it does not run", "[flush][inject]") {
    GIVEN("an injected flush_tlb on an idle CPU while two CPUs run the process") {
        const auto r = test::run(R"(
[machine]
cpus = 3
max_cycles = 40000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]

[[inject]]
at = 10000
cpu = 2
event = "flush_tlb"
process = "p"
pages = 2
)");
        const Counters c{r};
        THEN("no local flush, an IPI to each CPU running p, two INVLPGs there") {
            // The kthread is created by a timer interrupt on cpu2 (wake_up_new_task: pi_lock,
            // rq_lock, set_tsk_need_resched; IRET to the idle loop), runs on init_mm, so
            // mm != loaded_mm: no local flush; mm_cpumask(p) = {0,1}: two real IPIs.
            CHECK(c("cpu2.tlb.flush.local") == 0);
            CHECK(c("cpu2.ipi.tlb") == 2);
            CHECK(c("cpu2.ser.iret") == 1);
            CHECK(c("cpu2.ser.cr3") == 0);
            CHECK(c("cpu0.tlb.flush.remote") == 1);
            CHECK(c("cpu1.tlb.flush.remote") == 1);
            CHECK(c("cpu0.ser.invlpg") == 2);
            CHECK(c("cpu1.ser.invlpg") == 2);
            // ret_from_fork + the IPI's IRET back to user mode.
            CHECK(c("cpu0.ser.iret") == 2);
            CHECK(c("cpu1.ser.iret") == 2);
            // cpu2: idle from t=0 with no task: an idle period (set_polling, rcu_idle_enter,
            // rcu_idle_exit, clr_polling) 4, and in it the timer interrupt's rcu_irq_enter/exit
            // 2 and wake_up_new_task 3; idle->kflush: rq_lock, clear_tsk_need_resched (kernel
            // to kernel, no mm atomics); schedule_tail 3; inc_mm_tlb_gen and two llist_add;
            // exit: do_task_dead's pi_lock, rq_lock, clear_tsk_need_resched; finish_task_switch
            // of the dead task: put_task_stack, put_task_struct; the idle period after it, open
            // at max_cycles: set_polling, rcu_idle_enter 2.
            CHECK(c("cpu2.fb.atomic") == 4 + (2 + 3) + 2 + 3 + 3 + 3 + 2 + 2);
            // kflush->idle is kernel->kernel: no mm_count change on cpu2.
            CHECK(c("cpu2.mm.grab") == 0);
            CHECK(c("cpu2.mm.drop") == 0);
            CHECK(c("ctxsw.total") == 1 + 1 + 2);
        }
    }
}

SCENARIO("PTI: a partial flush reaches the user PCID by INVPCID when the CPU has it",
         "[flush][pti]") {
    const std::string scenario = R"(
[machine]
cpus = 1
pti = true
max_cycles = 100000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "flush_tlb pages=2", "user 1000000"]
)";
    GIVEN("invpcid = true (the default)") {
        const auto r = test::run(scenario);
        const Counters c{r};
        THEN("INVLPG and invpcid_flush_one per page; the return to user does not flush") {
            // CR3 writes: boot idle->a (flush); ret_from_fork's SWITCH_TO_USER_CR3 (flush: the
            // fresh ASID's user PCID was marked); the syscall's kernel CR3 (noflush); its
            // return's user CR3: noflush, nothing was marked (native_flush_tlb_one_user used
            // INVPCID for each page, not invalidate_user_asid).
            CHECK(c("ser.invlpg") == 2);
            CHECK(c("cr3.write.flush") == 2);
            CHECK(c("cr3.write.noflush") == 2);
            // [SER] cycles, the instructions alone: CR3 200 each (4; cr3_write and pti_cr3 are
            // both 200), INVLPG 300 each (2), IRET 330 (ret_from_fork). INVPCID (350 per page)
            // is not [SER].
            CHECK(c("cycles.ser") == 4 * 200 + 2 * 300 + 330);
            // Each flushing CR3 write (2) is followed by its TLB refill, 1000, charged apart.
            CHECK(c("cycles.tlb_refill") == 2 * 1000);
        }
    }
    GIVEN("invpcid = false") {
        std::string no_invpcid = scenario;
        no_invpcid.replace(no_invpcid.find("pti = true"), 10, "pti = true\ninvpcid = false");
        const auto r = test::run(no_invpcid);
        const Counters c{r};
        THEN("invalidate_user_asid: the return to user flushes the whole user PCID") {
            CHECK(c("ser.invlpg") == 2);
            CHECK(c("cr3.write.flush") == 3);
            CHECK(c("cr3.write.noflush") == 1);
            // The same [SER] instructions; one more flushing write, so one more refill.
            CHECK(c("cycles.ser") == 4 * 200 + 2 * 300 + 330);
            CHECK(c("cycles.tlb_refill") == 3 * 1000);
        }
    }
}

SCENARIO("PCID saves TLB refill, not serialization: a shootdown with and without PCID",
         "[flush][pcid]") {
    // cpu0: a (mm p) and c (mm q) yield to each other twice, then a flushes two pages of p;
    // cpu1: b (mm p) runs user code throughout, so the flush reaches it by IPI.
    const std::string scenario = R"(
[machine]
cpus = 2
max_cycles = 200000

[[process]]
name = "p"

[[process]]
name = "q"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "yield", "user 100", "yield", "flush_tlb pages=2", "user 1000000"]

[[thread]]
name = "c"
process = "q"
cpu = 0
program = ["user 100", "yield", "user 100", "yield", "user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]
)";
    std::string no_pcid = scenario;
    no_pcid.replace(no_pcid.find("cpus = 2"), 8, "cpus = 2\npcid = false");
    const auto with = test::run(scenario);
    const auto without = test::run(no_pcid);
    const Counters w{with};
    const Counters wo{without};
    THEN("the same serializing instructions either way; only the refills differ") {
        // CR3 writes: cpu0 idle->a, a->c, c->a, a->c, c->a (5), cpu1 idle->b (1). With PCID,
        // choose_new_asid gives p and q fresh slots on cpu0 (2 flushes) and finds them resident
        // afterwards (3 NOFLUSH); cpu1's fresh slot flushes. Without PCID every write flushes.
        CHECK(w("ser.cr3") == 6);
        CHECK(wo("ser.cr3") == 6);
        CHECK(w("cr3.write.flush") == 3);
        CHECK(wo("cr3.write.flush") == 6);
        // The partial flush: 2 INVLPG on cpu0 and 2 in cpu1's IPI handler either way; IRETs:
        // ret_from_fork of a, c and b, and the return from the IPI to b's user code.
        CHECK(w("ser.invlpg") == 4);
        CHECK(w("ser.iret") == 4);
        // cycles.ser is the instructions alone (CR3 200, INVLPG 300, IRET 330), so it is the
        // same with and without PCID ...
        CHECK(w("cycles.ser") == 6 * 200 + 4 * 300 + 4 * 330);
        CHECK(wo("cycles.ser") == w("cycles.ser"));
        CHECK(wo("cycles.fb") == w("cycles.fb"));
        // ... and the whole difference is the refill after each flushing write (1000 each).
        CHECK(w("cycles.tlb_refill") == 3 * 1000);
        CHECK(wo("cycles.tlb_refill") == 6 * 1000);
    }
}
