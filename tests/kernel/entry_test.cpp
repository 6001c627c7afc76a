// Kernel entry and exit (arch/x86/entry/entry_64.S, v5.10.13; docs/kernel-notes.md §11):
// IRET versus SYSRET, interrupts from user, kernel and idle, PTI's CR3 switches and its skip of
// sync_core_before_usermode, and FRED's non-serializing ERETU/ERETS.

#include "kernel/support.h"

#include <algorithm>

#include <string>

namespace {

using test::Counters;

// A SYNC_CORE-registered thread that sleeps (so it comes back through the lazy d1 path, where
// finish_task_switch would sync the core), makes a plain syscall, and takes a device interrupt
// in user mode at t = 20000.
const char* const pti_scenario = R"(
[machine]
cpus = 1
pti = true
max_cycles = 50000

[[process]]
name = "p"
register = ["private_expedited_sync_core"]

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "sleep 1000", "user 100", "syscall 100", "user 1000000"]

[[inject]]
at = 20000
cpu = 0
event = "interrupt"
)";

// cpu0: a device interrupt in user mode (t = 5000) and one during a system call (t = 20000);
// cpu1: a device interrupt in the idle loop (t = 5000); cpu2: a SYNC_CORE membarrier whose IPI
// interrupts cpu0 in user mode.
const char* const interrupt_scenario = R"(
[machine]
cpus = 3
max_cycles = 60000

[[process]]
name = "p"
register = ["private_expedited_sync_core"]

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 10000", "syscall 10000", "user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 2
program = ["user 30000", "membarrier private_expedited_sync_core", "user 1000000"]

[[inject]]
at = 5000
cpu = 0
event = "interrupt"

[[inject]]
at = 20000
cpu = 0
event = "interrupt"

[[inject]]
at = 5000
cpu = 1
event = "interrupt"
)";

std::string with_machine_line(std::string s, const std::string& line) {
    const auto at = s.find("[machine]\n") + 10;
    s.insert(at, line + "\n");
    return s;
}

} // namespace

SCENARIO("PTI writes CR3 on every kernel entry and exit and skips the user-mode core sync",
         "[entry][pti]") {
    GIVEN("pti = true") {
        const auto r = test::run(pti_scenario);
        const Counters c{r};
        THEN("eight CR3 writes, no sync_core") {
            // 1 idle->a (switch_mm_irqs_off, fresh ASID);
            // 2 ret_from_fork: SWITCH_TO_USER_CR3 before its IRET;
            // 3 syscall entry for `sleep` (SWITCH_TO_KERNEL_CR3); the wakeup interrupt hits the
            //   idle loop in kernel mode: no CR3; idle->a is d1 (smp_mb, no CR3);
            // 4 the sleep's return to user;  5, 6 `syscall 100` entry and exit;
            // 7, 8 the device interrupt's entry from user and its exit to user.
            CHECK(c("ser.cr3") == 8);
            CHECK(c("cr3.write") == 8);
            // sync_core_before_usermode returns early under PTI: the d1 return to a does not
            // sync although p is SYNC_CORE-registered.
            CHECK(c("ser.sync_core") == 0);
            CHECK(c("ser.sync_core@finish_task_switch") == 0);
            CHECK(c("ser.redundant") == 0);
            // ret_from_fork, the wakeup timer's IRET to the idle loop, the device interrupt's
            // IRET to user. The sleep and the syscall return by SYSRET.
            CHECK(c("ser.iret") == 3);
            CHECK(c("fb.smp_mb") == 1); // d1
            CHECK(c("ser.total") == 8 + 3);
        }
    }
    GIVEN("the same scenario without PTI") {
        std::string s = pti_scenario;
        s.replace(s.find("pti = true"), 10, "pti = false");
        const auto r = test::run(s);
        const Counters c{r};
        THEN("only the switch writes CR3, and the d1 return syncs the core") {
            CHECK(c("ser.cr3") == 1);
            // finish_task_switch: rq->prev_mm == p == current->mm, SYNC_CORE registered.
            CHECK(c("ser.sync_core@finish_task_switch") == 1);
            // The sync follows the rq->curr store and the smp_mb; no [SER] lies between them.
            CHECK(c("ser.redundant") == 0);
            CHECK(c("ser.iret") == 3);
            CHECK(c("ser.total") == 1 + 1 + 3);
        }
    }
}

