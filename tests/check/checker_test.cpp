// The guarantee checker on hand-made record streams: each property is shown to hold and to fail,
// independently of the kernel model that normally produces the records.

#include "check/record_stream.h"
#include "kernel/kernel_state.h"
#include "kernel/record_kinds.h"

#include <catch2/catch.hpp>

namespace {

using kernel::Record;
namespace rec = kernel::rec;

using check::Property;
constexpr Property G_MB = Property::g_mb, G_SC = Property::g_sc, G_SC_SELF = Property::g_sc_self,
                   G_TLB = Property::g_tlb, G_REF = Property::g_ref;

using checktest::Stream;

constexpr int jit = 1;
constexpr auto sysret = kernel::ReturnInsn::sysret;
constexpr auto iret = kernel::ReturnInsn::iret;
constexpr auto eretu = kernel::ReturnInsn::eretu;
constexpr auto by_syscall = kernel::EntryKind::syscall;
constexpr auto iret_to_self = kernel::SyncCoreMethod::iret_to_self;
constexpr auto sync_core = kernel::BarrierCall::sync_core;

/// t0 on cpu0 makes a SYNC_CORE call: t_a at 100, t_b at 200, returns (SYSRET) at 300.
void sync_core_call(Stream& s, bool ser_on_caller) {
    s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
    s.emit(100, 0, 0, rec::smp_mb({}));
    if (ser_on_caller) {
        s.emit(150, 0, 0, rec::sync_core(iret_to_self, {}));
    }
    s.emit(200, 0, 0, rec::smp_mb({}));
    s.emit(200, 0, 0, rec::barrier_call_end(7));
    s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
}

} // namespace

TEST_CASE("G-SC: a sibling's first user instruction after t_r needs a [SER] since t_a", "[check]") {
    SECTION("a SYSRET return with nothing serializing since t_a violates") {
        Stream s;
        sync_core_call(s, true);
        s.emit(350, 1, 1, rec::smp_mb({})); // a full barrier (G-MB holds), not serializing
        s.emit(400, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_MB) == 0);
        CHECK(s.count(G_SC) == 1);
        CHECK(s.checker.count(G_SC, 1) == 1);
        REQUIRE(s.checker.violations().size() == 1);
        CHECK(s.checker.violations()[0].property == "G-SC");
        CHECK(s.checker.violations()[0].t_a == 100);
        CHECK(s.checker.violations()[0].t_r == 300);
    }
    SECTION("a CR3 write on that CPU after t_a satisfies it") {
        Stream s;
        sync_core_call(s, true);
        s.emit(350, 1, 1, rec::cr3_write(jit, 0, false, rec::no_tlb_gen, {}));
        s.emit(400, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_SC) == 0);
    }
    SECTION("an IRET return is itself the [SER]") {
        Stream s;
        sync_core_call(s, true);
        s.emit(400, 1, 1, rec::return_to_user(iret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_SC) == 0);
    }
    SECTION("a [SER] before t_a does not count") {
        Stream s;
        s.emit(50, 1, 1, rec::cr3_write(jit, 0, false, rec::no_tlb_gen, {}));
        sync_core_call(s, true);
        s.emit(400, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_SC) == 1);
    }
}

TEST_CASE("G-SC-SELF: the caller's own return needs a [SER] since t_a", "[check]") {
    Stream with;
    sync_core_call(with, true);
    CHECK(with.count(G_SC_SELF) == 0);
    Stream without;
    sync_core_call(without, false);
    CHECK(without.count(G_SC_SELF) == 1);
}

TEST_CASE("G-MB: user code running across the whole call needs a barrier", "[check]") {
    SECTION("continuous user code from before t_a to after t_b violates") {
        Stream s;
        s.emit(10, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        sync_core_call(s, true);
        CHECK(s.count(G_MB) == 1);
    }
    SECTION("an IPI's barrier in between splits it") {
        Stream s;
        s.emit(10, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
        s.emit(100, 0, 0, rec::smp_mb({}));
        s.emit(150, 1, 1, rec::kernel_entry(by_syscall, jit));
        s.emit(160, 1, 1, rec::smp_mb({}));
        s.emit(170, 1, 1, rec::return_to_user(iret, jit, rec::no_tlb_gen, {}));
        s.emit(200, 0, 0, rec::smp_mb({}));
        s.emit(200, 0, 0, rec::barrier_call_end(7));
        s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_MB) == 0);
    }
    SECTION("another mm's user code owes nothing") {
        Stream s;
        s.emit(10, 1, 1, rec::return_to_user(sysret, 0, rec::no_tlb_gen, {}));
        sync_core_call(s, true);
        CHECK(s.count(G_MB) == 0);
    }
}

