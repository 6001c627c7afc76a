#include "sched/sched_invariants.h"

#include "arch_x86/tlb_invariants.h"

#include <fmt/format.h>

namespace sched {

using kernel::Invariant;
using kernel::InvariantFailure;
using kernel::InvariantViolation;
using kernel::Rq;
using kernel::Task;
using kernel::TaskState;

namespace {

const char* name_of(const Task* t) {
    return t != nullptr ? t->name.c_str() : "NULL";
}

} // namespace

InvariantFailure check_switch_target(int cpu, const Task& next) {
    if (next.on_cpu) {
        return fmt::format("cpu{} switches to {}, whose on_cpu is still set (task_cpu {}): it "
                           "would run on two CPUs",
                           cpu, next.name, next.cpu);
    }
    return std::nullopt;
}

InvariantFailure check_new_current(int cpu, const Task& next, const Rq& rq) {
    if (&next != rq.curr || next.cpu != cpu || !next.on_cpu) {
        return fmt::format("cpu{} makes {} current, but rq->curr is {}, its task_cpu {}, on_cpu {}",
                           cpu, next.name, name_of(rq.curr), next.cpu, next.on_cpu);
    }
    return std::nullopt;
}

InvariantFailure check_switch_finished(const arch_x86::X86Cpu& x, const Rq& rq) {
    const Task* current = x.current;
    if (current == nullptr || current != rq.curr || current->cpu != x.id || !current->on_cpu) {
        return fmt::format("cpu{} finishes a switch with current {} but rq->curr {}", x.id,
                           name_of(current), name_of(rq.curr));
    }
    return std::nullopt;
}

InvariantFailure check_enqueue(const Task& p, const Rq& rq) {
    if (p.on_rq || p.state == TaskState::dead || &p == rq.curr) {
        return fmt::format("{} is enqueued on cpu{} while on_rq {}, {}{}", p.name, rq.cpu, p.on_rq,
                           p.state == TaskState::dead ? "dead" : "alive",
                           &p == rq.curr ? ", and it is that runqueue's curr" : "");
    }
    return std::nullopt;
}

InvariantFailure check_requeue_prev(const Task& prev, const Rq& rq) {
    if (&prev != rq.curr || !prev.on_rq || prev.state == TaskState::dead) {
        return fmt::format("cpu{} requeues {} (on_rq {}) but rq->curr is {}", rq.cpu, prev.name,
                           prev.on_rq, name_of(rq.curr));
    }
    return std::nullopt;
}

InvariantFailure check_pick(const Task& next, const Rq& rq) {
    if (!next.on_rq || next.cpu != rq.cpu || next.state == TaskState::dead || &next == rq.curr) {
        return fmt::format("cpu{} picks {} from its queue: on_rq {}, task_cpu {}, {}{}", rq.cpu,
                           next.name, next.on_rq, next.cpu,
                           next.state == TaskState::dead ? "dead" : "alive",
                           &next == rq.curr ? ", already rq->curr" : "");
    }
    return std::nullopt;
}

namespace {

/// single_current over every CPU: a current task with on_cpu set, current on no other CPU.
InvariantFailure scan_currents(const std::vector<arch_x86::X86Cpu>& cpus, std::size_t tasks) {
    std::vector<int> current_on(tasks, -1);
    for (const auto& x : cpus) {
        if (x.current == nullptr || !x.current->on_cpu) {
            return fmt::format("cpu{} has current {} without on_cpu", x.id, name_of(x.current));
        }
        int& other = current_on[static_cast<std::size_t>(x.current->id)];
        if (other >= 0) {
            return fmt::format("{} is current on cpu{} and cpu{}", x.current->name, other, x.id);
        }
        other = x.id;
    }
    return std::nullopt;
}

/// runqueue_membership over every queue: each queued task once, on_rq, on its task_cpu's queue,
/// not that queue's curr, not dead.
InvariantFailure scan_runqueues(const std::vector<Rq>& rqs, std::size_t tasks) {
    std::vector<int> queued_on(tasks, -1);
    for (const Rq& rq : rqs) {
        for (const Task* p : rq.runnable) {
            int& other = queued_on[static_cast<std::size_t>(p->id)];
            if (other >= 0) {
                return fmt::format("{} is queued on cpu{} and on cpu{}", p->name, other, rq.cpu);
            }
            other = rq.cpu;
            if (!p->on_rq || p->cpu != rq.cpu || p == rq.curr || p->state == TaskState::dead) {
                return fmt::format("{} is queued on cpu{} with on_rq {}, task_cpu {}{}{}", p->name,
                                   rq.cpu, p->on_rq, p->cpu, p == rq.curr ? ", as rq->curr" : "",
                                   p->state == TaskState::dead ? ", dead" : "");
            }
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<InvariantViolation> check_machine_state(const kernel::KernelState& ks,
                                                      const std::vector<arch_x86::X86Cpu>& cpus) {
    if (auto f = scan_currents(cpus, ks.tasks.size())) {
        return InvariantViolation{Invariant::single_current, std::move(*f)};
    }
    if (auto f = scan_runqueues(ks.rqs, ks.tasks.size())) {
        return InvariantViolation{Invariant::runqueue_membership, std::move(*f)};
    }
    for (const auto& mm : ks.mms) {
        if (auto f = kernel::check_mm_refcounts(*mm)) {
            return InvariantViolation{Invariant::mm_refcounts, std::move(*f)};
        }
    }
    const arch_x86::MmsByCtxId mms = arch_x86::mms_by_ctx_id(ks.mms);
    for (const auto& x : cpus) {
        if (auto v = arch_x86::check_cpu_tlb_state(x, mms)) {
            return v;
        }
    }
    return std::nullopt;
}

} // namespace sched