TEST_CASE("PTI with PCID: the first return to user after a flushing CR3 load flushes the user "
          "PCID",
          "[entry][pti]") {
    // load_new_mm_cr3(need_flush) calls invalidate_user_asid(new_asid), which sets bit
    // kern_pcid(asid) = asid + 1 of user_pcid_flush_mask; SWITCH_TO_USER_CR3 masks the kernel
    // PCID out of CR3 (asid + 1) and tests that same bit, so the next user CR3 write has no
    // NOFLUSH bit. (Until commit 0212a82 arch_x86/entry.cpp pti_switch_cr3() tested bit
    // `loaded_mm_asid` instead of `loaded_mm_asid + 1`, losing this flush and flushing
    // spuriously on a later return with ASID asid + 1.)
    const auto r = test::run(R"(
[machine]
cpus = 1
pti = true
max_cycles = 50000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 100", "syscall 100", "user 1000000"]
)");
    const Counters c{r};
    // idle->a: slot 1, flush (and invalidate_user_asid(1)); ret_from_fork's user CR3: flush
    // (bit 2 set, then cleared); syscall entry: kernel CR3, NOFLUSH; syscall exit: user CR3,
    // NOFLUSH (bit cleared).
    CHECK(c("ser.cr3") == 4);
    CHECK(c("cr3.write.flush") == 2);
    CHECK(c("cr3.write.noflush") == 2);
}

SCENARIO("interrupts return by IRET to user or kernel mode", "[entry][interrupt]") {
    GIVEN("device interrupts in user mode, in a system call and in the idle loop") {
        const auto r = test::run(interrupt_scenario);
        const Counters c{r};
        THEN("each returns by IRET, to the mode it interrupted") {
            // cpu0: ret_from_fork; the interrupt at 5000 in `user 10000` returns to user
            // (irqentry_exit -> exit_to_user_mode, IRET); the one at 20000 in `syscall 10000`
            // returns to the system call by IRET to kernel (restore_regs_and_return_to_kernel);
            // the membarrier IPI from cpu2 interrupts `user 1000000` and returns to user.
            CHECK(c("cpu0.ser.iret") == 4);
            // cpu1: the interrupt in the idle loop, IRET to kernel mode.
            CHECK(c("cpu1.ser.iret") == 1);
            // cpu2: ret_from_fork only; the membarrier system call returns by SYSRET.
            CHECK(c("cpu2.ser.iret") == 1);
            CHECK(c("ser.iret") == 6);
            // ipi_sync_core: remotely on cpu0 (smp_mb + sync_core, then the IRET counted above)
            // and locally on cpu2 (on_each_cpu_mask's local call: no IPI, no IRET).
            CHECK(c("cpu0.ser.sync_core@ipi_sync_core") == 1);
            CHECK(c("cpu2.ser.sync_core@ipi_sync_core") == 1);
            CHECK(c("ipi.membarrier") == 1);
            // The boot switches idle->a and idle->b; cpu1 runs no user thread.
            CHECK(c("ser.cr3") == 2);
            CHECK(c("cpu1.ser.total") == 1);
            CHECK(c("ser.total") == 2 + 6 + 2);
            // The device handlers take no lock: cpu1's barriers are its idle loop's (idle since
            // t=0, the period still open at max_cycles: do_idle's set_polling, cpu_idle_poll's
            // rcu_idle_enter), the interrupt's rcu_irq_enter and rcu_irq_exit (it is taken in
            // the idle EQS: two atomic_add_return on rdp->dynticks), and its IRET.
            CHECK(c("cpu1.fb.total") == 2 + 2 + 1);
        }
    }
    GIVEN("the same on a FRED machine under v5.10, which has no FRED code") {
        const auto r = test::run(with_machine_line(interrupt_scenario, "fred = true"));
        const Counters c{r};
        THEN("the kernel still returns by IRET: the counts of the plain machine") {
            CHECK(c("ser.iret") == 6);
            CHECK(c("ser.total") == 2 + 6 + 2);
            CHECK(c("cpu1.fb.total") == 2 + 2 + 1);
        }
    }
    GIVEN("the same on a FRED machine under mainline (fred_entry)") {
        const auto r = test::run(with_machine_line(interrupt_scenario, "fred = true"), "mainline");
        const Counters c{r};
        THEN("every IRET becomes ERETU or ERETS, which are not [SER]") {
            CHECK(c("ser.iret") == 0);
            // Explicit sync_core stays: it is an instruction of its own (IRET-to-self or
            // SERIALIZE), not an exception return.
            CHECK(c("ser.sync_core@ipi_sync_core") == 2);
            CHECK(c("ser.cr3") == 2);
            CHECK(c("ser.total") == 2 + 2);
            // cpu1: the idle loop's and the interrupt's atomics as under v5.10 (mainline's
            // ct_cpuidle_enter and ct_irq_enter/exit are the same atomic_add_return on the
            // context-tracking state), and no IRET: ERETS is not [SER].
            CHECK(c("cpu1.fb.total") == 2 + 2 + 0);
            CHECK(c("ipi.membarrier") == 1);
        }
    }
    GIVEN("a FRED machine with PTI under mainline") {
        const std::string pti = with_machine_line(interrupt_scenario, "pti = true");
        const auto fred = test::run(with_machine_line(pti, "fred = true"), "mainline");
        const auto plain = test::run(pti, "mainline");
        THEN("PTI turns FRED off (932d922285ef): the IRETs of the machine without FRED") {
            CHECK(Counters{fred}("ser.iret") == 6);
            CHECK(Counters{fred}("ser.total") == Counters{plain}("ser.total"));
            CHECK(Counters{fred}("fb.total") == Counters{plain}("fb.total"));
        }
    }
}

