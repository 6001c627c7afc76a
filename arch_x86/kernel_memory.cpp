#include "arch_x86/kernel_memory.h"

#include "arch_x86/memory_search.h"
#include "arch_x86/user_memory.h"

#include <algorithm>
#include <vector>

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

/// The oldest store to (`target`, `var`) that is still in `writer`'s buffer and not yet due, or
/// nullptr: memory holds the value it replaced. The variable's only writer is `writer`, and
/// `reader` sees its own stores (forwarding). A store whose time is up is in memory even if it has
/// not been popped yet (the buffer is FIFO: so is every older one), so no other CPU's buffer is
/// touched and a scan of n CPUs costs O(n).
const BufferedStore* pending(const Machine& m, int reader, int writer, StoreTarget target,
                             int var) {
    if (reader == writer) {
        return nullptr;
    }
    const auto& sb = m.cpus[static_cast<std::size_t>(writer)].store_buffer;
    const sim::Cycles now = m.sim.now();
    const auto it = std::find_if(sb.begin(), sb.end(), [&](const BufferedStore& s) {
        return s.due > now && stores_to(s, target, var);
    });
    return it == sb.end() ? nullptr : &*it;
}

/// pending() under an exhaustive search, where a buffered store has no time of its own: it stays
/// until a barrier drains its buffer or a read chooses to see it. A read from another CPU of a
/// variable with k stores in its writer's buffer chooses how many reached memory first: 0 (the
/// newest value, which a timed run reads once the store is due) or the i-th oldest still there.
/// The buffer is FIFO, so what goes to memory goes with every older store of that buffer, user
/// stores included (recorded as search commits); with the i-th oldest still there, only the
/// stores up to the one before it to this variable are committed: the stores of other variables
/// between them may still be buffered, for a later read (of is_lazy after loaded_mm, say) to
/// choose. A store is committed at the latest read that can see it, as for user loads.
const BufferedStore* chosen_pending(Machine& m, int reader, int writer, StoreTarget target,
                                    int var) {
    if (reader == writer) {
        return nullptr;
    }
    const auto& sb = m.cpus[static_cast<std::size_t>(writer)].store_buffer;
    std::vector<std::size_t> stores; // positions in the buffer, oldest first
    for (std::size_t i = 0; i < sb.size(); ++i) {
        if (stores_to(sb[i], target, var)) {
            stores.push_back(i);
        }
    }
    if (stores.empty()) {
        return nullptr;
    }
    const auto pick =
        static_cast<std::size_t>(m.search->chooser.choose(static_cast<int>(stores.size()) + 1));
    std::size_t commits = 0; // pick 1: the oldest store to it is still there, nothing committed
    if (pick == 0) {
        commits = stores.back() + 1;
    } else if (pick >= 2) {
        commits = stores[pick - 2] + 1;
    }
    for (std::size_t i = 0; i < commits; ++i) {
        commit_oldest(m, writer, kernel::CommitCause::search);
    }
    if (pick == 0) {
        return nullptr;
    }
    const auto it = std::find_if(sb.begin(), sb.end(),
                                 [&](const BufferedStore& s) { return stores_to(s, target, var); });
    return &*it; // the pick-th oldest store to it, now the oldest
}

/// What a read of (`target`, `var`) by `reader` misses of `writer`'s buffer: the oldest store
/// not in memory yet, or nullptr.
const BufferedStore* unseen_store(Machine& m, int reader, int writer, StoreTarget target, int var) {
    return m.search != nullptr ? chosen_pending(m, reader, writer, target, var)
                               : pending(m, reader, writer, target, var);
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

/// cpu_tlbstate.loaded_mm as memory holds it: LOADED_MM_SWITCHING while `loaded_mm_switching`.
std::int64_t loaded_mm_value(const CpuTlbState& tlb) {
    return tlb.loaded_mm_switching ? kLoadedMmSwitching : tlb.loaded_mm->id;
}

/// A store of `value` to cpu_tlbstate.loaded_mm. Only should_flush_tlb() (v6.14+, the lazy
/// mm_cpumask update) reads it from another CPU; before, tlb_is_not_lazy() read is_lazy alone,
/// so a buffered loaded_mm store would change no read there and is not buffered (nor offered to
/// a search). Like is_lazy, only a change is buffered.
void buffer_loaded_mm(Machine& m, int cpu, std::int64_t value) {
    const CpuTlbState& tlb = m.cpu(cpu).tlb;
    const std::int64_t old = loaded_mm_value(tlb);
    if (tso(m) && m.knobs.cpumask_update == policy::CpumaskUpdate::lazy && value != old) {
        buffer(m, cpu, StoreTarget::tlb_loaded_mm, cpu, value, old);
    }
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
    RqCurrRead read{m.rq(c).curr, std::nullopt};
    if (const BufferedStore* old = unseen_store(m, cpu, c, StoreTarget::rq_curr, c)) {
        read.task = task_by_id(m, old->old);
        const BufferedStore& missed = *newest_in(m, c, StoreTarget::rq_curr, c);
        read.missed = MissedStore{static_cast<int>(missed.value)};
    }
    return read;
}

kernel::Mm* read_task_mm(Machine& m, int cpu, const kernel::Task& p) {
    // Only p stores p->mm (current->mm), on the CPU it runs on; it leaves a CPU only through
    // the scheduler, whose locked operations drain that CPU's buffer first.
    const BufferedStore* old = unseen_store(m, cpu, p.cpu, StoreTarget::task_mm, p.id);
    return old != nullptr ? mm_by_id(m, old->old) : p.mm;
}

std::uint32_t read_rq_membarrier_state(Machine& m, int cpu, int c) {
    const BufferedStore* old = unseen_store(m, cpu, c, StoreTarget::rq_membarrier_state, c);
    return old != nullptr ? static_cast<std::uint32_t>(old->old) : m.rq(c).membarrier_state;
}

void store_tlb_is_lazy(Machine& m, int cpu, bool lazy) {
    CpuTlbState& tlb = m.cpu(cpu).tlb;
    // switch_mm_irqs_off stores false on every switch; a store of the value memory will hold
    // anyway changes no read, so only a change is buffered (and offered to a search).
    if (tso(m) && lazy != tlb.is_lazy) {
        buffer(m, cpu, StoreTarget::tlb_is_lazy, cpu, lazy, tlb.is_lazy);
    }
    tlb.is_lazy = lazy;
}

TlbIsLazyRead read_tlb_is_lazy(Machine& m, int cpu, int c) {
    if (const BufferedStore* old = unseen_store(m, cpu, c, StoreTarget::tlb_is_lazy, c)) {
        return {old->old != 0, true};
    }
    return {m.cpu(c).tlb.is_lazy, false};
}

void store_loaded_mm_switching(Machine& m, int cpu) {
    buffer_loaded_mm(m, cpu, kLoadedMmSwitching);
    m.cpu(cpu).tlb.loaded_mm_switching = true;
}

void store_loaded_mm(Machine& m, int cpu, kernel::Mm* next) {
    buffer_loaded_mm(m, cpu, next->id);
    CpuTlbState& tlb = m.cpu(cpu).tlb;
    tlb.loaded_mm_switching = false;
    tlb.loaded_mm = next;
}

LoadedMmRead read_loaded_mm(Machine& m, int cpu, int c) {
    const std::int64_t newest = loaded_mm_value(m.cpu(c).tlb);
    if (const BufferedStore* old = unseen_store(m, cpu, c, StoreTarget::tlb_loaded_mm, c)) {
        return {old->old, true, newest};
    }
    return {newest, false, newest};
}

} // namespace arch_x86
