// switch_mm_irqs_off (arch/x86/mm/tlb.c, v5.10.13; docs/kernel-notes.md §3.1, §1.2) branch by
// branch, and choose_new_asid (§3.2). Every asserted number is traced back to the kernel step
// that emitted the record (run the scenario with `tlbsim run FILE -v` to see them).
//
// Most scenarios stop at `max_cycles` while every thread is still in a long `user` step, so the
// exit path (exit_mm, exit_mmap's unlazy) does not blur the switch being tested.

#include "kernel/support.h"

#include <string>

namespace {

using test::Counters;

// Two threads of one process ping-pong on one CPU with sched_yield.
const char* const same_mm_yield = R"(
[machine]
cpus = 1
max_cycles = 50000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "yield", "user 100", "yield", "user 100000"]

[[thread]]
name = "b"
process = "p"
cpu = 0
program = ["user 100", "yield", "user 100", "yield", "user 100000"]
)";

// The same ping-pong between two processes.
const char* const other_mm_yield = R"(
[machine]
cpus = 1
max_cycles = 50000

[[process]]
name = "p"

[[process]]
name = "q"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "yield", "user 100", "yield", "user 100000"]

[[thread]]
name = "b"
process = "q"
cpu = 0
program = ["user 100", "yield", "user 100", "yield", "user 100000"]
)";

} // namespace

SCENARIO("switch_mm_irqs_off between threads of one mm (P1)", "[switch_mm][P1]") {
    GIVEN("two threads of one process yielding to each other on one CPU") {
        const auto r = test::run(same_mm_yield);
        const Counters c{r};
        THEN("only the first switch from idle writes CR3; the four same-mm switches return early") {
            // The run stops at max_cycles, inside a's last `user 100000`.
            CHECK(r.reached_max_cycles);
            CHECK(r.cycles == 50000);
            // idle->a, a->b, b->a, a->b, b->a.
            CHECK(c("ctxsw.total") == 5);
            // idle->a: init_mm -> p takes the different-mm branch: choose_new_asid gives p the
            // fresh slot 1 (PCID 2), so a flushing CR3 write. The four a<->b switches find
            // real_prev == next and !was_lazy: "return" before any barrier or CR3 write.
            CHECK(c("ser.cr3") == 1);
            CHECK(c("cr3.write.flush") == 1);
            CHECK(c("cr3.write.noflush") == 0);
            // No switch took the lazy same-mm path, so no smp_mb anywhere.
            CHECK(c("fb.smp_mb") == 0);
            // a's and b's first returns (ret_from_fork) are IRETs; the yields return by SYSRET.
            CHECK(c("ser.iret") == 2);
            CHECK(c("ser.total") == 3);
            // LOCK-prefixed RMWs:
            //  boot: do_idle's __current_set_polling (LOCK bts); NEED_RESCHED is already set
            //   (a was placed on the CPU at t=0), so the idle loop body never runs (no
            //   rcu_idle_enter/exit) and __current_clr_polling (LOCK btr) follows at once  = 2
            //  idle->a: __schedule rq_lock, clear_tsk_need_resched; switch_mm cpumask_set_cpu(p)
            //   (no clear: real_prev is init_mm); schedule_tail: finish_task_switch's
            //   mmdrop(init_mm) (kernel->user drops idle's borrowed active_mm), then
            //   calculate_sigpending's siglock, set_tsk_thread_flag, clear_thread_flag       = 7
            //  4 yields: do_sched_yield's rq_lock, __schedule's rq_lock, clear_tsk_need_resched
            //   = 3 each                                                                      = 12
            //  b's first run: schedule_tail's siglock, set_tsk_thread_flag, clear_thread_flag = 3
            // The boot's 2 + 7 = 9 is the "boot switch" of the other tests.
            CHECK(c("fb.atomic") == 2 + 7 + 12 + 3);
            CHECK(c("fb.total") == 24 + 3);
            // The only mm_count change: mmdrop(init_mm) at the first switch.
            CHECK(c("mm.grab") == 0);
            CHECK(c("mm.drop") == 1);
        }
    }
}

