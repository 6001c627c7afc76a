// Obligation accounting (check/obligations.h; docs/properties.md, Obligations) on hand-made record
// streams: which [FB] or [SER] discharged each (call, CPU) obligation, and which sync_cores
// discharged none. Every number below is derived in a comment from the records emitted.

#include "check/record_stream.h"
#include "kernel/record_kinds.h"

#include <catch2/catch.hpp>

namespace {

namespace rec = kernel::rec;
using check::ObligationStatus;
using check::Property;
using checktest::Stream;
using kernel::Fn;

constexpr int jit = 1;
constexpr int t0 = 0, t1 = 1, kthread = 2;
constexpr auto sysret = kernel::ReturnInsn::sysret;
constexpr auto iret = kernel::ReturnInsn::iret;
constexpr auto by_interrupt = kernel::EntryKind::interrupt;
constexpr auto iret_to_self = kernel::SyncCoreMethod::iret_to_self;

/// t0 on cpu0 calls membarrier(`call`) for jit: t_a at 100, the IPI handler on its own CPU at
/// 150 (ipi_sync_core's sync_core for SYNC_CORE), t_b at 200, its return (SYSRET) at 300 = t_r.
/// `on_cpu1` runs between t_a and t_b (the other CPU's part, e.g. an IPI).
template <class F>
void call(Stream& s, kernel::BarrierCall kind, F on_cpu1) {
    s.emit(100, 0, t0, rec::barrier_call_start(kind, jit, -1, 7));
    s.emit(100, 0, t0, rec::smp_mb({}), Fn::membarrier_private_expedited);
    on_cpu1();
    if (kind == kernel::BarrierCall::sync_core) {
        s.emit(150, 0, t0, rec::sync_core(iret_to_self, {}), Fn::ipi_sync_core);
    }
    s.emit(200, 0, t0, rec::smp_mb({}), Fn::membarrier_private_expedited);
    s.emit(200, 0, t0, rec::barrier_call_end(7));
    s.emit(300, 0, t0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
}
void call(Stream& s, kernel::BarrierCall kind) {
    call(s, kind, [] {});
}

const check::ObligationSummary& finished(Stream& s) {
    s.checker.finish_obligations();
    return s.checker.obligations().summary();
}

/// The kept entry of the first call for (cpu, property).
const check::ObligationEntry& entry(const check::ObligationSummary& sum, int cpu, Property p) {
    REQUIRE(!sum.kept.empty());
    for (const auto& e : sum.kept.front().entries) {
        if (e.cpu == cpu && e.property == p) {
            return e;
        }
    }
    FAIL("no entry for cpu" << cpu << " " << check::name(p));
    static const check::ObligationEntry none;
    return none;
}

} // namespace

TEST_CASE("obligations: the IPI handler's sync_core discharges G-SC on a CPU running the mm",
          "[check][obligations]") {
    Stream s;
    s.emit(10, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {})); // t1 in jit on cpu1
    call(s, kernel::BarrierCall::sync_core, [&] {
        // cpu1 takes the IPI: its first [FB] since t_a is the handler's smp_mb (130), its first
        // [SER] the handler's sync_core (140); the IRET back to user (150) comes after both.
        s.emit(120, 1, t1, rec::kernel_entry(by_interrupt, jit));
        s.emit(130, 1, t1, rec::smp_mb({}), Fn::ipi_sync_core);
        s.emit(140, 1, t1, rec::sync_core(iret_to_self, {}), Fn::ipi_sync_core);
        s.emit(150, 1, t1, rec::return_to_user(iret, jit, rec::no_tlb_gen, {}), Fn::irqentry_exit);
    });
    const auto& sum = finished(s);
    CHECK(s.count(Property::g_sc) == 0);
    CHECK(sum.calls == 1);
    // G-SC: only cpu1 had a thread of jit other than t0 (t1, in user mode at t_r=300).
    CHECK(sum.of(Property::g_sc).discharged == 1);
    CHECK(sum.of(Property::g_sc).not_needed == 1); // cpu0: no other thread of jit ran there
    const auto& sc = entry(sum, 1, Property::g_sc);
    CHECK(sc.status == ObligationStatus::discharged);
    CHECK(sc.by.time == 140);
    CHECK(sc.by.kind_name() == "sync_core");
    CHECK(sc.by.site_name() == "ipi_sync_core");
    CHECK(sc.needed_at == 300); // t1's user code was running at t_r
    CHECK(sc.needed_by == "t1");
    // G-MB on cpu1: t1's user code ran across t_a (from 10); the handler's smp_mb at 130.
    const auto& mb = entry(sum, 1, Property::g_mb);
    CHECK(mb.status == ObligationStatus::discharged);
    CHECK(mb.by.time == 130);
    CHECK(mb.by.kind_name() == "smp_mb");
    CHECK(mb.needed_at == 10);
    // G-SC-SELF: t0's return on cpu0 at 300, after its own handler's sync_core at 150.
    CHECK(entry(sum, 0, Property::g_sc_self).by.time == 150);
    // Both sync_cores (150 on cpu0, 140 on cpu1) discharged something.
    CHECK(sum.sync_cores == 2);
    CHECK(sum.sync_cores_unneeded == 0);
    CHECK(s.checker.obligations().discharged(Property::g_sc, 1) == 1);
    CHECK(s.checker.obligations().discharged(Property::g_sc, 0) == 0);
}

