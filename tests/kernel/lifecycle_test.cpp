// Address-space lifetime and borrowing (v5.10.13; docs/kernel-notes.md §5 exit_mm, §3.8
// exit_mmap, §6 kthread_use_mm/kthread_unuse_mm, §8 text_poke, §9 EFI).

#include "kernel/support.h"

#include "kernel/kernel_state.h"
#include "kernel/record.h"
#include "kernel/trace.h"

#include <map>
#include <string>
#include <vector>

namespace {

using test::Counters;

// cpu0 runs a thread of p for the whole run (so p stays live); cpu1 runs kernel thread k.
std::string kthread_scenario(const std::string& k_program, const std::string& a_program) {
    return R"(
[machine]
cpus = 2
max_cycles = 60000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = [)" +
           a_program + R"(]

[[kthread]]
name = "k"
cpu = 1
program = [)" +
           k_program + "]\n";
}

// What k's first run costs on cpu1 before its first step: the idle task's do_idle at t=0,
// with NEED_RESCHED already set by k's placement, only sets and clears TIF_POLLING_NRFLAG
// (__current_set_polling, __current_clr_polling: no idle period, no rcu_idle_enter/exit);
// idle->k is kernel->kernel (no mm atomics: the lazy init_mm reference moves from idle to k):
// __schedule's rq_lock and clear_tsk_need_resched; schedule_tail's calculate_sigpending:
// siglock, set_tsk_thread_flag, clear_thread_flag.
constexpr std::int64_t kthread_start_atomics = 2 + 2 + 3;

} // namespace

SCENARIO("process exit: exit_mm, and the last mmput's exit_mmap unlazies every CPU",
         "[lifecycle][exit]") {
    GIVEN("three threads of p on three CPUs; the one on cpu0 exits last") {
        const auto r = test::run(R"(
[machine]
cpus = 3

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 20000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000"]

[[thread]]
name = "c"
process = "p"
cpu = 2
program = ["user 2000"]
)");
        const Counters c{r};
        THEN("the exiting CPU unlazies locally and the two lazy idle CPUs by IPI") {
            CHECK_FALSE(r.reached_max_cycles);
            // b and c exit first: exit_mm leaves cpu1 and cpu2 lazy on p (enter_lazy_tlb),
            // mmput is not the last. a's mmput is: exit_mmap's flush_tlb_mm_range(freed_tables)
            // finds p loaded and lazy on cpu0: local unlazy (cpumask_clear_cpu, CR3 to
            // init_mm); mm_cpumask(p) still holds {1,2}: two real IPIs (two targets), each
            // handler unlazies, then IRET to the idle loop.
            CHECK(c("tlb.unlazy") == 3);
            CHECK(c("cpu0.tlb.unlazy") == 1);
            CHECK(c("cpu1.tlb.unlazy") == 1);
            CHECK(c("cpu2.tlb.unlazy") == 1);
            CHECK(c("ipi.tlb") == 2);
            CHECK(c("cpu0.ipi.sent") == 2);
            // The unlazy is not a flush (it is counted only as tlb.unlazy).
            CHECK(c("tlb.flush.local") == 0);
            CHECK(c("tlb.flush.remote") == 0);
            // Per CPU: the boot switch (flush) and the unlazy (init_mm's slot 0 is current:
            // NOFLUSH).
            for (int cpu = 0; cpu < 3; ++cpu) {
                const std::string p = "cpu" + std::to_string(cpu) + ".";
                CHECK(c(p + "ser.cr3") == 2);
                CHECK(c(p + "cr3.write.flush") == 1);
                CHECK(c(p + "cr3.write.noflush") == 1);
            }
            // ret_from_fork on each CPU, plus the IPI returns on cpu1 and cpu2.
            CHECK(c("cpu0.ser.iret") == 1);
            CHECK(c("cpu1.ser.iret") == 2);
            CHECK(c("cpu2.ser.iret") == 2);
            // mm_count: each exit_mm's mmgrab (3, the lazy reference the dead task hands to the
            // idle task: dead->idle is kernel->kernel, so no mmdrop there); the boot switches'
            // mmdrop(init_mm) (3) and __mmput's mmdrop(p) (1). p keeps mm_count 3, held by the
            // three idle tasks' active_mm until their next switch.
            CHECK(c("mm.grab") == 3);
            CHECK(c("mm.drop") == 3 + 1);
            // cpu0: boot 9 (do_idle's set_polling and clr_polling, then the switch's 7);
            // exit_mm: mmap_read_lock, mmgrab, task_lock, mmap_read_unlock (4); mmput (1);
            // exit_mmap: inc_mm_tlb_gen, the unlazy's cpumask_clear_cpu, two llist_add (4);
            // __mmput's mmdrop (1); do_task_dead: pi_lock, rq_lock, clear_tsk_need_resched (3);
            // the idle task's finish_task_switch of the dead a: put_task_stack,
            // put_task_struct (2). The run ends with that last switch.
            CHECK(c("cpu0.fb.atomic") == 9 + 4 + 1 + 4 + 1 + 3 + 2);
            // cpu1: boot 9; exit_mm 4; mmput 1; do_task_dead 3; put_task_* 2; the idle period
            // after the exit, open at the end of the run: do_idle's set_polling, cpu_idle_poll's
            // rcu_idle_enter (2); the IPI, taken in that EQS: rcu_irq_enter and rcu_irq_exit
            // (2), the handler's llist_del_all and cpumask_clear_cpu (2).
            CHECK(c("cpu1.fb.atomic") == 9 + 4 + 1 + 3 + 2 + 2 + (2 + 2));
            CHECK(c("cpu2.fb.atomic") == 9 + 4 + 1 + 3 + 2 + 2 + (2 + 2));
            // exit_mm has no explicit smp_mb in v5.10, nor does anything else here.
            CHECK(c("fb.smp_mb") == 0);
            CHECK(c("ctxsw.total") == 6);
        }
    }
}

