#include "arch_x86/user_memory.h"

#include "arch_x86/memory_search.h"

#include "kernel/record_kinds.h"

#include <algorithm>

namespace arch_x86 {

namespace rec = kernel::rec;
using kernel::CommitCause;
using kernel::Cost;

namespace {

bool tso(const Machine& m) {
    return m.config.memory == scenario::MemoryModel::tso;
}

std::int64_t& memory(Machine& m, int var) {
    return m.ks.user_vars[static_cast<std::size_t>(var)].value;
}

/// The CPU whose oldest buffered store is due first, at or before `now`; -1 when none is.
int first_due(const Machine& m, sim::Cycles now) {
    int best = -1;
    for (const X86Cpu& x : m.cpus) {
        if (x.store_buffer.empty() || x.store_buffer.front().due > now) {
            continue;
        }
        if (best < 0 || x.store_buffer.front().due <
                            m.cpus[static_cast<std::size_t>(best)].store_buffer.front().due) {
            best = x.id;
        }
    }
    return best;
}

/// The newest store to `var` in `cpu`'s buffer, or nullptr.
const BufferedStore* newest_buffered(const Machine& m, int cpu, int var) {
    const auto& sb = m.cpus[static_cast<std::size_t>(cpu)].store_buffer;
    const auto it = std::find_if(sb.rbegin(), sb.rend(), [var](const BufferedStore& s) {
        return s.target == StoreTarget::user_var && s.var == var;
    });
    return it == sb.rend() ? nullptr : &*it;
}

} // namespace

void commit_oldest(Machine& m, int cpu, CommitCause cause) {
    std::deque<BufferedStore>& sb = m.cpu(cpu).store_buffer;
    const BufferedStore s = sb.front();
    sb.pop_front();
    if (s.target != StoreTarget::user_var) {
        return; // a kernel store: memory is implicit (arch_x86/kernel_memory.h), no record
    }
    memory(m, s.var) = s.value;
    m.emit(cpu, rec::store_commit(s.var, s.value, cause, s.due));
}

void commit_due_stores(Machine& m) {
    for (int c = first_due(m, m.sim.now()); c >= 0; c = first_due(m, m.sim.now())) {
        commit_oldest(m, c, CommitCause::delay);
    }
}

void drain_store_buffer(Machine& m, int cpu, int var) {
    std::deque<BufferedStore>& sb = m.cpu(cpu).store_buffer;
    if (std::none_of(sb.begin(), sb.end(),
                     [](const BufferedStore& s) { return s.target == StoreTarget::user_var; })) {
        // Kernel stores only: their memory is implicit and their commit unrecorded
        // (arch_x86/kernel_memory.h). A locked RMW still reads `var` from memory: the other
        // CPUs' stores to it that have reached memory by then (due, or chosen by a search) go
        // first.
        sb.clear();
        if (var >= 0) {
            commit_before_access(m, cpu, var, /*drains=*/true);
        }
        return;
    }
    commit_before_access(m, cpu, var, /*drains=*/true);
    while (!m.cpu(cpu).store_buffer.empty()) {
        commit_oldest(m, cpu, CommitCause::barrier);
    }
}

void user_store(Machine& m, int cpu, int var, std::int64_t value) {
    const sim::Cycles cost = m.draw(cpu, Cost::user_access);
    if (tso(m)) {
        std::deque<BufferedStore>& sb = m.cpu(cpu).store_buffer;
        sim::Cycles due = m.sim.now() + m.draw(cpu, Cost::store_buffer_drain);
        if (!sb.empty()) {
            due = std::max(due, sb.back().due); // FIFO: never before an older store
        }
        sb.push_back(BufferedStore{var, value, due});
    } else {
        memory(m, var) = value;
    }
    m.emit(cpu, rec::user_store(var, value, tso(m), cost));
    m.sim.cpu(cpu).advance(cost);
}

std::int64_t user_load(Machine& m, int cpu, int var) {
    const sim::Cycles cost = m.draw(cpu, Cost::user_access);
    commit_before_access(m, cpu, var, /*drains=*/false);
    const BufferedStore* own = newest_buffered(m, cpu, var);
    const std::int64_t value = own != nullptr ? own->value : memory(m, var);
    m.emit(cpu, rec::user_load(var, value, own != nullptr, cost));
    m.sim.cpu(cpu).advance(cost);
    return value;
}

void user_mfence(Machine& m, int cpu) {
    const sim::Cycles cost = m.draw(cpu, Cost::mfence);
    drain_store_buffer(m, cpu);
    m.emit(cpu, rec::user_fence(kernel::UserFence::mfence, -1, 0, cost));
    m.sim.cpu(cpu).advance(cost);
}

namespace {

/// A LOCK-prefixed RMW of `var` (SDM vol. 3A §9.2.2: locked instructions have a total order and
/// are not reordered with loads or stores): drains the buffer, then reads and writes memory in
/// one step. `update` gives the value written from the value read.
template <typename Update>
std::int64_t locked_rmw(Machine& m, int cpu, int var, kernel::UserFence kind, Update update) {
    const sim::Cycles cost = m.draw(cpu, Cost::atomic);
    drain_store_buffer(m, cpu, var);
    const std::int64_t old = memory(m, var);
    memory(m, var) = update(old);
    m.emit(cpu, rec::user_fence(kind, var, old, cost, memory(m, var)));
    m.sim.cpu(cpu).advance(cost);
    return old;
}

} // namespace

std::int64_t user_lock_rmw(Machine& m, int cpu, int var, std::int64_t add) {
    return locked_rmw(m, cpu, var, kernel::UserFence::lock_rmw,
                      [add](std::int64_t old) { return old + add; });
}

std::int64_t user_xchg(Machine& m, int cpu, int var, std::int64_t value) {
    return locked_rmw(m, cpu, var, kernel::UserFence::xchg,
                      [value](std::int64_t) { return value; });
}

std::int64_t user_cmpxchg(Machine& m, int cpu, int var, std::int64_t old, std::int64_t new_value) {
    return locked_rmw(m, cpu, var, kernel::UserFence::cmpxchg, [old, new_value](std::int64_t read) {
        return read == old ? new_value : read;
    });
}

std::vector<std::int64_t> final_memory(const Machine& m) {
    std::vector<std::int64_t> values;
    for (const kernel::UserVariable& v : m.ks.user_vars) {
        values.push_back(v.value);
    }
    std::vector<BufferedStore> pending;
    for (const X86Cpu& x : m.cpus) {
        pending.insert(pending.end(), x.store_buffer.begin(), x.store_buffer.end());
    }
    // Each buffer is FIFO with non-decreasing due times; a stable sort by due keeps each CPU's
    // order and breaks ties by CPU, as commit_due_stores does.
    std::stable_sort(pending.begin(), pending.end(),
                     [](const BufferedStore& a, const BufferedStore& b) { return a.due < b.due; });
    for (const BufferedStore& s : pending) {
        if (s.target != StoreTarget::user_var) {
            continue;
        }
        values[static_cast<std::size_t>(s.var)] = s.value;
    }
    return values;
}

} // namespace arch_x86