TEST_CASE("obligations: a CR3 write in switch_mm_irqs_off discharges G-SC before "
          "finish_task_switch's sync_core, which then discharges none",
          "[check][obligations]") {
    Stream s;
    call(s, kernel::BarrierCall::sync_core);
    // cpu1 switches from the kernel thread to t1 after t_r: rq lock (an [FB]), CR3 write (the
    // first [SER] on cpu1 since t_a=100), sync_core, then t1's return to user.
    s.emit(400, 1, kthread, rec::atomic(kernel::AtomicOp::rq_lock, -1, 1, {}), Fn::__schedule);
    s.emit(420, 1, kthread, rec::cr3_write(jit, 0, false, rec::no_tlb_gen, {}),
           Fn::switch_mm_irqs_off);
    s.emit(430, 1, t1, rec::sync_core(iret_to_self, {}), Fn::finish_task_switch);
    const std::uint64_t late_sync = s.seq;
    s.emit(440, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}),
           Fn::exit_to_user_mode);
    const auto& sum = finished(s);
    const auto& sc = entry(sum, 1, Property::g_sc);
    CHECK(sc.status == ObligationStatus::discharged);
    CHECK(sc.by.kind_name() == "write_cr3");
    CHECK(sc.by.site_name() == "switch_mm_irqs_off");
    CHECK(sc.needed_at == 440); // t1's first user instruction after t_r
    // G-MB on cpu1 materialised at 440 too; its first [FB] since t_a was the rq lock at 400.
    const auto& mb = entry(sum, 1, Property::g_mb);
    CHECK(mb.by.kind_name() == "atomic.rq_lock");
    CHECK(mb.by.site_name() == "__schedule");
    // Two sync_cores: cpu0's at 150 discharged G-SC-SELF; cpu1's at 430 was no call's first
    // [SER] on cpu1 (the CR3 write at 420 was), so it discharged nothing.
    CHECK(sum.sync_cores == 2);
    CHECK(sum.sync_cores_unneeded == 1);
    CHECK(sum.unneeded_at[0] == 1); // sync_core_sites[0] is finish_task_switch
    CHECK(sum.unneeded_seqs == std::vector<std::uint64_t>{late_sync});
    CHECK(s.checker.obligations().unneeded(1) == 1);
    // The breakdown: one G-SC by write_cr3 [switch_mm_irqs_off].
    bool found = false;
    for (const auto& d : sum.by) {
        if (d.property == Property::g_sc) {
            CHECK(d.kind == "write_cr3");
            CHECK(d.site == "switch_mm_irqs_off");
            CHECK(d.count == 1);
            found = true;
        }
    }
    CHECK(found);
}

