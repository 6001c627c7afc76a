// switch_mm_irqs_off() and choose_new_asid() (arch/x86/mm/tlb.c, v5.10.13) branch by branch, as
// components: each case sets cpu_tlbstate up with direct calls on the ArchRig (no scenario, no
// scheduler), makes one switch, and reads what it left. The scenario-driven cases in
// switch_mm_test.cpp are the integration level of the same branches.

#include "kernel/arch_rig.h"
#include "kernel/record_kinds.h"

#include <algorithm>

namespace {

using kernel::AtomicOp;
using kernel::Mm;
using kernel::Record;
using kernel::RecordKind;
using test::ArchRig;

/// switch_mm_irqs_off(prev, next, tsk) on `cpu` as `t`, records kept from this call only.
void switch_to(ArchRig& rig, int cpu, kernel::Task& t, Mm& next) {
    rig.run_on(cpu, t, [&](arch_x86::Machine& m) {
        arch_x86::switch_mm_irqs_off(m, cpu, nullptr, &next, &t);
    });
}

/// context_switch() to kernel thread `t`: it borrows the loaded mm as its active_mm ("user ->
/// kernel lazy + mmgrab() active"), then enter_lazy_tlb().
void enter_lazy(ArchRig& rig, int cpu, kernel::Task& t) {
    t.active_mm = rig.m.cpu(cpu).tlb.loaded_mm;
    rig.run_on(cpu, t, [&](arch_x86::Machine& m) { arch_x86::enter_lazy_tlb(m, cpu, nullptr); });
}

std::size_t atomics(const ArchRig& rig, AtomicOp op) {
    std::size_t n = 0;
    for (const Record& r : rig.of_kind(RecordKind::atomic)) {
        n += kernel::rec::atomic_op(r) == op ? 1 : 0;
    }
    return n;
}

/// The one CR3 write of the last call: whether it flushed, and the PCID.
struct Cr3 {
    bool flush;
    std::int64_t pcid;
};
Cr3 only_cr3_write(const ArchRig& rig) {
    const auto writes = rig.of_kind(RecordKind::cr3_write);
    REQUIRE(writes.size() == 1);
    return {kernel::rec::cr3_flushes(writes[0]), kernel::rec::cr3_pcid(writes[0])};
}

/// Two processes a and b with a thread each, on a rig built with `config`.
struct TwoProcesses {
    explicit TwoProcesses(test::ArchRigConfig config = {})
        : rig(std::move(config)), a(rig.user_mm("a")), b(rig.user_mm("b")), ta(rig.task("ta", &a)),
          tb(rig.task("tb", &b)) {}
    /// CPU 0 runs ta, then tb; the records of the next calls only are kept.
    void a_then_b() {
        switch_to(rig, 0, ta, a);
        switch_to(rig, 0, tb, b);
        rig.clear();
    }
    ArchRig rig;
    Mm& a;
    Mm& b;
    kernel::Task& ta;
    kernel::Task& tb;
};

} // namespace

TEST_CASE("switch_mm_irqs_off: a new mm takes the next free ASID slot and flushes it") {
    ArchRig rig;
    Mm& a = rig.user_mm("a");
    auto& t = rig.task("t", &a);
    switch_to(rig, 0, t, a);
    // From init_mm (slot 0): choose_new_asid finds no slot with a's ctx_id and takes next_asid 1,
    // which must be flushed; the CR3 PCID is kern_pcid(1) = 2.
    const Cr3 w = only_cr3_write(rig);
    CHECK(w.flush);
    CHECK(w.pcid == 2);
    // cpumask_clear_cpu is skipped for init_mm; cpumask_set_cpu for a, and no smp_mb.
    CHECK(atomics(rig, AtomicOp::cpumask_clear_cpu) == 0);
    CHECK(atomics(rig, AtomicOp::cpumask_set_cpu) == 1);
    CHECK(rig.count(RecordKind::smp_mb) == 0);
    CHECK(a.cpumask.test(0));
    CHECK(rig.m.cpu(0).tlb.loaded_mm == &a);
    CHECK(rig.m.cpu(0).tlb.loaded_mm_asid == 1);
}