SCENARIO("kthread_use_mm and kthread_unuse_mm", "[lifecycle][kthread_use_mm]") {
    GIVEN("a kernel thread that adopts p, drops it (lazy) and adopts it again") {
        const auto r = test::run(kthread_scenario(
            R"("use_mm p", "work 100", "unuse_mm", "use_mm p", "unuse_mm", "work 1000000")",
            R"("user 1000000")"));
        const Counters c{r};
        THEN("the first use switches mm; the second only executes the lazy path's smp_mb") {
            // use_mm #1: active_mm is init_mm != p: mmgrab(p); tsk->mm = p; switch_mm_irqs_off
            // different-mm branch: cpumask_set_cpu(p) (no clear: init_mm), fresh slot: CR3
            // flush; then mmdrop(init_mm).
            // unuse_mm: task_lock; tsk->mm = NULL; enter_lazy_tlb (no record counted).
            // use_mm #2: active_mm is already p: no mmgrab/mmdrop; switch_mm same-mm branch,
            // was_lazy: smp_mb, ctxs[1].tlb_gen == tlb_gen: return without CR3.
            CHECK(c("cpu1.ser.cr3") == 1);
            CHECK(c("cpu1.cr3.write.flush") == 1);
            CHECK(c("cpu1.fb.smp_mb") == 1);
            CHECK(c("cpu1.mm.grab") == 1);
            CHECK(c("cpu1.mm.drop") == 1);
            // k: start 7; use_mm #1: task_lock, mmgrab, cpumask_set_cpu, mmdrop (4); each of
            // the two unuse_mm and the second use_mm: task_lock (3). Each use_mm is io_uring's
            // __io_sq_thread_acquire_mm: task_lock(owner) and mmget_not_zero first (2 x 2);
            // each unuse_mm its io_sq_thread_drop_mm: mmput after (2 x 1).
            CHECK(c("cpu1.fb.atomic") == kthread_start_atomics + 4 + 3 + 4 + 2);
            CHECK(c("cpu1.ser.iret") == 0);
            CHECK(c("cpu1.ser.total") == 1);
            CHECK(c("cpu1.fb.total") == 1 + 1 + 20); // CR3 + smp_mb + atomics
        }
    }
    GIVEN("a kernel thread lazily on p while a flush skips it, then using p again") {
        const auto r = test::run(kthread_scenario(
            R"("use_mm p", "unuse_mm", "sleep 20000", "use_mm p", "unuse_mm", "work 1000000")",
            R"("user 5000", "flush_tlb pages=1", "user 1000000")"));
        const Counters c{r};
        THEN("the second use_mm executes smp_mb and a flushing CR3 on the same ASID") {
            // a's flush (t ~ 8000) finds cpu1 lazy on p (k sleeps; idle borrowed k's p): no IPI.
            CHECK(c("ipi.sent") == 0);
            // cpu1: use_mm #1 (flush); use_mm #2 finds ctxs[1].tlb_gen 0 < 1: smp_mb, then
            // need_flush with new_asid = prev_asid: a second flushing CR3.
            CHECK(c("cpu1.ser.cr3") == 2);
            CHECK(c("cpu1.cr3.write.flush") == 2);
            CHECK(c("cpu1.fb.smp_mb") == 1);
            // The hrtimer that ends k's sleep interrupts the idle loop: IRET to kernel.
            CHECK(c("cpu1.ser.iret") == 1);
            // k->idle and idle->k are kernel->kernel: no mm atomics. Atomics: start 7;
            // use_mm #1 4 + the owner's task_lock and mmget (2); unuse_mm 1 + mmput 1; sleep:
            // hrtimer_start's base lock, rq_lock, clear_tsk_need_resched (3); the idle period:
            // do_idle's set_polling, cpu_idle_poll's rcu_idle_enter and rcu_idle_exit,
            // clr_polling (4); wakeup, taken in the idle EQS: rcu_irq_enter and rcu_irq_exit (2),
            // the two cpu_base->lock, pi_lock, rq_lock, set_tsk_need_resched (5); idle->k:
            // rq_lock, clear_tsk_need_resched (2); use_mm #2 (task_lock + 2) and unuse_mm
            // (task_lock + mmput): 5.
            CHECK(c("cpu1.fb.atomic") == kthread_start_atomics + 6 + 2 + 3 + 4 + (2 + 5) + 2 + 5);
            CHECK(c("cpu1.ctxsw.total") == 3);
        }
    }
}