SCENARIO("switch_mm_irqs_off between two mms (P2)", "[switch_mm][P2]") {
    GIVEN("a thread of p and a thread of q yielding to each other on one CPU") {
        const auto r = test::run(other_mm_yield);
        const Counters c{r};
        THEN("every switch moves the cpumask bit and writes CR3 once") {
            CHECK(c("ctxsw.total") == 5);
            // One CR3 per switch: idle->a (p, fresh slot 1: flush), a->b (q, fresh slot 2:
            // flush), b->a (p still in slot 1 at its tlb_gen: NOFLUSH), a->b and b->a (NOFLUSH).
            CHECK(c("ser.cr3") == 5);
            CHECK(c("cr3.write.flush") == 2);
            CHECK(c("cr3.write.noflush") == 3);
            // No smp_mb: the different-mm branch has none (the cpumask RMWs order it).
            CHECK(c("fb.smp_mb") == 0);
            // The P1 total (24) plus the cpumask atomics of the four p<->q switches: a
            // cpumask_clear_cpu on the old mm and a cpumask_set_cpu on the new one each.
            CHECK(c("fb.atomic") == 24 + 4 * 2);
            CHECK(c("ser.total") == 5 + 2);
            CHECK(c("fb.total") == 32 + 7);
        }
    }
}

SCENARIO("kernel->user onto the lazily loaded mm, generation equal (d1)", "[switch_mm][d1]") {
    GIVEN("a thread that sleeps, leaving its CPU idle and lazy on its mm, and comes back") {
        const auto r = test::run(R"(
[machine]
cpus = 1
max_cycles = 50000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "sleep 1000", "user 100000"]
)");
        const Counters c{r};
        THEN("the return to a executes smp_mb and writes no CR3") {
            // idle->a, a->idle (sleep), idle->a (wakeup).
            CHECK(c("ctxsw.total") == 3);
            // The only CR3 write is idle->a at boot (slot 1, flush). a->idle is user->kernel:
            // enter_lazy_tlb only. idle->a finds real_prev == p, was_lazy: smp_mb, then
            // ctxs[1].tlb_gen == p->tlb_gen (0): return without CR3.
            CHECK(c("ser.cr3") == 1);
            CHECK(c("fb.smp_mb") == 1);
            // ret_from_fork's IRET, and the hrtimer interrupt that woke a in the idle loop
            // returning to kernel mode by IRET. a's own return after the sleep is a SYSRET.
            CHECK(c("ser.iret") == 2);
            // p is not SYNC_CORE-registered: finish_task_switch does not sync.
            CHECK(c("ser.sync_core") == 0);
            // a->idle: context_switch's mmgrab(p) for the lazy reference; the return drops it
            // in finish_task_switch (rq->prev_mm), as the boot switch dropped init_mm.
            CHECK(c("mm.grab") == 1);
            CHECK(c("mm.drop") == 2);
            //  boot 9 (see P1: set_polling, clr_polling, idle->a 7); sleep: hrtimer_start's
            //  base lock, rq_lock, clear_tsk_need_resched, mmgrab = 4; the idle period (idle
            //  = "poll"): do_idle's __current_set_polling, cpu_idle_poll's rcu_idle_enter and
            //  rcu_idle_exit (atomic_add_return on rdp->dynticks), __current_clr_polling = 4;
            //  hrtimer wakeup, taken in the idle EQS: rcu_irq_enter's and rcu_irq_exit's
            //  dynticks adds = 2, hrtimer_interrupt's two cpu_base->lock, try_to_wake_up's
            //  pi_lock and rq_lock, resched_curr's local set_tsk_need_resched = 5; idle->a:
            //  rq_lock, clear_tsk_need_resched, mmdrop = 3.
            CHECK(c("fb.atomic") == 9 + 4 + 4 + (2 + 5) + 3);
            // The sleep is 1000 cycles from the block; the run then reaches max_cycles.
            CHECK(r.cycles == 50000);
        }
    }
}