TEST_CASE("G-TLB: no user code on a context older than a completed flush", "[check]") {
    SECTION("a return to user on a stale context after the flush violates") {
        Stream s;
        s.emit(10, 1, 1, rec::cr3_write(jit, 0, false, 0, {}));
        s.emit(20, 0, 0, rec::flush_done(jit, 1, false));
        s.emit(30, 1, 1, rec::return_to_user(sysret, jit, 0, {}));
        CHECK(s.count(G_TLB) == 1);
    }
    SECTION("a freed-tables flush may not leave the mm loaded on a stale context") {
        Stream s;
        s.emit(10, 1, 1, rec::cr3_write(jit, 0, false, 0, {}));
        s.emit(20, 0, 0, rec::flush_done(jit, 1, /*freed=*/true));
        CHECK(s.count(G_TLB) == 1);
    }
    SECTION("a CPU between its mm_cpumask clear and its CR3 write is not counted") {
        // switch_mm_irqs_off(): cpumask_clear_cpu(prev), then load_new_mm_cr3() with IRQs off.
        Stream s;
        s.emit(10, 1, 1, rec::cr3_write(jit, 0, false, 0, {}));
        s.emit(15, 1, 1, rec::atomic(kernel::AtomicOp::cpumask_clear_cpu, jit, 0, {}));
        s.emit(20, 0, 0, rec::flush_done(jit, 1, true));
        CHECK(s.count(G_TLB) == 0);
        // ... until it loads the mm again.
        s.emit(30, 1, 1, rec::cr3_write(jit, 0, false, 0, {}));
        s.emit(40, 0, 0, rec::flush_done(jit, 2, true));
        CHECK(s.count(G_TLB) == 1);
    }
    SECTION("caught up contexts are fine") {
        Stream s;
        s.emit(10, 1, 1, rec::cr3_write(jit, 0, false, 0, {}));
        s.emit(15, 1, 1, rec::tlb_flush(kernel::FlushKind::partial, false, jit, 1));
        s.emit(20, 0, 0, rec::flush_done(jit, 1, true));
        s.emit(30, 1, 1, rec::return_to_user(sysret, jit, 1, {}));
        CHECK(s.count(G_TLB) == 0);
    }
    SECTION("a shootdown's missed loaded_mm read explains the stale context, until a flush") {
        // cpu0's should_flush_tlb read cpu1's loaded_mm as init_mm while LOADED_MM_SWITCHING was
        // still in cpu1's buffer, and sent no IPI; cpu1 loaded jit on a context of generation 0.
        const auto missed = rec::loaded_mm_read_missed(sim::CpuId{1}, 0, kernel::kLoadedMmSwitching,
                                                       jit, /*flush=*/false);
        const std::string line = "cpu1: the shootdown on cpu0 read its loaded_mm at t=12 as "
                                 "init_mm from memory: loaded_mm = LOADED_MM_SWITCHING was still "
                                 "in cpu1's store buffer, so no flush IPI";
        Stream s;
        s.emit(12, 0, 0, missed);
        s.emit(14, 1, 1, rec::cr3_write(jit, 0, /*flushes=*/false, 0, {}));
        s.emit(20, 0, 0, rec::flush_done(jit, 1, false));
        s.emit(30, 1, 1, rec::return_to_user(sysret, jit, 0, {}));
        REQUIRE(s.checker.violations().size() == 1);
        CHECK(s.checker.violations()[0].chain.at(1) == line);
        // A flushing CR3 write catches cpu1 up: a later stale context has another cause.
        Stream t;
        t.emit(12, 0, 0, missed);
        t.emit(14, 1, 1, rec::cr3_write(jit, 0, /*flushes=*/true, 1, {}));
        t.emit(20, 0, 0, rec::flush_done(jit, 1, false));
        t.emit(25, 0, 0, rec::flush_done(jit, 2, false));
        t.emit(30, 1, 1, rec::return_to_user(sysret, jit, 1, {}));
        REQUIRE(t.checker.violations().size() == 1);
        CHECK(t.checker.violations()[0].chain.size() == 1);
    }
}