SCENARIO("a kthread_use_mm caller holds mm_users", "[lifecycle][kthread_use_mm]") {
    GIVEN("the only user thread of p exits while k uses p, and k drops it later") {
        const auto r = test::run(
            kthread_scenario(R"("use_mm p", "work 20000", "unuse_mm")", R"("user 5000", "exit")"));
        const Counters c{r};
        THEN("a's exit leaves p alive; k's mmput tears it down on cpu1") {
            // v5.10's io_uring: mmget_not_zero (mm_users 1 -> 2, t=945) before
            // kthread_use_mm. a's exit_mm -> mmput only drops it to 1 (t=8325): no exit_mmap
            // on cpu0, which stays lazily on p in its idle loop. k's io_sq_thread_drop_mm:
            // kthread_unuse_mm (lazy on p), then mmput -> 0 (t=22415): __mmput -> exit_mmap on
            // cpu1. Its freed-tables flush unlazies cpu1 itself, and reaches cpu0 by the
            // single-target path: cpu0 polls, so set_nr_if_polling and no IPI; cpu0's idle loop
            // runs the flush and unlazies (t=26225).
            CHECK(c("cpu1.tlb.unlazy") == 1);
            CHECK(c("cpu0.tlb.unlazy") == 1);
            CHECK(c("ipi.sent") == 0);
            CHECK(c("cpu0.tlb.flush.remote") + c("cpu0.tlb.flush.local") == 0);
            // cpu1: k's use_mm's mmdrop(init_mm) and __mmput's mmdrop(p) (mm_count 3 -> 2:
            // the lazy references of cpu0's idle task and of k remain).
            CHECK(c("cpu1.mm.drop") == 2);
            // cpu1's locked operations: start 7; __io_sq_thread_acquire_mm: task_lock(owner),
            // mmget; kthread_use_mm: task_lock, mmgrab, cpumask_set_cpu, mmdrop(init_mm);
            // kthread_unuse_mm: task_lock; mmput; exit_mmap: inc_mm_tlb_gen, the unlazy's
            // cpumask_clear_cpu, llist_add, set_nr_if_polling; __mmput's mmdrop(p); k's exit:
            // do_task_dead's pi_lock, rq_lock, clear_tsk_need_resched; the idle task's
            // put_task_stack, put_task_struct. The run ends with that last switch.
            CHECK(c("cpu1.fb.atomic") == kthread_start_atomics + 2 + 4 + 1 + 1 + 4 + 1 + 3 + 2);
        }
    }
}

