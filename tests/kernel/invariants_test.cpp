// The run-time invariants (kernel/invariants.h, docs/invariants.md): each check passes on a
// consistent hand-made state and names what is wrong in a state that breaks its rule, and the
// end-of-run scan attributes each breakage to the right invariant.

#include "arch_x86/tlb_invariants.h"
#include "kernel/invariants.h"
#include "sched/sched_invariants.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

namespace {

using kernel::Invariant;
using kernel::Mm;
using kernel::Task;
using kernel::TaskState;

/// Two CPUs: cpu0 runs a thread `a` of process p (ASID 1, up to date) with its sibling `b` queued
/// behind it; cpu1 idles lazily on p (ASID 1, one generation behind), its idle task holding p by
/// active_mm. Every invariant holds.
struct State {
    kernel::KernelState ks;
    std::vector<arch_x86::X86Cpu> cpus;
    Mm* init_mm = nullptr;
    Mm* p = nullptr;
    Task* a = nullptr;
    Task* b = nullptr;
    Task* idle0 = nullptr;
    Task* idle1 = nullptr;

    State() {
        ks.rqs.resize(2);
        ks.rqs[1].cpu = 1;
        init_mm = &ks.new_mm("init_mm", kernel::MmKind::init_mm, -1);
        p = &ks.new_mm("p", kernel::MmKind::user, 0);
        p->mm_users = 2; // a and b
        p->mm_count = 2; // the users' reference and idle1's lazy one
        p->tlb_gen = 3;
        p->cpumask.set(0);
        p->cpumask.set(1);
        idle0 = &idle_task(0, init_mm);
        idle1 = &idle_task(1, p);
        a = &user_task("a", 0);
        b = &user_task("b", 0);
        cpus.resize(2);
        cpu(0, a, /*lazy=*/false, /*gen=*/3);
        cpu(1, idle1, /*lazy=*/true, /*gen=*/2);
        a->on_cpu = true;
        ks.rqs[0].curr = a;
        ks.rqs[0].runnable.push_back(b);
        idle0->on_cpu = false;
        ks.rqs[1].curr = idle1;
    }

    Task& idle_task(int c, Mm* active_mm) {
        Task& t = ks.new_task("swapper/" + std::to_string(c), /*kthread=*/true);
        t.idle = true;
        t.cpu = c;
        t.state = TaskState::running;
        t.on_rq = true;
        t.on_cpu = true;
        t.active_mm = active_mm;
        ks.rqs[static_cast<std::size_t>(c)].idle = &t;
        return t;
    }

    Task& user_task(const std::string& name, int c) {
        Task& t = ks.new_task(name, /*kthread=*/false);
        t.cpu = c;
        t.state = TaskState::running;
        t.on_rq = true;
        t.mm = t.active_mm = t.process_mm = p;
        return t;
    }

    void cpu(int c, Task* current, bool lazy, std::uint64_t gen) {
        arch_x86::X86Cpu& x = cpus[static_cast<std::size_t>(c)];
        x.id = c;
        x.current = current;
        x.tlb.loaded_mm = p;
        x.tlb.loaded_mm_asid = 1;
        x.tlb.next_asid = 2;
        x.tlb.is_lazy = lazy;
        x.tlb.ctxs[0] = {init_mm->ctx_id, 0};
        x.tlb.ctxs[1] = {p->ctx_id, gen};
    }

    arch_x86::X86Cpu& x(int c) { return cpus[static_cast<std::size_t>(c)]; }
    kernel::Rq& rq(int c) { return ks.rqs[static_cast<std::size_t>(c)]; }

    /// The invariant the end-of-run scan reports, or count_ when it finds nothing.
    Invariant scan() const {
        const auto v = sched::check_machine_state(ks, cpus);
        return v ? v->inv : Invariant::count_;
    }
    std::string scan_text() const {
        const auto v = sched::check_machine_state(ks, cpus);
        return v ? v->what : "";
    }
};

bool mentions(const kernel::InvariantFailure& f, const std::string& text) {
    return f.has_value() && f->find(text) != std::string::npos;
}

} // namespace

TEST_CASE("invariants: one catalogue entry each, with its rule, kernel source and check sites",
          "[invariants]") {
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < kernel::invariant_count; ++i) {
        const kernel::InvariantInfo& info = kernel::invariant_table()[i];
        CHECK(static_cast<std::size_t>(info.id) == i);
        CHECK(names.insert(info.name).second);
        CHECK(!info.rule.empty());
        CHECK(info.source.find('/') != std::string_view::npos); // a kernel file path
        CHECK(!info.checked_at.empty());
    }
    const std::string message =
        kernel::invariant_message(Invariant::tlb_gen_not_ahead, "cpu1 ASID 2 is ahead");
    CHECK(message.rfind("invariant tlb_gen_not_ahead violated: cpu1 ASID 2 is ahead\n", 0) == 0);
    CHECK(message.find("\n  rule: a CPU's tlb_gen for an mm") != std::string::npos);
    CHECK(message.find("\n  kernel: arch/x86/mm/tlb.c flush_tlb_func_common()") !=
          std::string::npos);
}