TEST_CASE("page_fault: in by the #PF exception, out by IRET (ERETU under FRED)", "[entry]") {
    // One thread: a fault in user mode, then (for comparison) a system call of the same length.
    const std::string toml = R"(
[machine]
cpus = 1
[[process]]
name = "p"
[[thread]]
name = "t"
process = "p"
cpu = 0
program = ["user 100", "page_fault 500", "user 100", "syscall 500"]
)";
    const run::RunResult r = test::run(toml);
    Counters c{r};
    // Returns to user: ret_from_fork (IRET), the fault (IRET), the system call (SYSRET). Only
    // the IRETs are [SER]: 2, where a program with two system calls has 1.
    CHECK(c("ser.iret") == 2);
    const run::RunResult two_syscalls =
        test::run(std::string(toml).replace(toml.find("page_fault 500"), 14, "syscall 500"));
    CHECK(Counters{two_syscalls}("ser.iret") == 1);
    CHECK(c("ser.total") == Counters{two_syscalls}("ser.total") + 1);
    // A FRED machine under mainline returns from the fault by ERETU, which is not [SER].
    std::string fred = toml;
    fred.replace(fred.find("cpus = 1"), 8, "cpus = 1\nfred = true");
    CHECK(Counters{test::run(fred, "mainline")}("ser.iret") == 0);
}

namespace {

/// The deepest nesting of interrupt handlers (common_interrupt frames on the current task's
/// call path) any record saw.
class HandlerNesting final : public kernel::RecordObserver {
public:
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override {
        (void)trace;
        ks_ = &ks;
    }
    void on_record(const kernel::Record& r) override {
        if (r.cpu < 0) {
            return;
        }
        const kernel::Task* t = ks_->rqs[static_cast<std::size_t>(r.cpu)].curr;
        const auto handler = static_cast<kernel::SiteId>(kernel::Fn::common_interrupt);
        const auto depth = t->callstack.count(handler);
        deepest = std::max(deepest, static_cast<std::int64_t>(depth));
    }
    std::int64_t deepest = 0;

private:
    const kernel::KernelState* ks_ = nullptr;
};

} // namespace

TEST_CASE("an interrupt storm on a CPU in user mode is taken one handler after another, never "
          "nested",
          "[entry]") {
    // 200 device interrupts 50 cycles apart, far less than a handler and its return to user
    // take: each arrives while the previous one's return has IRQs off. Its return leaves the
    // next pending for the first user instruction boundary; it once took it inside its own
    // exit_to_user_mode, so the storm nested 200 handlers deep on the task's kernel stack.
    std::string toml = R"(
[machine]
cpus = 1
[[process]]
name = "p"
[[thread]]
name = "t"
process = "p"
cpu = 0
program = ["user 200000"]
)";
    for (int i = 0; i < 200; ++i) {
        toml += "[[inject]]\nat = " + std::to_string(10'000 + 50 * i) +
                "\ncpu = 0\nevent = \"interrupt\"\n";
    }
    HandlerNesting nesting;
    run::RunOptions options;
    options.observers.push_back(&nesting);
    const run::RunResult r = test::run(test::load(toml), "v5.10", options);
    REQUIRE(r.error.empty());
    CHECK(nesting.deepest == 1);
    // Every interrupt was taken, each returning by IRET; with ret_from_fork's: 201.
    CHECK(Counters{r}("ser.iret") == 201);
}

SCENARIO("Under PTI a SYNC_CORE call's handler leaves the core sync to the return to user mode, "
         "and K1 asks for no [SER] before t_b",
         "[entry][pti]") {
    // interrupt_scenario's SYNC_CORE call on cpu2 runs the handler remotely on cpu0 (a in user
    // mode) and locally on cpu2 (on_each_cpu_mask).
    for (const char* policy : {"v5.10", "mainline"}) {
        GIVEN(std::string("pti = true under ") + policy) {
            const auto r = test::run(with_machine_line(interrupt_scenario, "pti = true"), policy);
            const Counters c{r};
            THEN("no sync_core in ipi_sync_core, no K1 warning, and every guarantee holds") {
                // sync_core_before_usermode(): "With PTI, we unconditionally serialize before
                // running user code" (arch/x86/include/asm/sync_core.h): cpu2's CR3 write on its
                // SYSRET path and cpu0's on the IPI's return to user serialize instead.
                CHECK(c("ser.sync_core@ipi_sync_core") == 0);
                CHECK(c("warning.K1") == 0);
                CHECK(r.violations.empty());
            }
        }
        GIVEN(std::string("pti = false under ") + policy) {
            const auto r = test::run(interrupt_scenario, policy);
            const Counters c{r};
            THEN("both handlers sync the core before t_b: K1 holds") {
                CHECK(c("ser.sync_core@ipi_sync_core") == 2);
                CHECK(c("warning.K1") == 0);
                CHECK(r.violations.empty());
            }
        }
    }
}