SCENARIO("efi_call and text_poke switch to their own mms and back", "[lifecycle][efi][text_poke]") {
    GIVEN("a kernel thread lazily on p making an EFI call and then patching text") {
        const auto r = test::run(
            kthread_scenario(R"("use_mm p", "unuse_mm", "efi_call", "text_poke", "work 1000000")",
                             R"("user 1000000")"));
        const Counters c{r};
        THEN("each bracket is two different-mm switches; the trailing poking_mm flush is only a "
             "generation bump") {
            // use_mm: CR3 flush (slot 1 for p).
            // efi_switch_mm(efi_mm): cpumask_clear_cpu(p), cpumask_set_cpu(efi_mm), fresh slot
            //   2: CR3 flush; efi_switch_mm(p): clear(efi_mm), set(p), slot 1 current: NOFLUSH.
            //   The CPU is now on p, not lazy (was_lazy was cleared by the first switch).
            // __text_poke: ptl_lock; not lazy, so no leave_mm; use_temporary_mm(poking_mm):
            //   clear(p), set(poking_mm), fresh slot 3: CR3 flush; unuse_temporary_mm:
            //   clear(poking_mm), set(p), NOFLUSH; flush_tlb_mm_range(poking_mm, 1 page):
            //   inc_mm_tlb_gen only (poking_mm is not loaded, its cpumask is empty).
            CHECK(c("cpu1.ser.cr3") == 1 + 2 + 2);
            CHECK(c("cpu1.cr3.write.flush") == 3);
            CHECK(c("cpu1.cr3.write.noflush") == 2);
            CHECK(c("cpu1.ser.invlpg") == 0);
            CHECK(c("ipi.sent") == 0);
            CHECK(c("tlb.unlazy") == 0);
            CHECK(c("cpu1.fb.smp_mb") == 0);
            // start 7; use_mm 4 + task_lock(owner), mmget; unuse_mm 1 + mmput; EFI: 2 + 2
            // cpumask ops; text_poke: ptl_lock, 2 + 2 cpumask ops, inc_mm_tlb_gen.
            CHECK(c("cpu1.fb.atomic") == kthread_start_atomics + 6 + 2 + 4 + 1 + 4 + 1);
            // Neither EFI nor text_poke touches mm_count in v5.10.
            CHECK(c("cpu1.mm.grab") == 1);
            CHECK(c("cpu1.mm.drop") == 1);
        }
    }
    GIVEN("a kernel thread lazily on p patching text twice") {
        const auto r = test::run(
            kthread_scenario(R"("use_mm p", "unuse_mm", "text_poke", "text_poke", "work 1000000")",
                             R"("user 1000000")"));
        const Counters c{r};
        THEN("use_temporary_mm first leaves the lazy mm; the second poke flushes poking_mm's "
             "stale slot again") {
            // text_poke #1: is_lazy, so leave_mm: an unlazy (cpumask_clear_cpu(p), CR3 to
            // init_mm, NOFLUSH); init_mm -> poking_mm: set(poking_mm), fresh slot 2, flush;
            // back to init_mm: clear(poking_mm), NOFLUSH; inc_mm_tlb_gen(poking_mm) -> 1.
            // text_poke #2: not lazy, on init_mm: set, poking_mm's slot has tlb_gen 0 < 1:
            // flush; clear, NOFLUSH; inc_mm_tlb_gen -> 2.
            CHECK(c("cpu1.tlb.unlazy") == 1);
            CHECK(c("cpu1.ser.cr3") == 1 + 3 + 2);
            CHECK(c("cpu1.cr3.write.flush") == 1 + 1 + 1);
            CHECK(c("cpu1.cr3.write.noflush") == 2 + 1);
            // start 7; use_mm 4 + task_lock(owner), mmget; unuse_mm 1 + mmput; poke #1:
            // ptl_lock, leave_mm's cpumask_clear_cpu, set, clear, inc_mm_tlb_gen (5); poke #2:
            // ptl_lock, set, clear, inc_mm_tlb_gen (4).
            CHECK(c("cpu1.fb.atomic") == kthread_start_atomics + 6 + 2 + 5 + 4);
        }
    }
}