TEST_CASE("G-REF: no use of a freed mm, no leaked reference", "[check]") {
    SECTION("freeing an mm still in use") {
        Stream s;
        s.emit(10, 0, 0, rec::mm_free(jit, 1));
        CHECK(s.count(G_REF) == 1);
    }
    SECTION("loading it after the free, reported once per mm") {
        Stream s;
        s.emit(10, 0, 0, rec::mm_free(jit, 0));
        CHECK(s.count(G_REF) == 0);
        s.emit(20, 1, 1, rec::cr3_write(jit, 0, false, rec::no_tlb_gen, {}));
        s.emit(30, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_REF) == 1);
    }
    SECTION("end-of-run accounting") {
        Stream s;
        s.checker.report_reference_leak(jit, 2, 1);
        CHECK(s.count(G_REF) == 1);
    }
    SECTION("at the end of the run, the users' reference and borrowed ones balance mm_count") {
        Stream s;
        kernel::Mm& mm = *s.ks.mms[jit];
        kernel::Task& k = *s.ks.tasks[2];
        mm.mm_users = 2; // one mm_count reference for all users
        mm.mm_count = 2; // ... and one the kernel thread borrows as active_mm
        k.active_mm = &mm;
        s.checker.on_finish(s.ks);
        CHECK(s.count(G_REF) == 0);
    }
    SECTION("at the end of the run, a reference nobody holds is a leak, reported once") {
        Stream s;
        kernel::Mm& mm = *s.ks.mms[jit];
        mm.mm_users = 0;
        mm.mm_count = 1; // the users are gone and no task borrows it: __mmdrop never ran
        s.checker.on_finish(s.ks);
        CHECK(s.count(G_REF) == 1);
        REQUIRE(s.checker.violations().size() == 1);
        CHECK(s.checker.violations()[0].time == -1);
        CHECK(s.checker.violations()[0].chain[0].find("mm_count 1 but 0 holder(s)") !=
              std::string::npos);
        s.checker.on_finish(s.ks);
        CHECK(s.count(G_REF) == 1);
    }
    SECTION("a freed mm and the kernel's own mms are not accounted") {
        Stream s;
        s.ks.mms[jit]->freed = true;
        s.ks.mms[jit]->mm_count = 5;
        s.ks.mms[0]->mm_count = 7; // init_mm
        s.checker.on_finish(s.ks);
        CHECK(s.count(G_REF) == 0);
    }
}

namespace {

using check::MechanismRule;
constexpr MechanismRule K1 = MechanismRule::k1, K2 = MechanismRule::k2, K3 = MechanismRule::k3,
                        K4 = MechanismRule::k4, K5 = MechanismRule::k5;
constexpr auto private_expedited = kernel::BarrierCall::private_expedited;
constexpr auto membarrier_state_or = kernel::AtomicOp::membarrier_state_or;
constexpr std::int32_t register_global_expedited = 1 << 2;
constexpr std::uint32_t global_expedited_bit = kernel::MEMBARRIER_STATE_GLOBAL_EXPEDITED;

std::int64_t warnings(const Stream& s, MechanismRule rule) {
    return s.checker.warning_count(rule, 0) + s.checker.warning_count(rule, 1);
}

/// RCU_INIT_POINTER(rq(cpu)->curr, next) by the CPU's task, from prev_mm to next_mm (the
/// checkers do not read which task next is).
void switch_rq_curr(Stream& s, std::int64_t time, int cpu, int prev_mm, int next_mm,
                    bool sync_core_registered = false) {
    s.emit(time, cpu, cpu,
           rec::rq_curr_store(kernel::TaskId::none(), kernel::MmId(next_mm), kernel::MmId(prev_mm),
                              sync_core_registered));
}

/// sys_membarrier(cmd) by t0 on cpu0 returns `result`.
void membarrier_return(Stream& s, std::int64_t time, std::int32_t cmd, std::int32_t result) {
    s.emit(time, 0, 0, rec::membarrier_return(cmd, jit, result));
}

} // namespace

TEST_CASE("K1: a CPU read running the mm runs the handler's barrier before t_b", "[check]") {
    auto call = [](bool handler_barrier) {
        Stream s;
        s.emit(100, 0, 0, rec::barrier_call_start(private_expedited, jit, -1, 7));
        s.emit(100, 0, 0, rec::smp_mb({}));
        // rq(1)->curr->mm == jit
        s.emit(120, 0, 0,
               rec::membarrier_read(sim::CpuId{1}, kernel::TaskId(1), kernel::MmId(jit)));
        if (handler_barrier) {
            s.emit(150, 1, 1, rec::smp_mb({}));
        }
        s.emit(200, 0, 0, rec::smp_mb({}));
        s.emit(200, 0, 0, rec::barrier_call_end(7));
        return s.checker.warning_count(K1, 1);
    };
    CHECK(call(true) == 0);
    CHECK(call(false) == 1);
}

TEST_CASE("K1 for SYNC_CORE: the handler's [SER] before t_b, except under PTI", "[check]") {
    // A SYNC_CORE call reads rq(1)->curr->mm == jit; cpu1's handler runs `handler` before t_b.
    enum class Handler { none, smp_mb, smp_mb_and_sync_core };
    auto call = [](Handler handler, bool pti) {
        Stream s;
        s.checker.set_pti(pti);
        s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
        s.emit(100, 0, 0, rec::smp_mb({}));
        s.emit(120, 0, 0,
               rec::membarrier_read(sim::CpuId{1}, kernel::TaskId(1), kernel::MmId(jit)));
        if (handler != Handler::none) {
            s.emit(150, 1, 1, rec::smp_mb({}));
        }
        if (handler == Handler::smp_mb_and_sync_core) {
            s.emit(160, 1, 1, rec::sync_core(iret_to_self, {}));
        }
        s.emit(200, 0, 0, rec::smp_mb({}));
        s.emit(200, 0, 0, rec::barrier_call_end(7));
        return s.checker.warning_count(K1, 1);
    };
    // Without PTI: smp_mb() alone is not enough (ipi_sync_core's sync_core_before_usermode()).
    CHECK(call(Handler::smp_mb_and_sync_core, false) == 0);
    CHECK(call(Handler::smp_mb, false) == 1);
    // Under PTI sync_core_before_usermode() returns at once: the [FB] is all K1 asks for...
    CHECK(call(Handler::smp_mb, true) == 0);
    // ... and a handler that never ran is still warned.
    CHECK(call(Handler::none, true) == 1);
}

