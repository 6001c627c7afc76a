// The cross-call queue (kernel/smp.c, v5.10.13): llist_add tells the sender whether the target's
// call_single_queue was empty, and only then does it raise an IPI; a flush takes the whole list
// with llist_del_all(), an xchg (a locked RMW) even on an empty list; an IPI that finds the list
// empty returns. Every count below is explained
// from the run's records (tlbsim run FILE -v).

#include "support.h"

#include <fmt/format.h>

namespace {

// a (cpu0) and b (cpu1) each call PRIVATE_EXPEDITED while c runs user code on cpu2, so both
// calls IPI cpu2. b's user phase moves its call against a's.
std::string two_senders(int b_user) {
    return fmt::format(R"(
name = "two-senders"
[machine]
cpus = 3
[[process]]
name = "jit"
register = ["private_expedited"]
[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 5000", "membarrier private_expedited", "user 100"]
[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user {}", "membarrier private_expedited", "user 100"]
[[thread]]
name = "c"
process = "jit"
cpu = 2
program = ["user 20000"]
)",
                       b_user);
}

// a (cpu0) frees page tables of app while c (cpu2) and d (cpu3) sleep on "go": both CPUs are
// polling idle and lazy on app, and a multi-target flush IPIs them (a real IPI even to a polling
// CPU). s (cpu1, another process) signals "go" after `s_user` cycles of user code.
std::string idle_flush_races_ipi(int s_user) {
    return fmt::format(R"(
name = "idle-flush-races-ipi"
[machine]
cpus = 4
[[process]]
name = "app"
[[process]]
name = "other"
[[thread]]
name = "a"
process = "app"
cpu = 0
program = ["user 5000", "flush_tlb pages=1 freed_tables", "user 100"]
[[thread]]
name = "c"
process = "app"
cpu = 2
program = ["user 100", "wait go", "user 100"]
[[thread]]
name = "d"
process = "app"
cpu = 3
program = ["user 100", "wait go", "user 100"]
[[thread]]
name = "s"
process = "other"
cpu = 1
program = ["user {}", "signal go"]
)",
                       s_user);
}

std::int64_t c(const run::RunResult& r, const std::string& name) {
    return test::counter(r, name);
}

} // namespace

TEST_CASE("a call queued before the handler takes the list rides on the pending IPI", "[smp]") {
    // b's llist_add onto cpu2 (t=10707+20) comes before cpu2's handler for a's IPI takes the list
    // (its llist_del_all, t=10708+20): the list was not empty, so b raises no IPI to cpu2; one
    // handler runs both calls and acks both (t=10798, 10868). (b's own handler for a's IPI, its
    // llist_del_all included, runs first, from t=9967; each send call starts with an mfence.)
    const auto r = test::run(two_senders(6682));
    CHECK(c(r, "cpu2.ipi.received") == 1);
    CHECK(c(r, "cpu1.ipi.membarrier") == 1); // to cpu0 only
    CHECK(c(r, "cpu0.ipi.membarrier") == 2); // to cpu1 and cpu2
    CHECK(c(r, "ipi.empty") == 0);
    CHECK(c(r, "ipi.received") == c(r, "ipi.sent"));
}

TEST_CASE("a call queued while the handler runs gets an IPI of its own", "[smp]") {
    // Two cycles later, b's llist_add (t=10709+20) comes after cpu2's handler took a's call
    // (t=10708+20) and before it acks it (t=10798): the list is empty again, so b raises an IPI
    // to cpu2 (sent t=11212, after the one to cpu0, both after one mfence at t=10729). The first
    // handler runs only what it took; the second IPI finds b's call (handler t=13112, ack
    // t=13202). Before llist_del_all was modelled
    // the first handler also ran b's call and b's IPI then found an empty queue (an internal
    // error).
    const auto r = test::run(two_senders(6684));
    CHECK(c(r, "cpu2.ipi.received") == 2);
    CHECK(c(r, "cpu1.ipi.membarrier") == 2); // to cpu0 and cpu2
    CHECK(c(r, "cpu0.ipi.membarrier") == 2);
    CHECK(c(r, "ipi.empty") == 0);
    CHECK(c(r, "ipi.received") == c(r, "ipi.sent"));
}

