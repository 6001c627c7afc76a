#include "arch_x86/smp.h"

#include "arch_x86/machine.h"
#include "arch_x86/tlb.h"
#include "kernel/record_kinds.h"
#include "sim/panic.h"

#include <array>

namespace arch_x86 {

using kernel::Cost;
using kernel::Fn;
namespace rec = kernel::rec;

namespace {

int new_call(Machine& m, const SmpCall& request) {
    for (std::size_t i = 0; i < m.smp_calls.size(); ++i) {
        if (!m.smp_calls[i].active) {
            m.smp_calls[i] = request;
            m.smp_calls[i].active = true;
            return static_cast<int>(i);
        }
    }
    m.smp_calls.push_back(request);
    m.smp_calls.back().active = true;
    return static_cast<int>(m.smp_calls.size() - 1);
}

} // namespace

void run_csd_func(Machine& m, int cpu, SmpCall& call) {
    if (call.func == CsdFunc::flush_tlb_func_remote) {
        flush_tlb_func_remote(m, cpu, call.flush);
        return;
    }
    if (call.func == CsdFunc::flush_tlb_func) {
        flush_tlb_func(m, cpu, call.flush);
        return;
    }
    const auto& h = m.csd_handlers[static_cast<std::size_t>(call.func)];
    SIM_ASSERT(static_cast<bool>(h), "no handler installed for csd function {}",
               static_cast<int>(call.func));
    h(m, cpu, call);
}

namespace {

/// Queues call `id` on `target`; returns whether its queue was empty (then it needs a kick).
bool queue_csd(Machine& m, int cpu, sim::CpuId target, int id) {
    m.atomic(cpu, kernel::AtomicOp::llist_add);
    X86Cpu& t = m.cpu(target.index());
    const bool was_empty = t.call_single_queue.empty();
    t.call_single_queue.push_back(id);
    ++m.smp_calls[static_cast<std::size_t>(id)].acks_pending;
    return was_empty;
}

/// x2apic_wrmsr_fence() (v5.10.13 arch/x86/include/asm/apic.h): "mfence" once per send call,
/// before its WRMSR(s) to the ICR, "to make previous memory operations globally visible before
/// sending the IPI". The xAPIC's MMIO ICR write needs none. Since 25a068b8e9a4 (v5.12) it is
/// weak_wrmsr_fence() (arch/x86/include/asm/barrier.h), "mfence; lfence": the LFENCE keeps the
/// WRMSR, which is not serializing for x2APIC MSRs, from starting before the MFENCE completes.
void x2apic_wrmsr_fence(Machine& m, int cpu) {
    if (m.config.apic != scenario::ApicMode::x2apic) {
        return;
    }
    const sim::Cycles d = m.draw(cpu, Cost::mfence);
    m.emit(cpu, rec::mfence(d));
    m.sim.cpu(cpu).advance(d);
    switch (m.knobs.x2apic_ipi_fence) {
    case policy::X2apicIpiFence::mfence:
        break;
    case policy::X2apicIpiFence::mfence_lfence:
        m.step(cpu, Cost::lfence); // neither [SER] nor [FB] (Intel SDM vol. 3A, 9.3): no record
        break;
    }
}

/// One WRMSR (or MMIO write) to the ICR: the CALL_FUNCTION IPI to `target`.
void send_call_function_ipi(Machine& m, int cpu, sim::CpuId target, int id) {
    const sim::Cycles d = m.draw(cpu, Cost::ipi_send);
    m.emit(cpu, rec::ipi_send(m.smp_calls[static_cast<std::size_t>(id)].kind, target.index(), d));
    // The IPI carries only its kind: the handler takes whatever the queue holds when it runs.
    m.sim.send_interrupt(
        {.target = target,
         .sender = sim::CpuId{cpu},
         .at = m.sim.now() + m.draw(cpu, Cost::ipi_latency),
         .vector = CALL_FUNCTION_VECTOR,
         .data = static_cast<std::uint64_t>(m.smp_calls[static_cast<std::size_t>(id)].kind)});
    m.sim.cpu(cpu).advance(d);
}

/// send_call_function_single_ipi() (kernel/sched/core.c): set_nr_if_polling() wakes a polling
/// idle CPU without an IPI; it runs the queue from do_idle with IRQs off, and returns by no IRET.
void send_call_function_single_ipi(Machine& m, int cpu, sim::CpuId target, int id) {
    if (m.cpu(target.index()).polling) {
        m.atomic(cpu, kernel::AtomicOp::set_nr_if_polling);
        m.rq(target.index()).need_resched = true;
        m.sim.cpu(target.index()).wake();
        return;
    }
    // arch_send_call_function_single_ipi() -> x2apic_send_IPI(): the fence, one WRMSR.
    KFrame frame(m, cpu, Fn::x2apic_send_IPI);
    x2apic_wrmsr_fence(m, cpu);
    send_call_function_ipi(m, cpu, target, id);
}

/// arch_send_call_function_ipi_mask() -> __x2apic_send_IPI_mask() (v5.10.13
/// arch/x86/kernel/apic/x2apic_phys.c): one fence, then one WRMSR per target. v5.10 calls it
/// even when no target's queue was empty: the fence with no WRMSR.
void send_call_function_ipi_mask(Machine& m, int cpu, const std::vector<sim::CpuId>& targets,
                                 int id) {
    KFrame frame(m, cpu, Fn::__x2apic_send_IPI_mask);
    x2apic_wrmsr_fence(m, cpu);
    for (sim::CpuId target : targets) {
        send_call_function_ipi(m, cpu, target, id);
    }
}

} // namespace

void smp_call_function_many(Machine& m, int cpu, const kernel::CpuMask& mask, SmpCall request,
                            bool wait, const CallCondition& cond) {
    KFrame frame(m, cpu, Fn::smp_call_function_many);
    request.sender = sim::CpuId{cpu};
    request.acks_pending = 0;
    request.wait = wait;
    std::vector<sim::CpuId> candidates;
    mask.for_each([&](int target) {
        if (target != cpu && m.rq(target).online) {
            candidates.push_back(sim::CpuId{target});
        }
    });
    if (candidates.empty()) {
        return;
    }
    const int id = new_call(m, request);
    if (candidates.size() == 1) {
        // The fast path: smp_call_function_single() for the only other CPU.
        const sim::CpuId target = candidates.front();
        if (!cond || cond(target.index())) {
            if (queue_csd(m, cpu, target, id)) {
                send_call_function_single_ipi(m, cpu, target, id);
            }
        }
    } else {
        // Queue a call_single_data on every target (llist_add, a cmpxchg); only the targets
        // whose queue was empty get an IPI, and always a real one.
        std::vector<sim::CpuId> ipi_targets;
        for (sim::CpuId target : candidates) {
            if ((!cond || cond(target.index())) && queue_csd(m, cpu, target, id)) {
                ipi_targets.push_back(target);
            }
        }
        send_call_function_ipi_mask(m, cpu, ipi_targets, id);
    }
    SmpCall& call = m.smp_calls[static_cast<std::size_t>(id)];
    if (call.acks_pending == 0) {
        call.active = false;
        return;
    }
    if (wait) {
        // csd_lock_wait() on each: the sender spins; model it as an engine wait that the last
        // ack ends. Interrupts are taken meanwhile when enabled.
        while (m.smp_calls[static_cast<std::size_t>(id)].acks_pending > 0) {
            m.sim.cpu(cpu).block(/*wake_on_interrupt=*/true);
        }
        m.smp_calls[static_cast<std::size_t>(id)].active = false;
    }
}

void smp_call_function_single(Machine& m, int cpu, sim::CpuId target, SmpCall request, bool wait) {
    if (target.is(cpu)) {
        request.sender = sim::CpuId{cpu};
        const bool flags = m.local_irq_save(cpu);
        run_csd_func(m, cpu, request);
        m.local_irq_restore(cpu, flags);
        return;
    }
    kernel::CpuMask mask(m.sim.cpus());
    mask.set(target.index());
    smp_call_function_many(m, cpu, mask, request, wait);
}

void on_each_cpu_mask(Machine& m, int cpu, const kernel::CpuMask& mask, SmpCall request, bool wait,
                      const CallCondition& cond) {
    KFrame frame(m, cpu, Fn::on_each_cpu_mask);
    smp_call_function_many(m, cpu, mask, request, wait, cond);
    if (mask.test(cpu) && (!cond || cond(cpu))) {
        request.sender = sim::CpuId{cpu};
        const bool flags = m.local_irq_save(cpu);
        run_csd_func(m, cpu, request);
        m.local_irq_restore(cpu, flags);
    }
}

void smp_send_reschedule(Machine& m, int cpu, sim::CpuId target) {
    // native_smp_send_reschedule() -> x2apic_send_IPI(): the fence, one WRMSR.
    KFrame frame(m, cpu, Fn::x2apic_send_IPI);
    x2apic_wrmsr_fence(m, cpu);
    const sim::Cycles d = m.draw(cpu, Cost::ipi_send);
    m.emit(cpu, rec::ipi_send(kernel::IpiKind::resched, target.index(), d));
    m.sim.send_interrupt({.target = target,
                          .sender = sim::CpuId{cpu},
                          .at = m.sim.now() + m.draw(cpu, Cost::ipi_latency),
                          .vector = RESCHEDULE_VECTOR});
    m.sim.cpu(cpu).advance(d);
}

namespace {

/// csd_unlock(): the release store the sender's csd_lock_wait() waits for.
void csd_unlock(Machine& m, int cpu, std::size_t id) {
    m.step(cpu, Cost::csd_ack);
    SmpCall& call = m.smp_calls[id];
    m.emit(cpu, rec::ipi_ack(call.kind, call.sender.index()));
    if (--call.acks_pending == 0) {
        if (call.wait) {
            m.sim.cpu(call.sender.index()).wake();
        } else {
            call.active = false;
        }
    }
}

/// Runs the calls of one pass over the taken list: the synchronous ones (CSD_TYPE_SYNC, the
/// sender waits) unlock after their function, the asynchronous ones before it.
void run_taken_calls(Machine& m, int cpu, bool sync_pass) {
    X86Cpu& x = m.cpu(cpu);
    for (std::size_t i = 0; i < x.csd_taken.size(); ++i) {
        const auto id = static_cast<std::size_t>(x.csd_taken[i]);
        if (m.smp_calls[id].wait != sync_pass) {
            continue;
        }
        if (!sync_pass) {
            csd_unlock(m, cpu, id);
        }
        run_csd_func(m, cpu, m.smp_calls[id]);
        if (sync_pass) {
            csd_unlock(m, cpu, id);
        }
    }
}

} // namespace

void flush_smp_call_function_queue(Machine& m, int cpu, sim::CpuId sender, kernel::IpiKind kind) {
    KFrame frame(m, cpu, Fn::flush_smp_call_function_queue);
    X86Cpu& x = m.cpu(cpu);
    if (!sender.is_none()) { // by interrupt; none: from the idle loop, no IPI
        m.emit(cpu, rec::ipi_handler(kind, sender.index()));
    }
    // llist_del_all() (v5.10.13 kernel/smp.c flush_smp_call_function_queue): the whole queue at
    // once, by an xchg (a locked RMW) even when the list is already empty. A sender whose
    // llist_add finds the list empty from now on raises an IPI of its own, which runs after this
    // one returns. IRQs are off here, so one flush at a time runs on a CPU.
    m.atomic(cpu, kernel::AtomicOp::llist_del_all);
    x.csd_taken.assign(x.call_single_queue.begin(), x.call_single_queue.end());
    x.call_single_queue.clear();
    if (x.csd_taken.empty()) {
        // An earlier flush (another IPI's handler, or the polling idle loop) already ran the
        // calls this IPI was raised for; the kernel returns (entry = NULL).
        m.emit(cpu, rec::ipi_queue_empty(kind, sender.index()));
        return;
    }
    // v5.10 flush_smp_call_function_queue(): first every SYNC call, then the others.
    run_taken_calls(m, cpu, /*sync_pass=*/true);
    run_taken_calls(m, cpu, /*sync_pass=*/false);
    x.csd_taken.clear();
}

void flush_smp_call_function_from_idle(Machine& m, int cpu) {
    if (m.cpu(cpu).call_single_queue.empty()) { // llist_empty(): nothing queued, no locked op
        return;
    }
    const bool flags = m.local_irq_save(cpu);
    flush_smp_call_function_queue(m, cpu, sim::CpuId::none(), kernel::IpiKind::membarrier);
    m.local_irq_restore(cpu, flags);
}

} // namespace arch_x86