TEST_CASE("K2: a barrier between the switch to M and M's user code", "[check]") {
    SECTION("none: warned") {
        Stream s;
        switch_rq_curr(s, 10, 1, -1, jit);
        s.emit(20, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.checker.warning_count(K2, 1) == 1);
    }
    SECTION("a full barrier after the store suffices for a plain registration") {
        Stream s;
        switch_rq_curr(s, 10, 1, -1, jit);
        s.emit(15, 1, 1, rec::smp_mb({}));
        s.emit(20, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(s, K2) == 0);
    }
    SECTION("a barrier before the store does not count") {
        Stream s;
        s.emit(5, 1, 1, rec::smp_mb({}));
        switch_rq_curr(s, 10, 1, -1, jit);
        s.emit(20, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(s, K2) == 1);
    }
    SECTION("a SYNC_CORE mm also needs a serializing event") {
        Stream s;
        switch_rq_curr(s, 10, 1, -1, jit, /*sync_core_registered=*/true);
        s.emit(15, 1, 1, rec::smp_mb({}));
        s.emit(20, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(s, K2) == 1);
        Stream iret_return;
        switch_rq_curr(iret_return, 10, 1, -1, jit, true);
        iret_return.emit(20, 1, 1, rec::return_to_user(iret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(iret_return, K2) == 0);
    }
}

TEST_CASE("K3: a barrier between M's last user access and the store that leaves it", "[check]") {
    auto leave = [](bool barrier) {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        s.emit(6, 1, 1, rec::smp_mb({}));
        s.emit(10, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(20, 1, 1, rec::kernel_entry(by_syscall, jit));
        if (barrier) {
            s.emit(25, 1, 1, rec::atomic(kernel::AtomicOp::rq_lock, -1, 0, {})); // e.g. the rq lock
        }
        switch_rq_curr(s, 30, 1, jit, -1);
        return warnings(s, K3);
    };
    CHECK(leave(true) == 0);
    CHECK(leave(false) == 1);
}

TEST_CASE("K4: CPUs running a registered mm carry its bits in rq->membarrier_state", "[check]") {
    auto registration = [](Stream& s) {
        switch_rq_curr(s, 5, 0, -1, jit);
        s.emit(5, 0, 0, rec::context_switch(-1));
        s.emit(10, 0, 0, rec::atomic(membarrier_state_or, jit, global_expedited_bit, {}));
        s.emit(20, 0, 0, rec::rq_membarrier_state(jit, global_expedited_bit));
    };
    SECTION("a sibling CPU not refreshed by the time REGISTER returns") {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        s.emit(6, 1, 1, rec::context_switch(-1));
        registration(s);
        membarrier_return(s, 30, register_global_expedited, 0);
        CHECK(s.checker.warning_count(K4, 0) == 0);
        CHECK(s.checker.warning_count(K4, 1) == 1);
        // Once reported, the same stale state is not reported again at each return to user.
        s.emit(40, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(s, K4) == 1);
    }
    SECTION("refreshed (ipi_sync_rq_state) before the return: fine") {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        registration(s);
        s.emit(25, 1, 1, rec::rq_membarrier_state(jit, global_expedited_bit));
        membarrier_return(s, 30, register_global_expedited, 0);
        s.emit(40, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(s, K4) == 0);
    }
    SECTION("a later switch into the mm that does not copy its state") {
        Stream s;
        registration(s);
        membarrier_return(s, 30, register_global_expedited, 0);
        switch_rq_curr(s, 40, 1, -1, jit);
        s.emit(45, 1, 1, rec::smp_mb({}));
        s.emit(50, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.checker.warning_count(K4, 1) == 1);
    }
    SECTION("a CPU in the middle of switching to the mm is checked at its return to user") {
        Stream s;
        registration(s);
        switch_rq_curr(s, 25, 1, -1, jit); // rq(1)->curr = a thread of jit; switch_to to come
        membarrier_return(s, 30, register_global_expedited, 0);
        CHECK(warnings(s, K4) == 0);
        s.emit(35, 1, 1, rec::rq_membarrier_state(jit, global_expedited_bit));
        s.emit(36, 1, 1, rec::context_switch(-1));
        s.emit(37, 1, 1, rec::smp_mb({}));
        s.emit(40, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(warnings(s, K4) == 0);
    }
    SECTION("the same stale runqueue is reported once, not at every registration") {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        s.emit(6, 1, 1, rec::context_switch(-1));
        registration(s);
        membarrier_return(s, 30, register_global_expedited, 0);
        membarrier_return(s, 40, register_global_expedited, 0); // registering again: a no-op
        CHECK(s.checker.warning_count(K4, 1) == 1);
    }
    SECTION("a failed registration owes nothing") {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        registration(s);
        membarrier_return(s, 30, register_global_expedited, /*result=*/-22); // -EINVAL
        CHECK(warnings(s, K4) == 0);
    }
}

TEST_CASE("K5: the same-mm return only when the visible mm did not change", "[check]") {
    SECTION("a thread of the mm after another: the exemption holds") {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        s.emit(6, 1, 1, rec::smp_mb({}));
        switch_rq_curr(s, 10, 1, jit, jit);
        s.emit(12, 1, 1, rec::switch_mm_same(jit));
        CHECK(warnings(s, K5) == 0);
    }
    SECTION("a kernel thread to a thread of the mm still loaded and not lazy (efi_call)") {
        Stream s;
        switch_rq_curr(s, 10, 1, -1, jit);
        s.emit(12, 1, 1, rec::switch_mm_same(jit));
        CHECK(s.checker.warning_count(K5, 1) == 1);
    }
    SECTION("a change in an earlier switch does not count") {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, jit);
        s.emit(6, 1, 1, rec::context_switch(-1));
        switch_rq_curr(s, 10, 1, jit, jit);
        s.emit(12, 1, 1, rec::switch_mm_same(jit));
        CHECK(warnings(s, K5) == 0);
    }
}

// Boundaries: positions are (time, sequence), so an event at the same instant as t_a, t_b or t_r
// counts on the side its record falls.
TEST_CASE("boundaries at exactly t_a, t_b and t_r", "[check]") {
    constexpr auto plain = private_expedited;
    auto call_start = [](Stream& s) {
        s.emit(100, 0, 0, rec::barrier_call_start(plain, jit, -1, 7));
        s.emit(100, 0, 0, rec::smp_mb({}));
    };
    auto call_end = [](Stream& s) {
        s.emit(200, 0, 0, rec::smp_mb({}));
        s.emit(200, 0, 0, rec::barrier_call_end(7));
    };
    SECTION("G-MB, x <= t_a: an [FB] at t_b's instant before the t_b record covers x") {
        for (const bool before_t_b : {true, false}) {
            Stream s;
            s.emit(100, 1, 1,
                   rec::return_to_user(sysret, jit, rec::no_tlb_gen, {})); // x == t_a, before it
            call_start(s);
            s.emit(150, 1, 1, rec::kernel_entry(by_syscall, jit));
            s.emit(200, 0, 0, rec::smp_mb({}));
            if (before_t_b) {
                s.emit(200, 1, 1, rec::smp_mb({}));
            }
            s.emit(200, 0, 0, rec::barrier_call_end(7));
            if (!before_t_b) {
                s.emit(200, 1, 1, rec::smp_mb({})); // same instant, after t_b
            }
            INFO("[FB] " << (before_t_b ? "before" : "after") << " the t_b record");
            CHECK(s.count(G_MB) == (before_t_b ? 0 : 1));
        }
    }
    SECTION("G-MB, x >= t_r: an [FB] at t_a's instant after the t_a record covers x") {
        for (const bool after_t_a : {true, false}) {
            Stream s;
            if (!after_t_a) {
                s.emit(100, 1, 1, rec::smp_mb({})); // same instant, before t_a
            }
            call_start(s);
            if (after_t_a) {
                s.emit(100, 1, 1, rec::smp_mb({}));
            }
            call_end(s);
            s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {})); // t_r
            s.emit(300, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {})); // x == t_r
            INFO("[FB] " << (after_t_a ? "after" : "before") << " the t_a record");
            CHECK(s.count(G_MB) == (after_t_a ? 0 : 1));
        }
    }
    SECTION("G-SC, x == t_r: a [SER] at t_a's instant counts only after the t_a record") {
        for (const bool after_t_a : {true, false}) {
            Stream s;
            if (!after_t_a) {
                s.emit(100, 1, 1, rec::sync_core(iret_to_self, {}));
            }
            s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
            s.emit(100, 0, 0, rec::smp_mb({}));
            if (after_t_a) {
                s.emit(100, 1, 1, rec::sync_core(iret_to_self, {}));
            }
            s.emit(150, 0, 0, rec::sync_core(iret_to_self, {}));
            call_end(s);
            s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {})); // t_r
            s.emit(300, 1, 1, rec::smp_mb({}));                                       // G-MB's [FB]
            s.emit(300, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {})); // x == t_r
            INFO("[SER] " << (after_t_a ? "after" : "before") << " the t_a record");
            CHECK(s.count(G_SC) == (after_t_a ? 0 : 1));
            CHECK(s.count(G_MB) == 0);
        }
    }
    SECTION("G-SC-SELF: the caller's [SER] at t_a's instant counts only after the t_a record") {
        for (const bool after_t_a : {true, false}) {
            Stream s;
            if (!after_t_a) {
                s.emit(100, 0, 0, rec::sync_core(iret_to_self, {}));
            }
            s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
            if (after_t_a) {
                s.emit(100, 0, 0, rec::sync_core(iret_to_self, {}));
            }
            s.emit(100, 0, 0, rec::smp_mb({}));
            call_end(s);
            s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
            CHECK(s.count(G_SC_SELF) == (after_t_a ? 0 : 1));
        }
    }
    SECTION("G-SC: a sibling still in user mode at t_r, with no [SER] since t_a, violates at t_r") {
        Stream s;
        s.emit(50, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
        s.emit(100, 0, 0, rec::smp_mb({}));
        // A FRED machine: the IPI's barrier serves G-MB, its ERETU does not serialize.
        s.emit(150, 1, 1, rec::kernel_entry(by_syscall, jit));
        s.emit(155, 1, 1, rec::smp_mb({}));
        s.emit(160, 1, 1, rec::return_to_user(eretu, jit, rec::no_tlb_gen, {}));
        s.emit(150, 0, 0, rec::sync_core(iret_to_self, {}));
        call_end(s);
        s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        CHECK(s.count(G_MB) == 0);
        CHECK(s.count(G_SC) == 1);
        REQUIRE(s.checker.violations().size() == 1);
        CHECK(s.checker.violations()[0].time == 300);
        CHECK(s.checker.violations()[0].t_r == 300);
    }
}

