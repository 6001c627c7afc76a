#include "arch_x86/machine.h"

#include "arch_x86/entry.h"
#include "arch_x86/kernel_memory.h"
#include "arch_x86/memory_search.h"
#include "arch_x86/smp.h"
#include "arch_x86/user_memory.h"
#include "kernel/record_kinds.h"
#include "sim/panic.h"

#include <fmt/format.h>

namespace arch_x86 {

using kernel::Record;
namespace rec = kernel::rec;

namespace {

/// The RNG streams of the kernel stores' buffer times, one per CPU (the engine's CPUs use 0..n-1).
constexpr std::uint64_t kernel_store_stream = 0x5342'0000; // "SB"

} // namespace

Machine::Machine(sim::Simulation& s, kernel::KernelState& k, kernel::Trace& t,
                 const policy::Knobs& kn, const kernel::CostModel& c, const scenario::Machine& cfg)
    : sim(s), ks(k), trace(t), knobs(kn), costs(c), config(cfg) {
    cpus.resize(static_cast<std::size_t>(s.cpus()));
    for (int i = 0; i < s.cpus(); ++i) {
        cpus[static_cast<std::size_t>(i)].id = i;
        cpus[static_cast<std::size_t>(i)].kernel_store_rng =
            sim::Rng(s.config().seed, kernel_store_stream + static_cast<std::uint64_t>(i));
    }
    s.set_interrupt_handler(this);
}

void Machine::emit(int c, Record r) {
    if (sim.finishing()) {
        // The last task's exit ended the run (finish_task_switch); the idle loop it switched to
        // runs on until its first suspension, past the end: nothing it does counts.
        return;
    }
    X86Cpu& x = cpu(c);
    if (!x.store_buffer.empty() && kernel::is_full_barrier(r)) {
        // A LOCK-prefixed RMW, MFENCE or serializing instruction waits for the store buffer to
        // drain (docs/memory-model.md): its stores reach memory before the barrier's record.
        drain_store_buffer(*this, c);
    }
    r.seq = sim.next_record_seq();
    r.time = sim.now();
    r.cpu = c;
    if (x.current != nullptr) {
        r.task = x.current->id;
        if (!x.current->callstack.empty()) {
            r.site = static_cast<kernel::Fn>(x.current->callstack.back());
        }
        r.path = trace.intern_path(x.current->callstack);
    }
    trace.emit(r);
}

void Machine::set_rq_membarrier_state(int c, const kernel::Mm* mm) {
    const std::uint32_t state = mm != nullptr ? mm->membarrier_state : 0;
    store_rq_membarrier_state(*this, c, state);
    emit(c, rec::rq_membarrier_state(mm != nullptr ? mm->id : -1, state));
}

sim::Cycles Machine::draw(int c, kernel::Cost cost) {
    return sim.cpu(c).jittered(sim::Cycles{costs[cost]});
}

void Machine::step(int c, kernel::Cost cost) {
    sim.cpu(c).advance(draw(c, cost));
}

void Machine::smp_mb(int c, const kernel::Record* then) {
    const sim::Cycles d = draw(c, kernel::Cost::smp_mb);
    emit(c, rec::smp_mb(d));
    if (then != nullptr) {
        emit(c, *then);
    }
    sim.cpu(c).advance(d);
}

void Machine::atomic(int c, kernel::AtomicOp op, const kernel::Mm* mm, std::int64_t value) {
    const sim::Cycles d = draw(c, kernel::Cost::atomic);
    emit(c, rec::atomic(op, mm != nullptr ? mm->id : -1, value, d));
    sim.cpu(c).advance(d);
}

void Machine::mov_to_cr3(int c, kernel::Cost insn, int mm, std::uint16_t pcid, bool flushes,
                         std::int64_t ctx_gen) {
    // Both drawn before either record, the instruction's first: the order and number of draws
    // that fix every later time.
    const sim::Cycles write = draw(c, insn);
    const sim::Cycles refill = flushes ? draw(c, kernel::Cost::tlb_refill) : sim::Cycles::zero();
    emit(c, rec::cr3_write(mm, pcid, flushes, ctx_gen, write));
    if (flushes) {
        emit(c, rec::tlb_refill(mm, pcid, refill));
    }
    // One step: an interrupt cannot land between the write and its refill.
    sim.cpu(c).advance(write + refill);
}

void Machine::local_irq_disable(int c) {
    sim.cpu(c).set_irqs_enabled(false);
}

void Machine::local_irq_enable(int c) {
    sim.cpu(c).set_irqs_enabled(true);
    sim.cpu(c).take_interrupts();
}

bool Machine::local_irq_save(int c) {
    const bool was_enabled = sim.cpu(c).irqs_enabled();
    local_irq_disable(c);
    return was_enabled;
}

void Machine::local_irq_restore(int c, bool flags) {
    if (flags) {
        local_irq_enable(c);
    }
}

void Machine::take_interrupts(sim::Processor& p) {
    const int c = p.id();
    const sim::InterruptRequest req = p.pending().front();
    if (search_holds_interrupt(*this, c, req)) {
        p.set_irqs_enabled(false); // pending until the waiting thread proceeds
        return;
    }
    p.pending().pop_front();
    // A CALL_FUNCTION IPI that finds the buffer holding a store (a kernel one too, say rq->curr
    // after a switch) had the hold's choice; one that finds it empty offers the choice after its
    // handler, when that CPU's thread waits in the search (arch_x86/memory_search.h).
    MemorySearch::Turn* chooses_after = search_choice_after_handler(*this, c, req);
    handle_interrupt(*this, c, req);
    if (chooses_after != nullptr) {
        chooses_after->interrupted = true;
    }
}

void Machine::arm_tick(int c) {
    X86Cpu& x = cpu(c);
    if (config.timeslice <= 0 || x.tick_armed) {
        return;
    }
    // The tick runs at multiples of the timeslice while the CPU runs a task (NO_HZ idle: an idle
    // CPU has no tick).
    const std::int64_t now = sim.now().count();
    const std::int64_t next = (now / config.timeslice + 1) * config.timeslice;
    x.tick_armed = true;
    x.tick_timer = sim.arm_timer(c, sim::Cycles{next}, TICK_VECTOR, 0);
}

void Machine::stop_tick(int c) {
    X86Cpu& x = cpu(c);
    x.tick_armed = false;
    sim.cancel_timer(x.tick_timer);
}

namespace {

/// One CPU's ASID slots: "asid:ctx_id@tlb_gen" for each slot in use.
std::string asid_slots(const CpuTlbState& tlb) {
    std::string s;
    for (std::size_t asid = 0; asid < tlb.ctxs.size(); ++asid) {
        if (tlb.ctxs[asid].ctx_id != 0) {
            s += fmt::format(" {}:{}@{}", asid, tlb.ctxs[asid].ctx_id, tlb.ctxs[asid].tlb_gen);
        }
    }
    return s;
}

std::string mm_line(const kernel::Mm& mm) {
    std::string cpus;
    mm.cpumask.for_each(
        [&cpus](int c) { cpus += fmt::format("{}{}", cpus.empty() ? "" : ",", c); });
    return fmt::format("  mm {} (ctx_id {}): mm_users {}, mm_count {}, tlb_gen {}, mm_cpumask "
                       "{{{}}}{}{}\n",
                       mm.name, mm.ctx_id, mm.mm_users, mm.mm_count, mm.tlb_gen, cpus,
                       mm.torn_down ? ", torn down" : "", mm.freed ? ", freed" : "");
}

} // namespace

std::string Machine::dump() const {
    std::string s;
    for (const auto& x : cpus) {
        const auto& r = ks.rqs[static_cast<std::size_t>(x.id)];
        s += fmt::format(
            "  cpu{}: {} mode, current {}, rq->curr {}, loaded_mm {}{}{}, asid {}, "
            "{} runnable, need_resched {}, ASID slots (asid:ctx_id@tlb_gen){}\n",
            x.id, x.mode == Mode::user ? "user" : "kernel",
            x.current != nullptr ? x.current->name : "-", r.curr != nullptr ? r.curr->name : "-",
            x.tlb.loaded_mm != nullptr ? x.tlb.loaded_mm->name : "-",
            x.tlb.is_lazy ? " (lazy)" : "", x.tlb.loaded_mm_switching ? " (switching)" : "",
            x.tlb.loaded_mm_asid, r.runnable.size(), r.need_resched, asid_slots(x.tlb));
    }
    for (const auto& mm : ks.mms) {
        s += mm_line(*mm);
    }
    for (const auto& t : ks.tasks) {
        if (t->state == kernel::TaskState::interruptible ||
            t->state == kernel::TaskState::uninterruptible) {
            s += fmt::format("  task {} blocked on cpu{}\n", t->name, t->cpu);
        }
    }
    return s;
}

KFrame::KFrame(Machine& m, int cpu, kernel::Fn fn) : task_(m.current(cpu)) {
    SIM_ASSERT(task_ != nullptr, "kernel function {} entered on cpu{} with no current task",
               kernel::fn_name(fn), cpu);
    const auto site = static_cast<kernel::SiteId>(fn);
    task_->callstack.push(site, m.trace.path_node(task_->callstack.node(), site));
}

KFrame::~KFrame() {
    task_->callstack.pop();
}

} // namespace arch_x86