SCENARIO("kernel->user onto the lazily loaded mm after a flush skipped the CPU (d2)",
         "[switch_mm][d2]") {
    GIVEN("a flush without freed_tables while the CPU is lazy on the mm") {
        const auto r = test::run(R"(
[machine]
cpus = 2
max_cycles = 40000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "sleep 20000", "user 100000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 5000", "flush_tlb pages=2", "user 100000"]
)");
        const Counters c{r};
        THEN("the flush sends no IPI and the return to a is smp_mb plus a flushing CR3") {
            // b's flush: mm_cpumask(p) = {0, 1}, cpu0 is lazy, so on_each_cpu_cond_mask's
            // tlb_is_not_lazy skips it: no IPI at all.
            CHECK(c("ipi.sent") == 0);
            // Locally b does a partial flush: 2 pages <= 33 and the generation advanced by
            // exactly one, so two INVLPGs.
            CHECK(c("cpu1.ser.invlpg") == 2);
            CHECK(c("cpu1.tlb.flush.local") == 1);
            // cpu1: only its boot switch idle->b (flush).
            CHECK(c("cpu1.ser.cr3") == 1);
            // cpu0: boot switch idle->a (flush), and at the wakeup idle->a finds
            // ctxs[1].tlb_gen = 0 < p->tlb_gen = 1: smp_mb, then need_flush on the same ASID:
            // a second flushing CR3.
            CHECK(c("cpu0.ser.cr3") == 2);
            CHECK(c("cpu0.cr3.write.flush") == 2);
            CHECK(c("cpu0.cr3.write.noflush") == 0);
            CHECK(c("cpu0.fb.smp_mb") == 1);
            CHECK(c("fb.smp_mb") == 1);
            // cpu0: ret_from_fork and the wakeup timer's IRET to the idle loop; cpu1:
            // ret_from_fork (b's flush returns by SYSRET).
            CHECK(c("cpu0.ser.iret") == 2);
            CHECK(c("cpu1.ser.iret") == 1);
            CHECK(c("ser.total") == (2 + 2) + (1 + 2 + 1)); // cpu0 CR3+IRET, cpu1 CR3+INVLPG+IRET
        }
    }
}

SCENARIO("kernel->user after an unlazy (d3)", "[switch_mm][d3]") {
    GIVEN("a freed_tables flush that unlazies the idle CPU, then a wakeup of its thread") {
        const auto r = test::run(R"(
[machine]
cpus = 2
max_cycles = 40000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "wait go", "user 100000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 3000", "flush_tlb pages=1 freed_tables", "signal go", "user 100000"]
)");
        const Counters c{r};
        THEN("the CPU reloads the mm through the different-mm branch") {
            // The freed_tables flush targets the one other CPU in the mask, cpu0, by the
            // single-target path: cpu0's idle task polls, so set_nr_if_polling and no IPI; the
            // flush runs from do_idle and unlazies cpu0 (cpumask_clear_cpu, CR3 to init_mm:
            // slot 0 still holds init_mm at its generation, NOFLUSH).
            CHECK(c("ipi.sent") == 0);
            CHECK(c("cpu0.tlb.unlazy") == 1);
            // cpu0's CR3 writes: boot idle->a (flush), the unlazy (noflush), and idle->a after
            // the wakeup: loaded_mm is init_mm != p, so the different-mm branch: no cpumask
            // clear (init_mm), cpumask_set_cpu(p), choose_new_asid finds p in slot 1 but at
            // tlb_gen 0 < 1: flush.
            CHECK(c("cpu0.ser.cr3") == 3);
            CHECK(c("cpu0.cr3.write.flush") == 2);
            CHECK(c("cpu0.cr3.write.noflush") == 1);
            // Not the lazy same-mm path: no smp_mb.
            CHECK(c("fb.smp_mb") == 0);
            // cpu0 atomics: boot switch 9 (see P1); a's wait: rq_lock, clear_tsk_need_resched,
            // mmgrab; an idle period ended by the flush's set_nr_if_polling: set_polling,
            // rcu_idle_enter, rcu_idle_exit, clr_polling; the polled flush's llist_del_all and
            // the unlazy's cpumask_clear_cpu; schedule_idle after it: rq_lock,
            // clear_tsk_need_resched (no switch); a second idle period, ended by the wakeup's
            // set_nr_and_not_polling, again 4; idle->a: rq_lock, clear_tsk_need_resched,
            // cpumask_set_cpu, mmdrop(p).
            CHECK(c("cpu0.fb.atomic") == 9 + 3 + 4 + 2 + 2 + 4 + 4);
            // cpu1's wakeup of a: pi_lock, rq_lock, set_nr_and_not_polling (no IPI); its flush:
            // inc_mm_tlb_gen, llist_add, set_nr_if_polling; boot switch 9.
            CHECK(c("cpu1.fb.atomic") == 9 + 3 + 3);
            CHECK(c("cpu1.ser.invlpg") == 1);
        }
    }
}