TEST_CASE("invariants: the hand-made state holds every one", "[invariants]") {
    const State s;
    CHECK(s.scan_text().empty());
    CHECK(s.scan() == Invariant::count_);
}

TEST_CASE("single_current: a task current on two CPUs, or a switch left unfinished",
          "[invariants][single_current]") {
    State s;
    // cpu1 switches to a while a still runs on cpu0 (a's on_cpu is set).
    CHECK(mentions(sched::check_switch_target(1, *s.a), "a, whose on_cpu is still set"));
    CHECK(!sched::check_switch_target(0, *s.b));
    // __switch_to on cpu0 makes b current while rq->curr is still a.
    CHECK(mentions(sched::check_new_current(0, *s.b, s.rq(0)), "rq->curr is a"));
    CHECK(!sched::check_new_current(0, *s.a, s.rq(0)));
    CHECK(!sched::check_switch_finished(s.x(0), s.rq(0)));
    s.rq(0).curr = s.b;
    CHECK(mentions(sched::check_switch_finished(s.x(0), s.rq(0)), "current a but rq->curr b"));
    s.rq(0).curr = s.a;
    s.x(1).current = s.a;
    CHECK(s.scan() == Invariant::single_current);
    CHECK(s.scan_text() == "a is current on cpu0 and cpu1");
}

TEST_CASE("runqueue_membership: queued twice, queued while running, picked off the wrong queue",
          "[invariants][runqueue_membership]") {
    State s;
    CHECK(mentions(sched::check_enqueue(*s.b, s.rq(1)), "b is enqueued on cpu1 while on_rq true"));
    CHECK(mentions(sched::check_enqueue(*s.a, s.rq(0)), "that runqueue's curr"));
    s.b->on_rq = false;
    CHECK(!sched::check_enqueue(*s.b, s.rq(1)));
    s.b->on_rq = true;
    CHECK(!sched::check_requeue_prev(*s.a, s.rq(0)));
    CHECK(mentions(sched::check_requeue_prev(*s.b, s.rq(0)), "requeues b"));
    CHECK(!sched::check_pick(*s.b, s.rq(0)));
    CHECK(mentions(sched::check_pick(*s.b, s.rq(1)), "task_cpu 0"));
    s.b->state = TaskState::dead;
    CHECK(mentions(sched::check_pick(*s.b, s.rq(0)), "dead"));
    CHECK(s.scan() == Invariant::runqueue_membership);
    s.b->state = TaskState::running;
    s.rq(1).runnable.push_back(s.b);
    CHECK(s.scan_text() == "b is queued on cpu0 and on cpu1");
    s.rq(1).runnable.clear();
    s.rq(0).runnable.push_back(s.a);
    CHECK(s.scan() == Invariant::runqueue_membership);
}

TEST_CASE("mm_refcounts: a count below zero, users without the shared reference",
          "[invariants][mm_refcounts]") {
    State s;
    CHECK(!kernel::check_mm_refcounts(*s.p));
    s.p->mm_count = 0; // both users still there
    CHECK(mentions(kernel::check_mm_refcounts(*s.p), "has 2 user(s) but mm_count 0"));
    s.p->mm_users = 0;
    CHECK(!kernel::check_mm_refcounts(*s.p));
    s.p->mm_count = -1;
    CHECK(mentions(kernel::check_mm_refcounts(*s.p), "mm_count -1"));
    s.p->mm_count = 2;
    s.p->mm_users = -1;
    CHECK(s.scan() == Invariant::mm_refcounts);
}

TEST_CASE("mm_tlb_gen_monotonic: an increment that is not +1, a request ahead of the mm",
          "[invariants][mm_tlb_gen_monotonic]") {
    State s;
    CHECK(!arch_x86::check_tlb_gen_increment(*s.p, 2));
    CHECK(mentions(arch_x86::check_tlb_gen_increment(*s.p, 3), "from tlb_gen 3 to 3"));
    CHECK(mentions(arch_x86::check_tlb_gen_increment(*s.p, 4), "from tlb_gen 4 to 3"));
    arch_x86::FlushTlbInfo f;
    f.mm = s.p;
    f.new_tlb_gen = 3;
    CHECK(!arch_x86::check_flush_request_gen(*s.p, f));
    f.new_tlb_gen = 4;
    CHECK(mentions(arch_x86::check_flush_request_gen(*s.p, f), "asks for tlb_gen 4"));
}