TEST_CASE("write_cr3: a flushing write's TLB refill is its own record, right after the write") {
    TwoProcesses p;
    auto& [rig, a, b, ta, tb] = p;
    switch_to(rig, 0, ta, a);
    // A fresh slot: the write flushes. Its record costs the MOV to CR3 alone (cost model
    // cr3_write, 200); the refill (tlb_refill, 1000) follows as a tlb_refill record on the same
    // CPU at the same instant, with nothing in between: the CPU spends both in one step.
    const auto write = std::find_if(rig.records.begin(), rig.records.end(), [](const Record& r) {
        return r.kind == RecordKind::cr3_write;
    });
    REQUIRE(write != rig.records.end());
    REQUIRE(write + 1 != rig.records.end());
    const Record& refill = *(write + 1);
    CHECK(kernel::rec::cr3_flushes(*write));
    CHECK(write->cost.count() == 200);
    CHECK(refill.kind == RecordKind::tlb_refill);
    CHECK(refill.cost.count() == 1000);
    CHECK(refill.cpu == write->cpu);
    CHECK(refill.time == write->time);
    CHECK(refill.seq == write->seq + 1);
    CHECK(refill.mm == a.id);
    CHECK(kernel::rec::cr3_pcid(refill) == kernel::rec::cr3_pcid(*write));
    CHECK_FALSE(kernel::is_serializing(refill));
    CHECK_FALSE(kernel::is_full_barrier(refill));
    rig.clear();
    switch_to(rig, 0, tb, b);
    rig.clear();
    switch_to(rig, 0, ta, a);
    // Back to a's current slot: NOFLUSH, nothing to refill.
    CHECK_FALSE(only_cr3_write(rig).flush);
    CHECK(rig.count(RecordKind::tlb_refill) == 0);
}

TEST_CASE("switch_mm_irqs_off: back to an mm whose slot is current writes CR3 with NOFLUSH") {
    TwoProcesses p;
    p.a_then_b();
    auto& [rig, a, b, ta, tb] = p;
    switch_to(rig, 0, ta, a);
    // Slot 1 still holds a's ctx_id at a's tlb_gen: no flush, same PCID as before.
    const Cr3 w = only_cr3_write(rig);
    CHECK_FALSE(w.flush);
    CHECK(w.pcid == 2);
    // Leaving b clears b's bit; a's is set again.
    CHECK(atomics(rig, AtomicOp::cpumask_clear_cpu) == 1);
    CHECK(atomics(rig, AtomicOp::cpumask_set_cpu) == 1);
    CHECK_FALSE(b.cpumask.test(0));
}

TEST_CASE("switch_mm_irqs_off: back to an mm whose slot fell behind its tlb_gen flushes it") {
    TwoProcesses p;
    p.a_then_b();
    auto& [rig, a, b, ta, tb] = p;
    ++a.tlb_gen; // a flush of a while CPU 0 ran b (b's CPU was not in a's mm_cpumask)
    switch_to(rig, 0, ta, a);
    const Cr3 w = only_cr3_write(rig);
    CHECK(w.flush);
    CHECK(w.pcid == 2);
    CHECK(rig.m.cpu(0).tlb.ctxs[1].tlb_gen == a.tlb_gen);
}

TEST_CASE("switch_mm_irqs_off: the same mm, not lazy, returns at once") {
    ArchRig rig;
    Mm& a = rig.user_mm("a");
    auto& t = rig.task("t", &a);
    switch_to(rig, 0, t, a);
    rig.clear();
    switch_to(rig, 0, t, a);
    // A switch between threads of one process: no barrier, no CR3 write, no cpumask update.
    CHECK(rig.count(RecordKind::switch_mm_same) == 1);
    CHECK(rig.count(RecordKind::cr3_write) == 0);
    CHECK(rig.count(RecordKind::smp_mb) == 0);
    CHECK(rig.count(RecordKind::atomic) == 0);
}