SCENARIO("kernel->user onto the mm EFI left loaded, not lazy (d1')", "[switch_mm][efi]") {
    GIVEN("a kthread that borrowed p lazily and made an EFI call") {
        const auto r = test::run(R"(
[machine]
cpus = 1
max_cycles = 60000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "wait go", "user 100000"]

[[kthread]]
name = "k"
cpu = 0
program = ["efi_call", "signal go", "work 100"]
)");
        const Counters c{r};
        THEN("switching back to a runs neither smp_mb nor a CR3 write in switch_mm") {
            // idle->a, a->k (a waits), k->a (k exits).
            CHECK(c("ctxsw.total") == 3);
            // CR3: boot idle->a (flush); efi_switch_mm(efi_mm): fresh slot 2, flush;
            // efi_switch_mm(p): slot 1 current, NOFLUSH. k->a: real_prev == p and is_lazy was
            // cleared by the EFI switch, so switch_mm returns at !was_lazy.
            CHECK(c("ser.cr3") == 3);
            CHECK(c("cr3.write.flush") == 2);
            CHECK(c("cr3.write.noflush") == 1);
            CHECK(c("fb.smp_mb") == 0);
            // a->k grabbed p for k's borrowed active_mm; k->a (kernel->user) drops it.
            CHECK(c("mm.grab") == 1);
            CHECK(c("mm.drop") == 2);
            // Only a's ret_from_fork: k never returns to user and its signal's wakeup of a is
            // local (no interrupt).
            CHECK(c("ser.iret") == 1);
        }
    }
}

TEST_CASE("choose_new_asid with PCID: six dynamic ASIDs, round robin", "[switch_mm][asid]") {
    // N processes, one thread each, on one CPU; every thread yields twice, so the CPU cycles
    // through all of them twice and then once more into p0 (2N + 1 switches into a user mm).
    auto scenario = [](int n) {
        std::string s = "[machine]\ncpus = 1\nmax_cycles = 200000\n";
        for (int i = 0; i < n; ++i) {
            s += "[[process]]\nname = \"p" + std::to_string(i) + "\"\n";
        }
        for (int i = 0; i < n; ++i) {
            s += "[[thread]]\nname = \"t" + std::to_string(i) + "\"\nprocess = \"p" +
                 std::to_string(i) +
                 "\"\ncpu = 0\nprogram = [\"user 100\", \"yield\", \"user 100\", \"yield\", "
                 "\"user 1000000\"]\n";
        }
        return s;
    };
    SECTION("seven processes: every switch lands in an evicted slot and flushes") {
        const auto r = test::run(scenario(7));
        const Counters c{r};
        // 15 switches: idle->t0, then t0->t1 ... t6->t0 twice around.
        CHECK(c("ctxsw.total") == 15);
        // Slots are taken round robin 1,2,3,4,5,0,1,2,... (next_asid wraps to 0 and resets to
        // 1). p0..p4 take slots 1..5, p5 takes slot 0 (evicting init_mm), p6 takes slot 1
        // (evicting p0). From then on each next mm was evicted exactly one switch earlier:
        // ctx_id not found, a new slot, need_flush. 15 flushing CR3 writes, no NOFLUSH.
        CHECK(c("ser.cr3") == 15);
        CHECK(c("cr3.write.flush") == 15);
        CHECK(c("cr3.write.noflush") == 0);
    }
    SECTION("six processes: the second round finds every mm resident") {
        const auto r = test::run(scenario(6));
        const Counters c{r};
        CHECK(c("ctxsw.total") == 13);
        // Round one: p0..p4 in slots 1..5 and p5 in slot 0 (init_mm evicted), 6 flushes.
        // Rounds two and three (7 switches): ctx_id found, ctxs[].tlb_gen == tlb_gen (no flush
        // happened): NOFLUSH.
        CHECK(c("ser.cr3") == 13);
        CHECK(c("cr3.write.flush") == 6);
        CHECK(c("cr3.write.noflush") == 7);
    }
    SECTION("five processes without PCID: every CR3 write flushes") {
        std::string s = scenario(5);
        s.replace(s.find("cpus = 1"), 8, "cpus = 1\npcid = false");
        const auto r = test::run(s);
        const Counters c{r};
        CHECK(c("ctxsw.total") == 11);
        // choose_new_asid without PCID: (ASID 0, need_flush) for every switch, and a CR3
        // write without PCID always flushes.
        CHECK(c("ser.cr3") == 11);
        CHECK(c("cr3.write.flush") == 11);
        CHECK(c("cr3.write.noflush") == 0);
    }
    SECTION("five processes with PCID, for comparison: 5 flushes then 6 NOFLUSH") {
        const auto r = test::run(scenario(5));
        const Counters c{r};
        CHECK(c("ctxsw.total") == 11);
        CHECK(c("cr3.write.flush") == 5);
        CHECK(c("cr3.write.noflush") == 6);
    }
}

