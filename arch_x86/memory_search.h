#pragma once
// The x86 side of an exhaustive search of a small scenario (docs/memory-model.md, Exhaustive
// search): where a run's x86-TSO nondeterminism is, and how a search steers it. A search
// (run/exhaustive.h) re-executes the scenario once per execution, and at each choice point this
// layer asks its MemoryChooser which alternative to take. With no search (Machine::search null)
// none of this runs: stores leave their buffers when they are due.
//
// The choice points, against the x86-TSO machine (Sewell et al., CACM 2010), where a buffered
// store may reach memory at any time:
//   * before a user load of VAR that its own buffer does not forward: which other CPUs' buffered
//     stores reach memory first, one at a time (a commit sequence). Only reads observe memory, so
//     a store is committed at the latest read that can see it; a sequence ends with a store to VAR
//     (trailing commits wait for the next read), takes only buffers holding a store to VAR, and
//     never puts two adjacent commits of different CPUs to different variables in decreasing CPU
//     order (they commute: the other order is the same execution);
//   * before a buffer drains (MFENCE, a locked RMW, a kernel full barrier): the same, for the
//     variables the draining buffer holds (and the RMW's variable), since the order of two CPUs'
//     stores to one variable decides what memory keeps;
//   * before a user memory step, a membarrier, a TLB flush or a `user` step of a thread: proceed,
//     or wait in user mode until another thread begins a step (its steps then come first). A
//     sleep set (Flanagan and Godefroid, POPL 2005) keeps a thread that chose to wait from
//     proceeding after a step that commutes with its own: that order was the proceed branch. A
//     thread waits only while another live thread is not held (waiting, with no step begun since
//     it began to) nor starved (queued on a CPU where a held thread spins, with neither a tick
//     nor wakeup preemption);
//   * at membarrier's or a shootdown's read of a kernel variable another CPU stores (rq->curr,
//     tsk->mm, rq->membarrier_state, cpu_tlbstate.is_lazy and .loaded_mm:
//     arch_x86/kernel_memory.h): whether the
//     writer's buffered stores to it have reached memory, all of them or up to one of them (with
//     every older store of that buffer, FIFO). A thread's `user` step does not commute with a
//     membarrier or a TLB flush;
//   * when a CALL_FUNCTION IPI reaches the CPU of a thread that waits at a turn point with a
//     store buffered: take it now, or hold it back until that thread proceeds (x86 bounds no
//     IPI's delivery, and the handler's barrier drains the buffer: the held thread's own next
//     step, or another thread's, may have to come before this handler while the caller still
//     waits for it). With the buffer empty the handler drains nothing, and the choice comes
//     after it instead: a thread waiting at a store, a membarrier or a flush may proceed right
//     after the handler's return (before the caller returns, say), or wait on;
//   * the end of the run: every interleaving of the stores still buffered (all_final_memories).

#include "arch_x86/machine.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <map>
#include <vector>

namespace arch_x86 {

/// The search's side: picks one of `options` (>= 2) alternatives; 0 is the one a timed run
/// takes (proceed, stop committing).
class MemoryChooser {
public:
    virtual ~MemoryChooser() = default;
    virtual int choose(int options) = 0;
    /// A turn point's choice: proceed (0) or wait (1). A point that is `race_driven` offers only
    /// proceed until race() names it, when the chooser is races_driven(); otherwise both.
    virtual int choose_wait(bool race_driven) {
        (void)race_driven;
        return choose(2);
    }
    /// Whether waits are tried only where races show them: only then does the search find the
    /// races of an execution and call race().
    virtual bool races_driven() const { return false; }
    /// How many choices this execution has made (the index the next one gets), for race().
    virtual std::size_t made() const { return 0; }
    /// The turn choice with index `point` let its thread begin a step before a later step of
    /// another thread that races with it (dependent, and no chain of dependent steps orders the
    /// two): waiting there reverses the race, an order this execution did not have, and must be
    /// tried (Flanagan and Godefroid's backtracking points, POPL 2005).
    virtual void race(std::size_t point) { (void)point; }
    /// The execution is sleep-set blocked from here (an asleep thread had to proceed: nothing
    /// that does not commute with its step moved): its rest, whatever the later choices, repeats
    /// executions the search already ran, so it need not try their alternatives (Godefroid's
    /// sleep sets prune such a branch at once).
    virtual void blocked() {}
};

/// A scenario thread's step (a user thread's or a kernel thread's, or an explicit exit) as the
/// search saw it begin (the wake-ups of waiting threads).
struct SearchStep {
    int thread = -1;
    int cpu = -1;
    scenario::Op op = scenario::Op::user;
    int var = -1;
    /// For a step begun: the user variables each CPU's buffer held then, oldest first, by CPU,
    /// which decide whether a load's commit sequence may touch another access's variable. Empty
    /// for a step looked ahead to (not begun: unknown); a begun step has one entry per CPU.
    std::vector<std::vector<int>> buffers;
    /// For a step begun: the index of the last turn choice its thread was offered before it
    /// (MemoryChooser::made(); -1: none), where waiting puts the step after another's.
    int turn_choice = -1;
    /// For a step begun: its happens-before clock, by thread the index in MemorySearch::steps of
    /// that thread's last step ordered before it (program order, and chains of dependent steps
    /// of different threads); -1: none.
    std::vector<int> clock;