TEST_CASE("obligations: a scheduler-path sync_core with no SYNC_CORE call discharges no G-SC",
          "[check][obligations]") {
    Stream s;
    // A PRIVATE_EXPEDITED call owes G-MB only: no call waits for a [SER].
    call(s, kernel::BarrierCall::private_expedited);
    s.emit(400, 1, t1, rec::sync_core(iret_to_self, {}), Fn::finish_task_switch);
    s.emit(410, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    // Known at once, before the end of the run: nothing was waiting on cpu1 for a [SER].
    CHECK(s.checker.obligations().summary().sync_cores_unneeded == 1);
    const auto& sum = finished(s);
    CHECK(sum.sync_cores == 1);
    CHECK(sum.sync_cores_unneeded == 1);
    // The sync_core is also an [FB]: the first on cpu1 since t_a, so G-MB's discharger (t1's
    // return at 410 needed one). ser.sync_core.unneeded is about [SER] obligations only.
    const auto& mb = entry(sum, 1, Property::g_mb);
    CHECK(mb.by.kind_name() == "sync_core");
    CHECK(sum.of(Property::g_sc).discharged == 0);
    CHECK(sum.of(Property::g_sc).not_needed == 0); // not owed at all
}

TEST_CASE("obligations: G-MB is discharged by the IPI's smp_mb or by a locked operation",
          "[check][obligations]") {
    SECTION("smp_mb in ipi_mb, on user code running across the call") {
        Stream s;
        s.emit(10, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        call(s, kernel::BarrierCall::private_expedited, [&] {
            s.emit(120, 1, t1, rec::kernel_entry(by_interrupt, jit));
            s.emit(130, 1, t1, rec::smp_mb({}), Fn::ipi_mb);
            s.emit(140, 1, t1, rec::return_to_user(iret, jit, rec::no_tlb_gen, {}));
        });
        const auto& sum = finished(s);
        CHECK(s.count(Property::g_mb) == 0);
        CHECK(sum.of(Property::g_mb).discharged == 1); // cpu1
        CHECK(sum.of(Property::g_mb).not_needed == 1); // cpu0: only t0 ran jit there
        const auto& mb = entry(sum, 1, Property::g_mb);
        CHECK(mb.by.kind_name() == "smp_mb");
        CHECK(mb.by.site_name() == "ipi_mb");
        CHECK(mb.by.time == 130);
        CHECK(sum.sync_cores == 0);
    }
    SECTION("an mmdrop on the switch into the mm, after the call") {
        Stream s;
        call(s, kernel::BarrierCall::private_expedited);
        s.emit(400, 1, t1, rec::atomic(kernel::AtomicOp::mmdrop, jit, 1, {}),
               Fn::finish_task_switch);
        s.emit(410, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
        const auto& mb = entry(finished(s), 1, Property::g_mb);
        CHECK(mb.by.kind_name() == "atomic.mmdrop");
        CHECK(mb.by.site_name() == "finish_task_switch");
        CHECK(mb.needed_at == 410);
    }
}

TEST_CASE("obligations: an obligation that never materialises credits nothing",
          "[check][obligations]") {
    // cpu1's sync_core at 350 is the call's first [SER] there, but no thread of jit runs on
    // cpu1 afterwards: G-SC on cpu1 was not needed, and the sync_core discharged nothing.
    SECTION("known at the end of the run") {
        Stream s;
        call(s, kernel::BarrierCall::sync_core);
        s.emit(350, 1, kthread, rec::sync_core(iret_to_self, {}), Fn::finish_task_switch);
        CHECK(s.checker.obligations().summary().sync_cores_unneeded == 0); // still open
        const auto& sum = finished(s);
        CHECK(sum.sync_cores_unneeded == 1);
        // Kept as "not needed on cpu1" (G-MB: no other thread of jit ran on cpu1 after t_a
        // either; cpu0 ran only the caller), not as an entry.
        CHECK(sum.of(Property::g_sc).not_needed == 2); // cpu0 and cpu1
        CHECK(sum.kept.front().not_needed[1] == std::vector<int>{0, 1});
        CHECK(sum.kept.front().not_needed[0] == std::vector<int>{0, 1});
        for (const auto& e : sum.kept.front().entries) {
            CHECK(e.property == Property::g_sc_self); // the only one that materialised
        }
    }
    SECTION("known when the mm is freed: none of its user code runs again") {
        Stream s;
        call(s, kernel::BarrierCall::sync_core);
        s.emit(350, 1, kthread, rec::sync_core(iret_to_self, {}), Fn::finish_task_switch);
        s.emit(400, 0, t0, rec::mm_free(jit, 0));
        CHECK(s.checker.obligations().summary().sync_cores_unneeded == 1);
    }
}

TEST_CASE("obligations: a violated obligation credits no later [SER]", "[check][obligations]") {
    Stream s;
    call(s, kernel::BarrierCall::sync_core);
    s.emit(350, 1, t1, rec::smp_mb({}), Fn::switch_mm_irqs_off); // an [FB], not a [SER]
    s.emit(400, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    s.emit(500, 1, t1, rec::sync_core(iret_to_self, {}), Fn::finish_task_switch);
    const auto& sum = finished(s);
    CHECK(s.count(Property::g_sc) == 1);
    CHECK(sum.of(Property::g_sc).violated == 1);
    CHECK(sum.of(Property::g_sc).discharged == 0);
    CHECK(entry(sum, 1, Property::g_sc).needed_at == 400);
    // G-MB on cpu1 held: the smp_mb at 350 preceded t1's return at 400.
    CHECK(entry(sum, 1, Property::g_mb).by.time == 350);
    // cpu0's sync_core (150) discharged G-SC-SELF; cpu1's (500) came after the violation.
    CHECK(sum.sync_cores_unneeded == 1);
}

TEST_CASE("obligations: calls beyond the ones kept in full are counted like them (the pooled "
          "G-MB obligations)",
          "[check][obligations]") {
    // 70 PRIVATE_EXPEDITED calls by t0 on cpu0; after each call's t_a, cpu1 (no user code of jit
    // yet) has one [FB]: an rq_lock for the even calls, an smp_mb in switch_mm_irqs_off for the
    // odd ones. The first 64 calls are kept in full; the last 6 are pooled once cpu1's [FB]
    // comes. Then t1 returns to user mode of jit on cpu1: every call's G-MB there materialises,
    // discharged by its own first [FB] on cpu1.
    Stream s;
    constexpr int calls = 70;
    for (int i = 0; i < calls; ++i) {
        const std::int64_t t = 1000 * (i + 1);
        s.emit(t, 0, t0,
               rec::barrier_call_start(kernel::BarrierCall::private_expedited, jit, -1, i + 1));
        s.emit(t, 0, t0, rec::smp_mb({}), Fn::membarrier_private_expedited);
        if (i % 2 == 0) {
            s.emit(t + 10, 1, kthread, rec::atomic(kernel::AtomicOp::rq_lock, -1, 1, {}),
                   Fn::__schedule);
        } else {
            s.emit(t + 10, 1, kthread, rec::smp_mb({}), Fn::switch_mm_irqs_off);
        }
        s.emit(t + 20, 0, t0, rec::smp_mb({}), Fn::membarrier_private_expedited);
        s.emit(t + 20, 0, t0, rec::barrier_call_end(i + 1));
        s.emit(t + 30, 0, t0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    }
    s.emit(100000, 1, t1, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    const auto& sum = finished(s);
    CHECK(sum.calls == calls);
    CHECK(sum.kept.size() == check::ObligationSummary::max_calls);
    CHECK(s.count(Property::g_mb) == 0);
    // cpu1: all 70 discharged, 35 by each kind of [FB]; cpu0: only t0 ran jit, none needed.
    CHECK(sum.of(Property::g_mb).discharged == calls);
    CHECK(s.checker.obligations().discharged(Property::g_mb, 1) == calls);
    CHECK(s.checker.obligations().discharged(Property::g_mb, 0) == 0);
    CHECK(sum.of(Property::g_mb).not_needed == calls);
    std::int64_t by_rq_lock = 0, by_smp_mb = 0;
    for (const auto& d : sum.by) {
        if (d.property != Property::g_mb) {
            continue;
        }
        by_rq_lock += d.kind == "atomic.rq_lock" && d.site == "__schedule" ? d.count : 0;
        by_smp_mb += d.kind == "smp_mb" && d.site == "switch_mm_irqs_off" ? d.count : 0;
    }
    CHECK(by_rq_lock == calls / 2);
    CHECK(by_smp_mb == calls / 2);
}

TEST_CASE("obligations: pooled G-MB obligations that never materialise are not needed",
          "[check][obligations]") {
    // As above, but t1 never runs jit: on both CPUs, all 70 obligations are not needed.
    Stream s;
    constexpr int calls = 70;
    for (int i = 0; i < calls; ++i) {
        const std::int64_t t = 1000 * (i + 1);
        s.emit(t, 0, t0,
               rec::barrier_call_start(kernel::BarrierCall::private_expedited, jit, -1, i + 1));
        s.emit(t, 0, t0, rec::smp_mb({}), Fn::membarrier_private_expedited);
        s.emit(t + 10, 1, kthread, rec::smp_mb({}), Fn::switch_mm_irqs_off);
        s.emit(t + 20, 0, t0, rec::barrier_call_end(i + 1));
        s.emit(t + 30, 0, t0, rec::return_to_user(sysret, jit, rec::no_tlb_gen, {}));
    }
    const auto& sum = finished(s);
    CHECK(sum.of(Property::g_mb).discharged == 0);
    CHECK(sum.of(Property::g_mb).not_needed == 2 * calls);
}