TEST_CASE("[[process]] asid_slots: an mm holds a slot from before time 0, and round robin "
          "reuses slot 1 first",
          "[switch_mm][asid]") {
    // q's thread runs first, then p's. choose_new_asid() gives q a new slot: next_asid is 1 after
    // boot (initialize_tlbstate_and_flush), so q takes slot 1 whatever it holds. Each exit's
    // exit_mmap() flush switches the CPU to init_mm (flush_tlb_func, 6.18 and v5.10 alike), which
    // holds slot 0 from boot: 2 NOFLUSH writes in every case.
    const auto scenario = [](int p_slot) {
        return "[machine]\ncpus = 1\nmax_cycles = 200000\n[[process]]\nname = \"p\"\n"
               "asid_slots = [" +
               std::to_string(p_slot) +
               "]\n[[process]]\nname = \"q\"\n"
               "[[thread]]\nname = \"tq\"\nprocess = \"q\"\ncpu = 0\nprogram = [\"user 100\", "
               "\"exit\"]\n"
               "[[thread]]\nname = \"tp\"\nprocess = \"p\"\ncpu = 0\nprogram = [\"user 100\", "
               "\"exit\"]\n";
    };
    SECTION("p in slot 2: q takes slot 1, p finds slot 2 current: NOFLUSH") {
        const Counters c{test::run(scenario(2))};
        CHECK(c("cr3.write.flush") == 1);   // q
        CHECK(c("cr3.write.noflush") == 3); // p, and init_mm twice
    }
    SECTION("p in slot 1: q's new slot evicts it, and p flushes in a new slot") {
        const Counters c{test::run(scenario(1))};
        CHECK(c("cr3.write.flush") == 2); // q in slot 1, p in slot 2
        CHECK(c("cr3.write.noflush") == 2);
    }
    SECTION("no slot: p flushes too") {
        const Counters c{test::run(scenario(0))};
        CHECK(c("cr3.write.flush") == 2); // q in slot 1, p in slot 2
        CHECK(c("cr3.write.noflush") == 2);
    }
}

TEST_CASE("[machine] next_asid: round robin resumes where it was before time 0, and at 6 wraps "
          "to slot 0, init_mm's from boot",
          "[switch_mm][asid]") {
    // p holds slot 1; q's thread runs first and takes the slot next_asid names, then p's.
    // Each exit's exit_mmap() flush switches the CPU to init_mm (as in the test above).
    const auto scenario = [](int next_asid) {
        return "[machine]\ncpus = 1\nmax_cycles = 200000\nnext_asid = [" +
               std::to_string(next_asid) +
               "]\n[[process]]\nname = \"p\"\nasid_slots = [1]\n[[process]]\nname = \"q\"\n"
               "[[thread]]\nname = \"tq\"\nprocess = \"q\"\ncpu = 0\nprogram = [\"user 100\", "
               "\"exit\"]\n"
               "[[thread]]\nname = \"tp\"\nprocess = \"p\"\ncpu = 0\nprogram = [\"user 100\", "
               "\"exit\"]\n";
    };
    SECTION("next_asid 1 (boot's): q evicts p from slot 1, p flushes in slot 2") {
        const Counters c{test::run(scenario(1))};
        CHECK(c("cr3.write.flush") == 2);
        CHECK(c("cr3.write.noflush") == 2); // init_mm twice
    }
    SECTION("next_asid 2: q takes slot 2, p finds slot 1 current: NOFLUSH") {
        const Counters c{test::run(scenario(2))};
        CHECK(c("cr3.write.flush") == 1);
        CHECK(c("cr3.write.noflush") == 3);
    }
    SECTION("next_asid 6: q takes slot 0, evicting init_mm, which evicts p from slot 1") {
        const Counters c{test::run(scenario(6))};
        // q: slot 0 (next_asid wraps to 1), flush. q's exit: init_mm no longer holds a slot,
        // takes slot 1 (p's), flush. p: slot 2, flush. p's exit: init_mm in slot 1, NOFLUSH.
        CHECK(c("cr3.write.flush") == 3);
        CHECK(c("cr3.write.noflush") == 1);
    }
}