TEST_CASE("asid_tlb_gen_monotonic: a slot going back for the same mm, not for a new owner",
          "[invariants][asid_tlb_gen_monotonic]") {
    const arch_x86::TlbContext p_at_3{4, 3};
    CHECK(!arch_x86::check_asid_slot_write(0, 1, p_at_3, {4, 3}));
    CHECK(!arch_x86::check_asid_slot_write(0, 1, p_at_3, {4, 5}));
    CHECK(mentions(arch_x86::check_asid_slot_write(0, 1, p_at_3, {4, 2}),
                   "cpu0 ASID 1 (ctx_id 4) went back from tlb_gen 3 to 2"));
    // choose_new_asid hands the slot to another mm, which is at an older generation.
    CHECK(!arch_x86::check_asid_slot_write(0, 1, p_at_3, {7, 0}));
}

TEST_CASE("tlb_gen_not_ahead: a CPU ahead of its mm", "[invariants][tlb_gen_not_ahead]") {
    State s;
    CHECK(!arch_x86::check_tlb_gen_not_ahead(1, 1, s.x(1).tlb.ctxs[1], *s.p));
    s.x(1).tlb.ctxs[1].tlb_gen = 4;
    CHECK(mentions(arch_x86::check_tlb_gen_not_ahead(1, 1, s.x(1).tlb.ctxs[1], *s.p),
                   "cpu1 ASID 1 is at tlb_gen 4 of mm p"));
    CHECK(s.scan() == Invariant::tlb_gen_not_ahead);
    // A slot that is not loaded counts too: ASID 0 claims init_mm generation 1.
    s.x(1).tlb.ctxs[1].tlb_gen = 2;
    s.x(1).tlb.ctxs[0].tlb_gen = 1;
    CHECK(s.scan() == Invariant::tlb_gen_not_ahead);
}

TEST_CASE("loaded_mm_consistent: the loaded ASID holds another mm, a CPU not in the mm_cpumask",
          "[invariants][loaded_mm_consistent]") {
    State s;
    CHECK(!arch_x86::check_loaded_mm(0, s.x(0).tlb));
    s.p->cpumask.clear(0);
    CHECK(mentions(arch_x86::check_loaded_mm(0, s.x(0).tlb), "not in its mm_cpumask"));
    s.p->cpumask.set(0);
    s.x(0).tlb.loaded_mm_asid = 0;
    CHECK(mentions(arch_x86::check_loaded_mm(0, s.x(0).tlb),
                   "loaded on ASID 0, which holds ctx_id 1"));
    CHECK(s.scan() == Invariant::loaded_mm_consistent);
    // LOADED_MM_SWITCHING: in the middle of switch_mm_irqs_off nothing is settled yet.
    s.x(0).tlb.loaded_mm_switching = true;
    CHECK(s.scan() == Invariant::count_);
    // init_mm is in no mm_cpumask.
    s.x(0).tlb = {};
    s.x(0).tlb.loaded_mm = s.init_mm;
    s.x(0).tlb.ctxs[0] = {s.init_mm->ctx_id, 0};
    CHECK(!arch_x86::check_loaded_mm(0, s.x(0).tlb));
}

TEST_CASE("lazy_mm_referenced: a lazy CPU whose mm nobody holds", "[invariants][lazy]") {
    State s;
    CHECK(!arch_x86::check_lazy_mm_held_by(1, s.x(1).tlb, *s.idle1));
    // The running task borrows another mm: the lazily loaded one has no holder here.
    s.idle1->active_mm = s.init_mm;
    CHECK(mentions(arch_x86::check_lazy_mm_held_by(1, s.x(1).tlb, *s.idle1),
                   "cpu1 is lazy on mm p but its current task swapper/1 has active_mm init_mm"));
    s.idle1->active_mm = s.p;
    s.p->mm_count = 0;
    s.p->mm_users = 0;
    s.p->freed = true;
    CHECK(mentions(arch_x86::check_lazy_mm_held_by(1, s.x(1).tlb, *s.idle1),
                   "mm_count 0 and was freed"));
    CHECK(s.scan() == Invariant::lazy_mm_referenced);
    // Not lazy (cpu0 runs p's thread), or lazy on init_mm: nothing to hold.
    CHECK(!arch_x86::check_lazy_mm_held_by(0, s.x(0).tlb, *s.idle0));
    s.x(1).tlb.loaded_mm = s.init_mm;
    s.x(1).tlb.loaded_mm_asid = 0;
    CHECK(!arch_x86::check_lazy_mm_held_by(1, s.x(1).tlb, *s.idle1));
}

TEST_CASE("switch_mm_irqs_disabled: switch_mm_irqs_off with IRQs on, a local flush with IRQs off",
          "[invariants][irqs]") {
    CHECK(!arch_x86::check_irqs_disabled(0, true, "switch_mm_irqs_off", "entry"));
    CHECK(mentions(arch_x86::check_irqs_disabled(2, false, "switch_mm_irqs_off", "return"),
                   "switch_mm_irqs_off on cpu2 with IRQs on at its return"));
    CHECK(!arch_x86::check_irqs_enabled_for_local_flush(0, false));
    CHECK(mentions(arch_x86::check_irqs_enabled_for_local_flush(0, true), "with IRQs off"));
}