TEST_CASE("switch_mm_irqs_off: the lazily loaded mm, up to date, costs one smp_mb and no CR3") {
    ArchRig rig;
    Mm& a = rig.user_mm("a");
    auto& t = rig.task("t", &a);
    auto& kthread = rig.task("k", nullptr);
    switch_to(rig, 0, t, a);
    enter_lazy(rig, 0, kthread);
    CHECK(rig.m.cpu(0).tlb.is_lazy);
    rig.clear();
    switch_to(rig, 0, t, a);
    // "The barrier synchronizes with the tlb_gen increment in the TLB shootdown code."
    CHECK(rig.count(RecordKind::smp_mb) == 1);
    CHECK(rig.count(RecordKind::cr3_write) == 0);
    CHECK(rig.count(RecordKind::switch_mm_same) == 0);
    CHECK_FALSE(rig.m.cpu(0).tlb.is_lazy);
}

TEST_CASE("switch_mm_irqs_off: the lazily loaded mm gone stale flushes on the same ASID") {
    ArchRig rig;
    Mm& a = rig.user_mm("a");
    auto& t = rig.task("t", &a);
    auto& kthread = rig.task("k", nullptr);
    switch_to(rig, 0, t, a);
    enter_lazy(rig, 0, kthread);
    ++a.tlb_gen; // a flush skipped this lazy CPU
    rig.clear();
    switch_to(rig, 0, t, a);
    CHECK(rig.count(RecordKind::smp_mb) == 1);
    const Cr3 w = only_cr3_write(rig);
    CHECK(w.flush);
    CHECK(w.pcid == 2);
    CHECK(rig.m.cpu(0).tlb.loaded_mm_asid == 1);
}

TEST_CASE("choose_new_asid: a seventh mm evicts the slot next_asid points at, round robin") {
    ArchRig rig;
    std::vector<Mm*> mms;
    std::vector<kernel::Task*> tasks;
    for (int i = 0; i < 7; ++i) {
        mms.push_back(&rig.user_mm("m" + std::to_string(i)));
        tasks.push_back(&rig.task("t" + std::to_string(i), mms.back()));
    }
    for (int i = 0; i < arch_x86::TLB_NR_DYN_ASIDS; ++i) {
        switch_to(rig, 0, *tasks[static_cast<std::size_t>(i)], *mms[static_cast<std::size_t>(i)]);
    }
    // Slots 1..5 went to m0..m4, then next_asid wrapped to 0: m5 took slot 0 (init_mm's).
    CHECK(rig.m.cpu(0).tlb.loaded_mm_asid == 0);
    rig.clear();
    switch_to(rig, 0, *tasks[6], *mms[6]);
    CHECK(rig.m.cpu(0).tlb.loaded_mm_asid == 1); // evicts m0
    CHECK(only_cr3_write(rig).flush);
    rig.clear();
    switch_to(rig, 0, *tasks[0], *mms[0]);
    // m0 lost its slot: a new one (2, m1's), flushed.
    CHECK(rig.m.cpu(0).tlb.loaded_mm_asid == 2);
    CHECK(only_cr3_write(rig).flush);
}

TEST_CASE("switch_mm_irqs_off without PCID: every switch to another mm flushes, PCID 0") {
    TwoProcesses p({.pcid = false});
    p.a_then_b();
    switch_to(p.rig, 0, p.ta, p.a);
    auto& rig = p.rig;
    const Cr3 w = only_cr3_write(rig);
    CHECK(w.flush);
    CHECK(w.pcid == 0);
}

TEST_CASE("switch_mm_irqs_off under mainline: the bit of the mm left lingers") {
    TwoProcesses p({.policy = "mainline"});
    auto& [rig, a, b, ta, tb] = p;
    switch_to(rig, 0, ta, a);
    rig.clear();
    switch_to(rig, 0, tb, b);
    // v6.14+ (83b0177a6c48): no cpumask_clear_cpu for a; b's bit was clear, so it is set.
    CHECK(atomics(rig, AtomicOp::cpumask_clear_cpu) == 0);
    CHECK(atomics(rig, AtomicOp::cpumask_set_cpu) == 1);
    CHECK(a.cpumask.test(0));
    rig.clear();
    switch_to(rig, 0, ta, a);
    // a's bit is still set: no atomic, an explicit smp_mb() orders the tlb_gen read instead.
    CHECK(rig.count(RecordKind::atomic) == 0);
    CHECK(rig.count(RecordKind::smp_mb) == 1);
}
