#pragma once
// The exhaustive search's dependence relation and the races of an execution (docs/memory-model.md,
// Reduction). Two steps of different threads are dependent when the order they begin in may
// change what the run does (a read's value, memory's final order, what a membarrier or a
// shootdown finds): the sleep sets (Flanagan and Godefroid, POPL 2005) keep a waiting thread
// asleep across independent steps, the look-ahead lets a thread proceed without a choice when no
// step still to come is dependent on its own, and the races (find_races) tell the search where
// waiting is an order the execution did not have.
//
// Only steps are ordered here; the kernel work a step starts (a membarrier's IPIs, a shootdown's,
// a context switch) is the step's, and a step begun while another thread's kernel work is under
// way is placed against that work by the search's turn points, not by these races.

#include "arch_x86/memory_search.h"

#include <vector>

namespace arch_x86::search_dependence {

bool is_rmw(scenario::Op op);
bool is_plain(scenario::Op op);
/// A step whose kernel path reads the other CPUs' state and acts on what it finds (membarrier,
/// a TLB flush).
bool scans_other_cpus(scenario::Op op);
bool contains(const std::vector<int>& vars, int var);

/// The user variables a CPU's buffer holds, oldest first (kernel stores: -1); every CPU's.
std::vector<int> buffered_vars(const X86Cpu& x);
std::vector<std::vector<int>> buffered_vars(const Machine& m);
/// The variables a commit sequence ending with a store to one of `vars` may have to commit
/// stores to (FIFO and coherence, to a fixpoint).
std::vector<int> needed_vars(const std::vector<std::vector<int>>& buffers, std::vector<int> vars);

/// Whether `other`, begun by another thread, does not commute with `st` of a thread on `cpu`
/// (whose buffer holds `own` now, which matters only when `other` was looked ahead to).
bool dependent(const MemorySearch& s, const SearchStep& other, int cpu, const scenario::Step& st,
               const std::vector<int>& own);
/// Whether a step another thread has still to begin does not commute with `st` of `thread`
/// on `cpu`, whose buffer holds `own` (looking ahead into the programs).
bool dependent_step_ahead(const MemorySearch& s, int thread, int cpu, const scenario::Step& st,
                          const std::vector<int>& own);

/// The last of `s.steps` has just begun: sets its happens-before clock and tells the chooser of
/// each race it closes (MemoryChooser::race).
void find_races(MemorySearch& s);

} // namespace arch_x86::search_dependence