SCENARIO("de_thread kills a sibling running on another CPU", "[lifecycle][exec]") {
    GIVEN("a execs on cpu0 while its sibling b runs user code on cpu1") {
        const auto r = test::run(R"(
[machine]
cpus = 2
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "exec", "user 100"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 100000"]
)");
        const Counters c{r};
        THEN("wake_up_state's pi_lock, then kick_process's reschedule IPI, no NEED_RESCHED") {
            // zap_other_threads (t=13105): siglock, b's TIF_SIGPENDING (set_bit), then
            // try_to_wake_up(b)'s pi_lock (b runs: returns 0), so kick_process: b is rq(1)->curr,
            // an mfence and a reschedule IPI. b takes it in user mode and exits from
            // irqentry_exit (do_exit runs before any schedule(): nothing set NEED_RESCHED).
            CHECK(c("ipi.resched") == 1);
            CHECK(c("cpu1.ipi.received") == 1);
            CHECK(c("cpu0.fb.mfence") == 1);
            // cpu0's locked operations: boot 9 (set_polling, clr_polling, the switch's 7);
            // de_thread: siglock, set_tsk_thread_flag, pi_lock (3); its wait's __schedule to
            // idle: rq_lock, clear_tsk_need_resched, mmgrab (3); the idle period until b's exit
            // wakes a (set_nr_and_not_polling: no IPI, so no rcu_irq_enter/exit): set_polling,
            // rcu_idle_enter, rcu_idle_exit, clr_polling (4); the idle task's switch back to a:
            // rq_lock, clear_tsk_need_resched (2) and
            // finish_task_switch's mmdrop (1); the wait loop's siglock after schedule() (1);
            // exec_mmap: exec_update_lock, mmap_read_lock, task_lock, cpumask_clear_cpu,
            // cpumask_set_cpu, mmap_read_unlock, mmput (7); the old mm's exit_mmap:
            // inc_mm_tlb_gen, llist_add, set_nr_if_polling (3) and __mmput's mmdrop (1); a's
            // exit: exit_mm 4, mmput 1, exit_mmap's inc_mm_tlb_gen and unlazy cpumask_clear_cpu
            // (2), mmdrop 1; do_task_dead 3; put_task_stack/struct 2. The run ends with that
            // last switch.
            CHECK(c("cpu0.fb.atomic") ==
                  9 + 3 + 3 + 4 + 2 + 1 + 1 + 7 + 3 + 1 + 4 + 1 + 2 + 1 + 3 + 2);
            CHECK(c("ctxsw.total") == 6);
        }
    }
}

