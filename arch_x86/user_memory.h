#pragma once
// User memory under x86-TSO (docs/memory-model.md): the user variables of processes, and a FIFO
// store buffer per CPU. Defined against the x86-TSO abstract machine of Sewell, Sarkar, Owens,
// Zappa Nardelli and Myreen ("x86-TSO: A Rigorous and Usable Programmer's Model for x86
// Multiprocessors", CACM 53(7), 2010) and Intel SDM vol. 3A §9.2.2 ("Memory Ordering in P6 and
// More Recent Processor Families"):
//   * a store enters its CPU's store buffer and reaches memory later, in FIFO order;
//   * a load reads its own CPU's newest buffered store to the variable, else memory;
//   * MFENCE, a LOCK-prefixed RMW and every serializing instruction (SDM vol. 3A §9.3) drain the
//   buffer
//     first. The kernel's [FB] records are exactly these (smp_mb, locked RMWs, MFENCE, CR3 writes,
//     IRET, sync_core), so Machine::emit drains a CPU's buffer before each of them;
//   * otherwise a store leaves the buffer `store_buffer_drain` cycles (jittered) after it
//     executed. Memory is read only by loads, so a store whose time ran out is written when
//     memory is next read (commit_due_stores), in the order of the due times.
// With machine.memory = "sc" stores reach memory at once and nothing is buffered.

#include "arch_x86/machine.h"

#include <cstdint>
#include <vector>

namespace arch_x86 {

/// `store VAR VALUE` in user mode on `cpu`.
void user_store(Machine& m, int cpu, int var, std::int64_t value);
/// `load VAR REG` in user mode on `cpu`: the value read.
std::int64_t user_load(Machine& m, int cpu, int var);
/// `fence` in user mode: MFENCE.
void user_mfence(Machine& m, int cpu);
/// `lock_rmw VAR` in user mode: a LOCK-prefixed add of `add` to VAR; the value it read.
std::int64_t user_lock_rmw(Machine& m, int cpu, int var, std::int64_t add);

/// `xchg VAR VALUE REG` in user mode: XCHG (implicitly locked) writes `value`; the value read.
std::int64_t user_xchg(Machine& m, int cpu, int var, std::int64_t value);
/// `cmpxchg VAR OLD NEW REG` in user mode: LOCK CMPXCHG writes `new_value` if VAR holds `old`;
/// the value read.
std::int64_t user_cmpxchg(Machine& m, int cpu, int var, std::int64_t old, std::int64_t new_value);

/// Writes every store of `cpu`'s buffer to memory, oldest first, after the stores of every CPU
/// whose time is up: a full barrier executes on `cpu` (a locked RMW of `var`, when not -1).
void drain_store_buffer(Machine& m, int cpu, int var = -1);
/// Writes the oldest store of `cpu`'s buffer to memory, recording `cause`.
void commit_oldest(Machine& m, int cpu, kernel::CommitCause cause);
/// Writes to memory, in due-time order (ties by CPU), every buffered store whose time is up.
void commit_due_stores(Machine& m);
/// Memory as it is once every store buffer has drained (the end of a run), by variable.
std::vector<std::int64_t> final_memory(const Machine& m);

} // namespace arch_x86
