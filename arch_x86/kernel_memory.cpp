#include "arch_x86/kernel_memory.h"

#include "arch_x86/user_memory.h"

#include <algorithm>

namespace arch_x86 {

namespace {

bool tso(const Machine& m) {
    return m.config.memory == scenario::MemoryModel::tso;
}

/// Appends a store of `value` over `old` to `cpu`'s buffer, due `store_buffer_drain` cycles from
/// now (jittered from the CPU's kernel-store stream) and never before an older store of the
/// buffer (FIFO).
void buffer(Machine& m, int cpu, StoreTarget target, int var, std::int64_t value,
            std::int64_t old) {
    X86Cpu& x = m.cpu(cpu);
    const sim::Cycles delay = sim::jitter(sim::Cycles{m.costs[kernel::Cost::store_buffer_drain]},
                                          m.sim.config().jitter_percent, x.kernel_store_rng);
    sim::Cycles due = m.sim.now() + delay;
    if (!x.store_buffer.empty()) {
        due = std::max(due, x.store_buffer.back().due);
    }
    BufferedStore s{var, value, due};
    s.target = target;
    s.old = old;
    x.store_buffer.push_back(s);
}

bool stores_to(const BufferedStore& s, StoreTarget target, int var) {
    return s.target == target && s.var == var;
}

/// The oldest store to (`target`, `var`) in the buffer of a CPU other than `reader`, or nullptr:
/// memory holds the value it replaced.
const BufferedStore* oldest_elsewhere(const Machine& m, int reader, StoreTarget target, int var) {
    for (const X86Cpu& x : m.cpus) {
        if (x.id == reader) {
            continue;
        }
        const auto it =
            std::find_if(x.store_buffer.begin(), x.store_buffer.end(),
                         [&](const BufferedStore& s) { return stores_to(s, target, var); });
        if (it != x.store_buffer.end()) {
            return &*it;
        }
    }
    return nullptr;
}

/// The newest store to (`target`, `var`) in `cpu`'s buffer, or nullptr.
const BufferedStore* newest_in(const Machine& m, int cpu, StoreTarget target, int var) {
    const auto& sb = m.cpus[static_cast<std::size_t>(cpu)].store_buffer;
    const auto it = std::find_if(sb.rbegin(), sb.rend(),
                                 [&](const BufferedStore& s) { return stores_to(s, target, var); });
    return it == sb.rend() ? nullptr : &*it;
}

kernel::Task* task_by_id(Machine& m, std::int64_t id) {
    return m.ks.tasks[static_cast<std::size_t>(id)].get();
}

/// KernelState::mms is indexed by Mm::id; -1 is NULL.
kernel::Mm* mm_by_id(Machine& m, std::int64_t id) {
    return id < 0 ? nullptr : m.ks.mms[static_cast<std::size_t>(id)].get();
}

int id_or_null(const kernel::Mm* mm) {
    return mm != nullptr ? mm->id : -1;
}

} // namespace

void store_rq_curr(Machine& m, int cpu, kernel::Task* next) {
    kernel::Rq& rq = m.rq(cpu);
    if (tso(m)) {
        buffer(m, cpu, StoreTarget::rq_curr, cpu, next->id, rq.curr->id);
    }
    rq.curr = next;
}

void store_rq_membarrier_state(Machine& m, int cpu, std::uint32_t state) {
    kernel::Rq& rq = m.rq(cpu);
    if (tso(m)) {
        buffer(m, cpu, StoreTarget::rq_membarrier_state, cpu, state, rq.membarrier_state);
    }
    rq.membarrier_state = state;
}

void store_task_mm(Machine& m, int cpu, kernel::Task& t, kernel::Mm* mm) {
    if (tso(m)) {
        buffer(m, cpu, StoreTarget::task_mm, t.id, id_or_null(mm), id_or_null(t.mm));
    }
    t.mm = mm;
}

RqCurrRead read_rq_curr(Machine& m, int cpu, int c) {
    commit_due_stores(m);
    RqCurrRead read{m.rq(c).curr, std::nullopt};
    if (const BufferedStore* pending = oldest_elsewhere(m, cpu, StoreTarget::rq_curr, c)) {
        read.task = task_by_id(m, pending->old);
        const BufferedStore* newest = newest_in(m, c, StoreTarget::rq_curr, c);
        const BufferedStore& missed = newest != nullptr ? *newest : *pending;
        read.missed = MissedStore{static_cast<int>(missed.value), missed.due};
    }
    return read;
}

kernel::Mm* read_task_mm(Machine& m, int cpu, const kernel::Task& p) {
    commit_due_stores(m);
    const BufferedStore* pending = oldest_elsewhere(m, cpu, StoreTarget::task_mm, p.id);
    return pending != nullptr ? mm_by_id(m, pending->old) : p.mm;
}

std::uint32_t read_rq_membarrier_state(Machine& m, int cpu, int c) {
    commit_due_stores(m);
    const BufferedStore* pending = oldest_elsewhere(m, cpu, StoreTarget::rq_membarrier_state, c);
    return pending != nullptr ? static_cast<std::uint32_t>(pending->old) : m.rq(c).membarrier_state;
}

} // namespace arch_x86