TEST_CASE("an IPI whose calls the idle loop already ran finds the queue empty", "[smp]") {
    // a's freed-tables flush queues flush_tlb_func_remote on cpu2 and cpu3 (t=8565, 8585) and,
    // after one mfence (t=8605), sends both real IPIs (t=8638, 9088; delivery takes 1,600
    // cycles). s wakes c and d first
    // (set_nr_and_not_polling, no IPI): each CPU leaves its polling loop and
    // flush_smp_call_function_from_idle runs the queued flush (llist_del_all at t=9545 and 9905,
    // unlazy, CR3 write to init_mm, ack at t=9985 and 10345). The IPIs are taken later, in
    // finish_task_switch of the switch to c and d, and find nothing: ipi.empty, one per CPU. They
    // still count as received.
    const auto r = test::run(idle_flush_races_ipi(6000));
    CHECK(c(r, "cpu2.ipi.empty") == 1);
    // The empty queue is still taken by an xchg (t=12380). cpu2's locked operations: boot 9
    // (do_idle's set_polling and clr_polling, the switch's 7); c's wait (rq_lock,
    // clear_tsk_need_resched, mmgrab) 3; the idle period that s's wakeup ends (set_polling,
    // rcu_idle_enter, rcu_idle_exit, clr_polling; no interrupt in it) 4; the idle flush
    // (llist_del_all, cpumask_clear_cpu) 2; schedule_idle to c (rq_lock,
    // clear_tsk_need_resched, cpumask_set_cpu) 3; the empty IPI's llist_del_all 1 (taken by c,
    // not in an EQS); finish_task_switch's mmdrop 1; c's exit_mm 4, mmput 1, do_task_dead 3;
    // the idle task's put_task_stack/struct 2; the idle period after c's exit, open at the end
    // of the run (set_polling, rcu_idle_enter) 2; and d's exit_mmap IPI, taken in that EQS
    // (rcu_irq_enter and rcu_irq_exit 2; llist_del_all, cpumask_clear_cpu 2).
    CHECK(c(r, "cpu2.fb.atomic") == 9 + 3 + 4 + 2 + 3 + 1 + 1 + 4 + 1 + 3 + 2 + 2 + (2 + 2));
    CHECK(c(r, "cpu3.ipi.empty") == 1);
    CHECK(c(r, "ipi.empty") == 2);
    CHECK(c(r, "cpu0.ipi.tlb") == 2);
    // The other two TLB IPIs: the last thread's exit_mmap (d, on cpu3) reaches cpu0 and cpu2.
    CHECK(c(r, "ipi.tlb") == 4);
    CHECK(c(r, "ipi.received") == c(r, "ipi.sent"));

    // With s signalling 1,000 cycles later the IPIs reach the polling CPUs first: their handlers
    // run the flush, and nothing is left for the idle loop.
    const auto later = test::run(idle_flush_races_ipi(7000));
    CHECK(c(later, "ipi.empty") == 0);
    CHECK(c(later, "ipi.tlb") == 4);
    CHECK(c(later, "ipi.received") == c(later, "ipi.sent"));
}

TEST_CASE("an x2APIC send call starts with one mfence, however many targets", "[smp][apic]") {
    // x2apic_wrmsr_fence() (v5.10.13 arch/x86/include/asm/apic.h). Halting idle CPUs, so every
    // wakeup and call is a real IPI. a's PRIVATE_EXPEDITED finds only b's CPU running jit (c
    // waits, cpu2 idles): the single-target path, x2apic_send_IPI: mfence (t=8205) and one
    // IPI. a's signal wakes c on the halted cpu2: resched_curr -> smp_send_reschedule, again
    // mfence (t=11708) and one IPI. b's exit, the last of jit, runs exit_mmap; its freed-tables
    // flush targets cpu0 and cpu2 (lazy on jit): __x2apic_send_IPI_mask, one mfence (t=27555)
    // and two IPIs.
    const std::string toml = R"(
[machine]
cpus = 3
idle = "halt"
[[process]]
name = "jit"
register = ["private_expedited"]
[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 5000", "membarrier private_expedited", "user 100", "signal go", "user 100"]
[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 20000"]
[[thread]]
name = "c"
process = "jit"
cpu = 2
program = ["user 100", "wait go", "user 100"]
)";
    const auto x2apic = test::run(toml);
    CHECK(c(x2apic, "ipi.sent") == 1 + 1 + 2);
    CHECK(c(x2apic, "fb.mfence") == 3);
    CHECK(c(x2apic, "cpu0.fb.mfence") == 2);
    CHECK(c(x2apic, "cpu1.fb.mfence") == 1);
    // The xAPIC writes its ICR by MMIO: the same IPIs, no fence, nothing else changes.
    std::string xapic_toml = toml;
    xapic_toml.replace(xapic_toml.find("idle = \"halt\""), 13, "idle = \"halt\"\napic = \"xapic\"");
    const auto xapic = test::run(xapic_toml);
    CHECK(c(xapic, "ipi.sent") == 4);
    CHECK(c(xapic, "fb.mfence") == 0);
    CHECK(c(x2apic, "fb.total") - c(xapic, "fb.total") == 3);
    CHECK(c(x2apic, "fb.atomic") == c(xapic, "fb.atomic"));
}