    bool buffers_known() const { return !buffers.empty(); }
};

/// One execution's search state (Machine::search), built per run.
class MemorySearch {
public:
    MemorySearch(MemoryChooser& choices, const std::vector<scenario::Thread>& threads, bool reduce);

    MemoryChooser& chooser;
    bool reduction; ///< sleep sets and commit-order pruning (off: to check that they lose nothing)
    /// A thread that waits at a step for another thread's next step.
    struct Turn {
        bool waiting = false;
        bool asleep = false;    ///< its step was already tried before the steps that follow
        std::size_t seen = 0;   ///< steps.size() when it began to wait
        std::int64_t since = 0; ///< when it began to wait
        /// Its last step begun does kernel work that may still be under way (a membarrier's
        /// IPIs, a flush's, a switch): from its beginning to the thread's next step or turn
        /// point (to the end, after its last one).
        bool kernel_work = false;
        /// A CALL_FUNCTION IPI's handler (a membarrier's ipi_mb(), a flush) ran on its CPU
        /// during its wait, its buffer empty: a point where it may proceed, right after the
        /// handler's return, when that is a new order (keep_waiting).
        bool interrupted = false;
        /// It holds back a CALL_FUNCTION IPI that came during its wait (its CPU's interrupts
        /// left pending) until it proceeds: the IPI lands just before its step.
        bool holds_ipi = false;
        /// The index of the last turn choice it was offered (MemoryChooser::made()); -1: none.
        int choice = -1;
    };
    std::vector<Turn> turns;       ///< by scenario thread
    std::vector<SearchStep> steps; ///< every scenario thread's step begun, in order
    /// Each thread's program, repeats expanded, as the search looks ahead into it: a thread
    /// waits only while another may still begin a step that does not commute with its own.
    /// Empty with `unbounded` when the expansion is too long to look through.
    std::vector<std::vector<SearchStep>> programs;
    std::vector<bool> unbounded;
    /// By user variable: its class of variables that one thread's program stores together
    /// (transitively), or -1 for all when a program is unbounded or migrates. A load's commit
    /// sequence can reach a variable only in its class (a buffer holds stores of one thread), which
    /// is what the look-ahead, for steps not begun, knows of the buffers.
    std::vector<int> store_class;
    /// By user variable: how many CPUs store to it (a load of another variable can need a store
    /// to it to go first only when two do); INT_MAX when a program is unbounded or migrates.
    std::vector<int> storing_cpus;
    /// By CPU of a scenario thread: the user variables its threads' programs store (a store or a
    /// locked RMW), which its buffer may hold when a fence or an RMW looked ahead to drains it.
    /// Empty when a program is unbounded or migrates.
    std::map<int, std::vector<int>> stored_by_cpu;
    std::vector<std::size_t> begun; ///< by thread: steps begun
    int waiting = 0;                ///< threads waiting now
    /// A waiting thread proceeded because nothing else moved while it was asleep: this execution
    /// repeats one the search already explored.
    bool repeats = false;
};

/// The most cycles a waiting thread spends in user mode between two looks at the other threads
/// (it looks sooner, right after its CPU's pending interrupts have been handled).
inline constexpr std::int64_t kSearchQuantum = 50;
/// A wait that sees no other thread begin a step for this long ends: the others are blocked or
/// done.
inline constexpr std::int64_t kSearchWaitLimit = 50000;

/// Whether thread `thread` on `cpu` waits (at most another kSearchQuantum cycles in user mode, or
/// until its CPU's pending interrupts have been handled) before
/// beginning `st`: false at once unless a search runs.
bool search_waits(Machine& m, int cpu, int thread, const scenario::Step& st);
/// `thread` begins `st` on `cpu` (after its waits).
void search_step_begins(Machine& m, int cpu, int thread, const scenario::Step& st);

/// Before `cpu` takes `req`: whether the search holds it back (a choice; see the header's
/// comment). The caller then leaves it pending with the CPU's interrupts off.
bool search_holds_interrupt(Machine& m, int cpu, const sim::InterruptRequest& req);
/// Before `cpu` takes `req`: the turn of the thread that may choose afresh, right after the
/// handler, whether to proceed (a CALL_FUNCTION IPI reaching a waiting thread in user mode with
/// its CPU's buffer empty); nullptr when none. The caller sets its `interrupted` once the
/// handler has run.
MemorySearch::Turn* search_choice_after_handler(Machine& m, int cpu,
                                                const sim::InterruptRequest& req);
/// `thread` proceeds on `cpu`: the IPI it held back, if any, is released (interrupts on again;
/// true: the caller takes it before the step).
bool search_releases_interrupts(Machine& m, int cpu, int thread);

/// Before `cpu` reads `var` from memory (-1: none) or drains its buffer (`drains`): without a
/// search, the stores whose time is up reach memory (commit_due_stores); in a search, the chosen
/// commit sequence of the other CPUs' buffers.
void commit_before_access(Machine& m, int cpu, int var, bool drains);

/// Every final memory the run may end with (by variable): each interleaving of the stores still
/// in the buffers, each buffer in FIFO order. Distinct and sorted.
std::vector<std::vector<std::int64_t>> all_final_memories(const Machine& m);

} // namespace arch_x86