namespace {

constexpr int kthread_k = 2;
constexpr auto global_expedited_call = kernel::BarrierCall::global_expedited;

/// The call's read of rq(1)->curr: task `task` with mm `mm`.
void read_cpu1(Stream& s, std::int64_t time, int task, int mm) {
    s.emit(time, 0, 0, rec::membarrier_read(sim::CpuId{1}, kernel::TaskId(task), kernel::MmId(mm)));
}

/// kthread_use_mm(jit) by k on cpu1: the tsk->mm store, then the lazy path's smp_mb.
void use_mm_on_cpu1(Stream& s, std::int64_t time) {
    Record store = rec::task_mm_store(jit, -1, /*new_mm_sync_core=*/true);
    store.site = kernel::Fn::kthread_use_mm;
    s.emit(time, 1, kthread_k, store);
    s.emit(time + 1, 1, kthread_k, rec::smp_mb({}));
}

/// A SYNC_CORE call by t0 (t_a 100, t_b 200, return 300) that read rq(1)->curr = k without
/// an mm; then k's switch to t1 of the same mm and t1's SYSRET at 400.
check::Violation p8_like(bool use_mm_after_t_a) {
    Stream s;
    if (!use_mm_after_t_a) {
        switch_rq_curr(s, 50, 1, -1, jit, true); // a plain switch into jit, before t_a
        s.emit(51, 1, 1, rec::context_switch(-1));
    }
    s.emit(100, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 7));
    s.emit(100, 0, 0, rec::smp_mb({}));
    read_cpu1(s, 110, kthread_k, -1);
    s.emit(150, 0, 0, rec::sync_core(iret_to_self, {}));
    s.emit(200, 0, 0, rec::smp_mb({}));
    s.emit(200, 0, 0, rec::barrier_call_end(7));
    s.emit(300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    if (use_mm_after_t_a) {
        use_mm_on_cpu1(s, 350);
        switch_rq_curr(s, 360, 1, jit, jit, true); // k (mm jit) -> t1: the same mm
        s.emit(361, 1, 1, rec::context_switch(-1));
    }
    s.emit(390, 1, 1, rec::smp_mb({})); // G-MB holds: only core serialization is missing
    s.emit(400, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    REQUIRE(s.checker.violations().size() == 1);
    return s.checker.violations()[0];
}

/// r1 = t1 registers jit for GLOBAL_EXPEDITED on cpu1 and returns with rq(1)->membarrier_state
/// still 0 (or refreshed, `refreshed`), runs user code; t0's GLOBAL_EXPEDITED (t_a 100, t_b
/// 200) does not read cpu1 unless `read`.
check::Violation global_call_after_registration(bool registered_on_cpu1, bool read,
                                                bool already_registered = false) {
    Stream s;
    switch_rq_curr(s, 5, 1, -1, jit);
    s.emit(6, 1, 1, rec::context_switch(-1));
    s.emit(10, 1, 1, rec::atomic(membarrier_state_or, jit, global_expedited_bit, {}));
    if (already_registered) {
        // t1 enters REGISTER_GLOBAL_EXPEDITED again: the mm is registered, it returns at once.
        s.emit(20, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(25, 1, 1, rec::kernel_entry(by_syscall, jit));
    }
    if (registered_on_cpu1) {
        s.emit(30, 1, 1, rec::membarrier_return(register_global_expedited, jit, 0));
    }
    s.emit(50, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    s.emit(100, 0, 0, rec::barrier_call_start(global_expedited_call, jit, -1, 9));
    s.emit(100, 0, 0, rec::smp_mb({}));
    if (read) {
        read_cpu1(s, 110, 1, jit); // seen, but (say) no IPI was sent
    }
    s.emit(200, 0, 0, rec::smp_mb({}));
    s.emit(200, 0, 0, rec::barrier_call_end(9));
    REQUIRE(s.checker.violations().size() == 1);
    CHECK(s.checker.violations()[0].property == "G-MB");
    return s.checker.violations()[0];
}

} // namespace

TEST_CASE("causes: the kthread_use_mm gap is recognised by its records", "[check]") {
    SECTION("the mm arrived by kthread_use_mm after the call missed it: P8") {
        const check::Violation v = p8_like(true);
        CHECK(v.property == "G-SC");
        CHECK(v.cause == check::Cause::kthread_use_mm);
        CHECK(v.chain.back().rfind("cause: the kthread_use_mm gap (P8): mm jit became cpu1's", 0) ==
              0);
    }
    SECTION("the same G-SC through a plain switch before t_a is not P8") {
        const check::Violation v = p8_like(false);
        CHECK(v.property == "G-SC");
        CHECK(v.cause == check::Cause::none);
        CHECK(v.chain.back().rfind("cause:", 0) == std::string::npos);
    }
}

TEST_CASE("causes: the registration race is recognised by its records", "[check]") {
    SECTION("skipped for a runqueue left stale by a registration that returned on that CPU") {
        const check::Violation v = global_call_after_registration(true, false);
        CHECK(v.cause == check::Cause::registration_race);
        CHECK(v.chain.back() ==
              "cause: the registration race: t1's membarrier(register_global_expedited) on cpu1 "
              "returned at t=30 without refreshing its own runqueue (the refresh skipped the "
              "caller's CPU), so rq(cpu1)->membarrier_state = 0x0 lacks GLOBAL_EXPEDITED and "
              "this call skipped cpu1");
    }
    SECTION("a stale runqueue with no registration returning there is something else") {
        CHECK(global_call_after_registration(false, false).cause == check::Cause::none);
    }
    SECTION("a REGISTER that found the mm registered and returned at once is not the race") {
        CHECK(global_call_after_registration(true, false, true).cause == check::Cause::none);
    }
    SECTION("a CPU the call did read was not skipped for its runqueue") {
        CHECK(global_call_after_registration(true, true).cause == check::Cause::none);
    }
}

TEST_CASE("reports: past the first 64, the first of each property and cause is kept", "[check]") {
    Stream s;
    // 70 SYNC_CORE calls whose caller returns unserialized: 70 G-SC-SELF violations.
    for (int i = 0; i < 70; ++i) {
        const std::int64_t t = 1000 * (i + 1);
        s.emit(t, 0, 0, rec::barrier_call_start(sync_core, jit, -1, 100 + i));
        s.emit(t, 0, 0, rec::smp_mb({}));
        s.emit(t + 100, 0, 0, rec::smp_mb({}));
        s.emit(t + 100, 0, 0, rec::barrier_call_end(100 + i));
        s.emit(t + 200, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(t + 300, 0, 0, rec::kernel_entry(by_syscall, jit));
        s.emit(t + 310, 1, 1, rec::smp_mb({})); // cpu1 owes nothing: the call retires
        s.emit(t + 320, 1, 1, rec::sync_core(iret_to_self, {}));
    }
    CHECK(s.count(G_SC_SELF) == 70);
    CHECK(s.checker.violations().size() == 64);
    // Then user code of jit on cpu1 across a whole call, twice: G-MB, not recognised.
    for (int i = 0; i < 2; ++i) {
        const std::int64_t t = 100000 * (i + 1);
        s.emit(t, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(t + 100, 0, 0, rec::barrier_call_start(private_expedited, jit, -1, 500 + i));
        s.emit(t + 100, 0, 0, rec::smp_mb({}));
        s.emit(t + 200, 0, 0, rec::smp_mb({}));
        s.emit(t + 200, 0, 0, rec::barrier_call_end(500 + i));
        s.emit(t + 300, 0, 0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(t + 400, 1, 1, rec::kernel_entry(by_syscall, jit));
        s.emit(t + 410, 1, 1, rec::smp_mb({}));
        s.emit(t + 420, 0, 0, rec::kernel_entry(by_syscall, jit));
    }
    CHECK(s.count(G_MB) == 2);
    REQUIRE(s.checker.violations().size() == 65);
    CHECK(s.checker.violations().back().property == "G-MB");
}

namespace {

/// cpu1 runs jit and copies its unregistered state into rq(1)->membarrier_state, then leaves it
/// lazily: the thread blocks, or (`cleared_on_exit`) exits, clearing the runqueue. jit
/// registers GLOBAL_EXPEDITED on cpu0 (the refresh misses cpu1: it is not running jit); cpu1
/// switches back into jit without writing its runqueue; t0's GLOBAL_EXPEDITED skips cpu1 (no
/// read) while t1 runs user code of jit.
check::Violation stale_runqueue(bool cleared_on_exit) {
    Stream s;
    switch_rq_curr(s, 5, 1, -1, jit);
    s.emit(6, 1, 1, rec::context_switch(-1));
    s.emit(7, 1, 1, rec::rq_membarrier_state(jit, 0)); // membarrier_switch_mm: jit's 0
    if (cleared_on_exit) {
        // tsk->mm = NULL, then membarrier_update_current_mm(NULL) in exit_mm.
        s.emit(8, 1, 1, rec::task_mm_store(-1, jit, false));
        Record cleared = rec::rq_membarrier_state(-1, 0);
        cleared.site = kernel::Fn::exit_mm;
        s.emit(8, 1, 1, cleared);
    } else {
        switch_rq_curr(s, 8, 1, jit, -1); // to the idle task: lazily on jit
    }
    s.emit(10, 0, 0, rec::atomic(membarrier_state_or, jit, global_expedited_bit, {}));
    switch_rq_curr(s, 12, 1, -1, jit); // back into jit from lazy mode: no runqueue write
    s.emit(13, 1, 1, rec::context_switch(-1));
    s.emit(50, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    s.emit(100, 0, 0, rec::barrier_call_start(global_expedited_call, jit, -1, 9));
    s.emit(100, 0, 0, rec::smp_mb({}));
    s.emit(200, 0, 0, rec::smp_mb({}));
    s.emit(200, 0, 0, rec::barrier_call_end(9));
    REQUIRE(s.checker.violations().size() == 1);
    return s.checker.violations()[0];
}

} // namespace

TEST_CASE("causes: a runqueue left stale on a lazy CPU, by a registration or a clear", "[check]") {
    SECTION("copied before a registration whose refresh missed the CPU") {
        const check::Violation v = stale_runqueue(false);
        CHECK(v.property == "G-MB");
        CHECK(v.cause == check::Cause::registration_lazy_cpu);
        CHECK(v.chain.back().rfind("cause: a registration missed a lazy CPU: cpu1's runqueue "
                                   "holds mm jit's state from before its GLOBAL_EXPEDITED "
                                   "registration (copied at t=7 [none])",
                                   0) == 0);
    }
    SECTION("cleared by membarrier_update_current_mm(NULL) while the CPU stayed lazy on the mm") {
        const check::Violation v = stale_runqueue(true);
        CHECK(v.property == "G-MB");
        CHECK(v.cause == check::Cause::cleared_lazy_cpu);
        CHECK(v.chain.back().rfind("cause: a cleared runqueue on a lazy CPU: [exit_mm] cleared "
                                   "rq(cpu1)->membarrier_state at t=8",
                                   0) == 0);
    }
}

TEST_CASE("causes: kthread_use_mm that leaves the runqueue behind", "[check]") {
    // cpu1's runqueue is never written; k takes jit with kthread_use_mm (no runqueue write, as in
    // v5.10), lets it go (lazily on jit), and t1 of jit follows without a write either.
    auto run = [](bool runqueue_copied) {
        Stream s;
        switch_rq_curr(s, 5, 1, -1, -1); // idle -> k
        use_mm_on_cpu1(s, 10);
        if (runqueue_copied) { // v5.11+: membarrier_update_current_mm(jit)
            s.emit(11, 1, kthread_k, rec::rq_membarrier_state(jit, 0));
        }
        s.emit(20, 1, kthread_k, rec::task_mm_store(-1, jit, false)); // kthread_unuse_mm
        s.emit(25, 0, 0, rec::atomic(membarrier_state_or, jit, global_expedited_bit, {}));
        switch_rq_curr(s, 30, 1, -1, jit); // k -> t1: no write
        s.emit(31, 1, 1, rec::context_switch(-1));
        s.emit(50, 1, 1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        s.emit(100, 0, 0, rec::barrier_call_start(global_expedited_call, jit, -1, 9));
        s.emit(100, 0, 0, rec::smp_mb({}));
        s.emit(200, 0, 0, rec::smp_mb({}));
        s.emit(200, 0, 0, rec::barrier_call_end(9));
        REQUIRE(s.checker.violations().size() == 1);
        return s.checker.violations()[0];
    };
    const check::Violation v = run(false);
    CHECK(v.cause == check::Cause::use_mm_lazy_cpu);
    CHECK(v.chain.back().rfind("cause: kthread_use_mm left the runqueue behind: a kernel thread "
                               "took mm jit on cpu1 at t=10",
                               0) == 0);
    // When kthread_use_mm copied jit's state, the registration after it is what missed cpu1.
    CHECK(run(true).cause == check::Cause::registration_lazy_cpu);
}