namespace {

/// The mm of each task's user-mode returns, by task name (the last one seen).
struct ReturnMms : kernel::RecordObserver {
    std::vector<std::string> task_names;
    std::map<std::string, int> mm_of;
    void on_start(const kernel::KernelState& ks, const kernel::Trace&) override {
        for (const auto& t : ks.tasks) {
            task_names.push_back(t->name);
        }
    }
    void on_record(const kernel::Record& r) override {
        if (r.kind == kernel::RecordKind::return_to_user) {
            mm_of[task_names[static_cast<std::size_t>(r.task)]] = r.mm;
        }
    }
};

// A process p whose thread a runs `a_program` from time 0 and whose thread b is created at
// `b_start`.
std::string late_thread_scenario(const std::string& a_program, std::int64_t b_start) {
    return R"(
[machine]
cpus = 2

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = [)" +
           a_program + R"(]

[[thread]]
name = "b"
process = "p"
cpu = 1
start = )" +
           std::to_string(b_start) +
           R"(
program = ["user 100"]
)";
}

} // namespace

SCENARIO("kick_process's task_curr() reads the target's rq->curr through its store buffer",
         "[lifecycle][exec][tso]") {
    GIVEN("b becomes rq(1)->curr 25 cycles before a's de_thread reads it (b starts at 11,320)") {
        // rq(1)->curr = b at t=13080 (__schedule on cpu1); a's try_to_wake_up(b) at 13085, then
        // kick_process reads rq(1)->curr (v5.10.13 kernel/sched/core.c: task_curr(), no lock).
        const auto scenario = [](const char* memory) {
            return std::string("[machine]\ncpus = 2\nmemory = \"") + memory +
                   "\"\n[[process]]\nname = \"p\"\n[[thread]]\nname = \"a\"\nprocess = \"p\"\n"
                   "cpu = 0\nprogram = [\"user 5000\", \"exec\", \"user 100\"]\n[[thread]]\n"
                   "name = \"b\"\nprocess = \"p\"\ncpu = 1\nstart = 11320\n"
                   "program = [\"user 100000\"]\n";
        };
        THEN("under x86-TSO the store is still in cpu1's buffer: no reschedule IPI, and b still "
             "dies, at its return to user mode (TIF_SIGPENDING was set before)") {
            const auto r = test::run(scenario("tso"));
            REQUIRE(r.error.empty());
            const Counters c{r};
            CHECK(c("ipi.resched") == 0);
            CHECK(c("ctxsw.total") == 6);
        }
        THEN("sequentially consistent, the read sees b and kicks it") {
            const auto r = test::run(scenario("sc"));
            REQUIRE(r.error.empty());
            const Counters c{r};
            CHECK(c("ipi.resched") == 1);
            CHECK(c("ctxsw.total") == 6);
        }
    }
}

SCENARIO("a thread created later shares its process's mm as it is then (copy_mm, CLONE_VM)",
         "[lifecycle][clone]") {
    GIVEN("a execs at once and is still running when b is created") {
        ReturnMms mms;
        run::RunOptions options;
        options.observers.push_back(&mms);
        const auto r =
            test::run(test::load(late_thread_scenario(R"("exec", "user 2000000")", 1000000)),
                      "v5.10", options);
        THEN("b runs on the mm exec installed, and the old mm is freed with no user left") {
            // mms: init_mm, efi_mm, poking_mm, p (3), p after exec (4).
            REQUIRE(r.mm_names.size() == 5);
            CHECK(mms.mm_of.at("a") == 4);
            CHECK(mms.mm_of.at("b") == 4);
            CHECK(r.violations.empty());
        }
    }
    GIVEN("a exits before b's start") {
        const auto sc = test::load(late_thread_scenario(R"("user 100")", 1000000));
        const auto r = run::run_scenario(sc, "v5.10", {});
        THEN("the run stops: no thread of p is left to create b") {
            CHECK(r.error.find("thread b starts at t=") == 0);
            CHECK(r.error.find("every thread of process p has exited: none is left to create it") !=
                  std::string::npos);
        }
    }
    GIVEN("a process whose only thread starts late") {
        ReturnMms mms;
        run::RunOptions options;
        options.observers.push_back(&mms);
        const auto r = test::run(test::load(R"(
[machine]
cpus = 1

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
start = 5000
program = ["user 100"]
)"),
                                 "v5.10", options);
        THEN("that thread is its mm's first user and runs on it") {
            CHECK(mms.mm_of.at("a") == 3);
            CHECK(r.violations.empty());
        }
    }
}
