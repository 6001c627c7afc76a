#include "arch_x86/memory_search.h"

#include "arch_x86/search_dependence.h"
#include "arch_x86/user_memory.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <utility>

namespace arch_x86 {

using scenario::Op;
using namespace search_dependence;

namespace {

/// Whether `thread` is a scenario thread the search follows.
bool in_search(const MemorySearch& s, int thread) {
    return thread >= 0 && static_cast<std::size_t>(thread) < s.turns.size();
}

/// The turn of `thread` in the machine's search; nullptr when no search runs or the search does
/// not follow the thread.
MemorySearch::Turn* searched_turn(Machine& m, int thread) {
    return m.search != nullptr && in_search(*m.search, thread)
               ? &m.search->turns[static_cast<std::size_t>(thread)]
               : nullptr;
}

/// The steps at which a thread may wait for another: every user memory step, membarrier, a TLB
/// flush, and `user` (a thread's last user code: waiting there lets the others run before its
/// exit, whose locked operations drain its buffer). A store needs one too: a membarrier IPI
/// drains the target's buffer, so whether the store executed before the IPI matters.
bool is_turn_point(const scenario::Step& st) {
    return st.op == Op::load || st.op == Op::store || st.op == Op::fence || is_rmw(st.op) ||
           scans_other_cpus(st.op) || st.op == Op::user;
}

/// Whether scenario thread `thread` waits at a turn point with no step begun since it began to.
bool held(const MemorySearch& s, int thread) {
    if (!in_search(s, thread)) {
        return false;
    }
    const MemorySearch::Turn& t = s.turns[static_cast<std::size_t>(thread)];
    return t.waiting && t.seen == s.steps.size();
}

/// A scenario task that cannot begin a step while the held threads wait: queued on its CPU's
/// runqueue but not current there, whose current task is a held thread spinning in user mode
/// with no reschedule pending (a kernel thread queued behind a waiting user thread on its CPU).
/// Only on a machine with neither a tick nor wakeup preemption: then nothing sets need_resched
/// there until another thread moves (the model has no load balancer to pull it elsewhere). With
/// a tick the tick may give it the CPU, and with wakeup_preempt a wakeup or a task's creation on
/// that CPU may. A task not created yet or asleep is never starved, whatever the machine: its
/// wakeup is in flight. A waiting thread is counted as waiting, never also as starved.
bool starved(const Machine& m, const MemorySearch& s, const kernel::Task& t) {
    if (m.config.timeslice != 0 || m.config.wakeup_preempt || t.thread < 0 ||
        t.state != kernel::TaskState::running || !t.on_rq ||
        (in_search(s, t.thread) && s.turns[static_cast<std::size_t>(t.thread)].waiting)) {
        return false;
    }
    const kernel::Rq& rq = m.ks.rqs[static_cast<std::size_t>(t.cpu)];
    const kernel::Task* curr = rq.curr;
    return curr != &t && curr != nullptr && curr->in_user && !rq.need_resched &&
           held(s, curr->thread);
}

int starved_tasks(const Machine& m, const MemorySearch& s) {
    return static_cast<int>(std::count_if(m.ks.tasks.begin(), m.ks.tasks.end(),
                                          [&](const auto& t) { return starved(m, s, *t); }));
}

/// Whether another scenario thread is alive and neither held nor starved, so that it may begin a
/// step. A waiting thread that another's step has released (it has not looked yet: it looks
/// again within kSearchQuantum cycles, or right after its CPU's pending interrupts are handled)
/// is about to move.
bool someone_else_moves(const Machine& m, const MemorySearch& s) {
    int held_threads = 0;
    for (std::size_t t = 0; t < s.turns.size(); ++t) {
        held_threads += held(s, static_cast<int>(t)) ? 1 : 0;
    }
    return m.ks.live_tasks - 1 - held_threads - starved_tasks(m, s) > 0;
}

void set_waiting(Machine& m, MemorySearch& s, MemorySearch::Turn& turn, bool waiting) {
    if (turn.waiting != waiting) {
        s.waiting += waiting ? 1 : -1;
    }
    turn.waiting = waiting;
    turn.seen = s.steps.size();
    turn.since = m.sim.now().count();
}

/// `turn`'s thread proceeds: if it was asleep, nothing it does not commute with began since its
/// step was tried first, and this execution repeats one explored. Only when no other thread can
/// move at all (every other live thread is held at a turn point, between steps: no step of
/// theirs is in flight) is the rest of it certain to repeat, and the chooser may prune it; a
/// thread that proceeds after its wait timed out while another could move, or because no
/// dependent step lies ahead, may still meet the kernel work of a step begun before it fell
/// asleep (an IPI, a switch), in an order the first branch did not have.
void proceeds(MemorySearch& s, MemorySearch::Turn& turn, bool nobody_else_moves) {
    if (turn.asleep && !s.repeats && nobody_else_moves) {
        s.chooser.blocked();
    }
    s.repeats = s.repeats || turn.asleep;
    turn.asleep = false;
}

/// Whether another thread's step with kernel work may still be under way. A thread that waits
/// then is not put to sleep: the proceed branch it leaves put its step at the beginning of that
/// work (before a membarrier's IPI reached its CPU, say), not after it, so waiting on is not the
/// same order, whatever the later steps (a three-thread test with a membarrier lost a state).
bool kernel_work_under_way(const MemorySearch& s, int thread) {
    for (std::size_t t = 0; t < s.turns.size(); ++t) {
        if (static_cast<int>(t) != thread && s.turns[t].kernel_work) {
            return true;
        }
    }
    return false;
}

/// A turn point's choice, offered to a thread that is awake: whether it waits. Unless another
/// thread's kernel work is under way (then where the step falls in that work matters, whatever
/// races follow: kernel_work_under_way), the search may offer waiting only once a race shows it
/// is an order not yet run (MemoryChooser::race).
bool chooses_to_wait(MemorySearch& s, MemorySearch::Turn& turn, int thread) {
    turn.choice = static_cast<int>(s.chooser.made());
    return s.chooser.choose_wait(!kernel_work_under_way(s, thread)) == 1;
}

/// A turn point reached afresh: proceed, or (a choice) wait. A thread asleep may only wait; if
/// nobody else can move it proceeds, and the execution repeats one already explored.
bool choose_turn(Machine& m, MemorySearch& s, MemorySearch::Turn& turn, int thread, int cpu,
                 const scenario::Step& st) {
    const bool nobody_else_moves = !someone_else_moves(m, s);
    if (nobody_else_moves ||
        (s.reduction &&
         !dependent_step_ahead(s, thread, cpu, st,
                               buffered_vars(m.cpus[static_cast<std::size_t>(cpu)])))) {
        proceeds(s, turn, nobody_else_moves);
        return false;
    }
    if (turn.asleep || chooses_to_wait(s, turn, thread)) {
        turn.asleep = s.reduction && !kernel_work_under_way(s, thread);
        set_waiting(m, s, turn, true);
        return true;
    }
    return false;
}

/// Whether a thread waiting at `st` when an IPI's handler ran on its CPU, its buffer empty, has a
/// new order in proceeding right after the handler. A store has (before the handler it was
/// drained, after it it stays buffered past the caller's return), and a membarrier or a flush has
/// (its scan and IPIs come after the handler's, in user mode). A load, a fence, a locked RMW or
/// `user` right after a handler that drained nothing is the order its proceeding at its last turn
/// point gave (no other thread began a step since, and commits may be chosen before it).
bool new_after_handler(const scenario::Step& st) {
    return st.op == Op::store || scans_other_cpus(st.op);
}

/// A waiting thread looks at what the others began since: whether it waits on. An IPI handled
/// on its CPU is a point to choose at too (new_after_handler).
bool keep_waiting(Machine& m, MemorySearch& s, MemorySearch::Turn& turn, int thread, int cpu,
                  const scenario::Step& st) {
    if (std::exchange(turn.interrupted, false) && new_after_handler(st)) {
        // Awake whatever it slept through: the handler's place is new to the asleep branch.
        turn.asleep = false;
        set_waiting(m, s, turn, false);
        return choose_turn(m, s, turn, thread, cpu, st);
    }
    if (s.steps.size() == turn.seen) {
        // Itself is among the waiting: the others that could still begin a step.
        const bool others_move = m.ks.live_tasks - s.waiting - starved_tasks(m, s) > 0;
        if (others_move && m.sim.now().count() - turn.since < kSearchWaitLimit) {
            return true;
        }
        // Nothing moved: as if it had proceeded. With every other live thread held too (all
        // wait, none began a step since this one began to), nothing is in flight and the rest
        // repeats the proceed branch: pruned like choose_turn's.
        set_waiting(m, s, turn, false);
        proceeds(s, turn, !someone_else_moves(m, s));
        return false;
    }
    // Begun steps carry the buffers they met; the current one is what a step without them
    // (none today) would be judged against.
    const std::vector<int> own = buffered_vars(m.cpus[static_cast<std::size_t>(cpu)]);
    for (std::size_t i = turn.seen; i < s.steps.size(); ++i) {
        if (dependent(s, s.steps[i], cpu, st, own)) {
            turn.asleep = false;
        }
    }
    set_waiting(m, s, turn, false);
    return choose_turn(m, s, turn, thread, cpu, st);
}

/// The user variable a buffered store writes; -1 for a kernel store (arch_x86/kernel_memory.h),
/// which no user access reads.
int user_var_of(const BufferedStore& b) {
    return b.target == StoreTarget::user_var ? b.var : -1;
}

bool holds_store_to_any(const X86Cpu& x, const std::vector<int>& vars) {
    return std::any_of(x.store_buffer.begin(), x.store_buffer.end(),
                       [&](const BufferedStore& b) { return contains(vars, user_var_of(b)); });
}

/// The variables whose memory order a commit sequence before this access decides: the one it
/// reads (forwarded or not: the CPU's own stores may reach memory first, and then the read sees
/// what other CPUs stored after them), and for a drain every variable its buffer holds.
std::vector<int> relevant_vars(const Machine& m, int cpu, int var, bool drains) {
    const X86Cpu& own = m.cpus[static_cast<std::size_t>(cpu)];
    std::vector<int> vars;
    if (var >= 0) {
        vars.push_back(var);
    }
    if (drains) {
        for (const BufferedStore& b : own.store_buffer) {
            if (user_var_of(b) >= 0) {
                vars.push_back(b.var);
            }
        }
    }
    return vars;
}

/// Whether a CPU other than `cpu` holds a store to one of `vars`: only such a commit can end a
/// sequence (the accessing CPU's own commits change nothing it reads, and a drain commits them
/// anyway).
bool others_hold(const Machine& m, int cpu, const std::vector<int>& vars) {
    return std::any_of(m.cpus.begin(), m.cpus.end(),
                       [&](const X86Cpu& x) { return x.id != cpu && holds_store_to_any(x, vars); });
}

/// The CPUs whose oldest store may commit next in the sequence: holding a store to a variable
/// the sequence may need, and (reduction) not a commit that commutes with the previous one and
/// belongs before it in CPU order. The accessing CPU's own buffer is one of them, before a fence
/// too: another CPU's store may have to reach memory between two of its own (P0: x = 1; y = 2,
/// P1: x = 3; y = 5; smp_mb() ends with x=1; y=5 only so: a review found a first version that
/// left it out before a fence losing that state).
std::vector<int> commit_candidates(const Machine& m, const MemorySearch& s,
                                   const std::vector<int>& needed, int prev_cpu, int prev_var) {
    std::vector<int> out;
    for (const X86Cpu& x : m.cpus) {
        if (x.store_buffer.empty()) {
            continue;
        }
        const bool useful = holds_store_to_any(x, needed);
        const bool commutes =
            prev_cpu >= 0 && prev_cpu != x.id && prev_var != user_var_of(x.store_buffer.front());
        if (!s.reduction || (useful && (!commutes || prev_cpu < x.id))) {
            out.push_back(x.id);
        }
    }
    return out;
}

/// Whether a sequence may end after `committer`'s commit of `var` (reduction): a later commit
/// can always wait for the next choice point unless the access would see the difference, so
/// the last commit is another CPU's store to a variable of the access that the access does not
/// read from its own buffer.
bool ends_sequence(const Machine& m, int cpu, int read_var, bool drains,
                   const std::vector<int>& vars, int committer, int var) {
    const X86Cpu& own = m.cpus[static_cast<std::size_t>(cpu)];
    return committer != cpu && contains(vars, var) &&
           (drains || !holds_store_to_any(own, {read_var}));
}

/// The chosen commit sequence of the buffers before `cpu`'s access.
void choose_commits(Machine& m, MemorySearch& s, int cpu, int var, bool drains,
                    const std::vector<int>& vars) {
    int prev_cpu = -1;
    int prev_var = -1;
    bool may_stop = true; // empty, or the last commit ends a sequence (ends_sequence)
    for (;;) {
        const std::vector<int> cands =
            commit_candidates(m, s, needed_vars(buffered_vars(m), vars), prev_cpu, prev_var);
        const int options = static_cast<int>(cands.size()) + (may_stop ? 1 : 0);
        if (cands.empty()) {
            return;
        }
        const int pick = options == 1 ? 0 : s.chooser.choose(options);
        if (may_stop && pick == 0) {
            return;
        }
        const int d = cands[static_cast<std::size_t>(pick - (may_stop ? 1 : 0))];
        prev_cpu = d;
        prev_var = user_var_of(m.cpus[static_cast<std::size_t>(d)].store_buffer.front());
        commit_oldest(m, d, kernel::CommitCause::search);
        may_stop = !s.reduction || ends_sequence(m, cpu, var, drains, vars, d, prev_var);
    }
}

void merge_buffers(std::vector<std::deque<BufferedStore>>& buffers,
                   std::vector<std::int64_t>& memory, std::set<std::vector<std::int64_t>>& out) {
    bool any = false;
    for (auto& b : buffers) {
        if (b.empty()) {
            continue;
        }
        any = true;
        const BufferedStore s = b.front();
        const std::int64_t before = memory[static_cast<std::size_t>(s.var)];
        b.pop_front();
        memory[static_cast<std::size_t>(s.var)] = s.value;
        merge_buffers(buffers, memory, out);
        memory[static_cast<std::size_t>(s.var)] = before;
        b.push_front(s);
    }
    if (!any) {
        out.insert(memory);
    }
}

/// The steps of `program` (repeats expanded) into `out`; false when more than `limit`.
bool flatten(const std::vector<scenario::Step>& program, int thread, int cpu,
             std::vector<SearchStep>& out, std::size_t limit) {
    for (const scenario::Step& st : program) {
        if (st.op != Op::repeat) {
            out.push_back(SearchStep{thread, cpu, st.op, st.var, {}, -1, {}});
        }
        for (std::int64_t i = 0; st.op == Op::repeat && i < st.n; ++i) {
            if (!flatten(st.body, thread, cpu, out, limit)) {
                return false;
            }
        }
        if (out.size() > limit) {
            return false;
        }
    }
    return true;
}

/// Whether a step writes a user variable (a store, or a locked RMW).
bool stores(const SearchStep& st) {
    return st.var >= 0 && (st.op == Op::store || is_rmw(st.op));
}

int find_class(std::vector<int>& parent, int v) {
    while (parent[static_cast<std::size_t>(v)] != v) {
        v = parent[static_cast<std::size_t>(v)];
    }
    return v;
}

/// MemorySearch::store_class: the variables stored on one CPU (by any of its threads: they
/// share its buffer) joined, transitively; every variable in one class when the programs are
/// not known (`programs_known` false: one too long to look through, or one that migrates).
std::vector<int> store_classes(const std::vector<std::vector<SearchStep>>& programs,
                               bool programs_known) {
    int vars = 0;
    for (const auto& prog : programs) {
        for (const SearchStep& st : prog) {
            vars = std::max(vars, st.var + 1);
        }
    }
    std::vector<int> parent(static_cast<std::size_t>(vars));
    std::iota(parent.begin(), parent.end(), 0);
    if (!programs_known) {
        return std::vector<int>(parent.size(), -1);
    }
    std::map<int, int> first_on_cpu; // a variable stored on each CPU
    for (const auto& prog : programs) {
        for (const SearchStep& st : prog) {
            if (!stores(st)) {
                continue;
            }
            const int first = first_on_cpu.try_emplace(st.cpu, st.var).first->second;
            parent[static_cast<std::size_t>(find_class(parent, st.var))] =
                find_class(parent, first);
        }
    }
    for (int v = 0; v < vars; ++v) {
        parent[static_cast<std::size_t>(v)] = find_class(parent, v);
    }
    return parent;
}

/// MemorySearch::storing_cpus: how many CPUs store to each variable (every one when the programs
/// are not known).
std::vector<int> count_storing_cpus(const std::vector<std::vector<SearchStep>>& programs,
                                    bool programs_known, std::size_t vars) {
    if (!programs_known) {
        return std::vector<int>(vars, std::numeric_limits<int>::max());
    }
    std::vector<std::set<int>> cpus(vars);
    for (const auto& prog : programs) {
        for (const SearchStep& st : prog) {
            if (stores(st)) {
                cpus[static_cast<std::size_t>(st.var)].insert(st.cpu);
            }
        }
    }
    std::vector<int> out;
    for (const std::set<int>& c : cpus) {
        out.push_back(static_cast<int>(c.size()));
    }
    return out;
}

/// Whether a program moves its thread to another CPU (whose buffer then holds its stores).
bool migrates(const std::vector<std::vector<SearchStep>>& programs) {
    return std::any_of(programs.begin(), programs.end(), [](const std::vector<SearchStep>& prog) {
        return std::any_of(prog.begin(), prog.end(),
                           [](const SearchStep& st) { return st.op == Op::migrate; });
    });
}

/// MemorySearch::stored_by_cpu: an entry for every thread's CPU; none when the programs are not
/// known.
std::map<int, std::vector<int>> stores_by_cpu(const std::vector<std::vector<SearchStep>>& programs,
                                              const std::vector<scenario::Thread>& threads,
                                              bool programs_known) {
    std::map<int, std::vector<int>> out;
    if (!programs_known) {
        return out;
    }
    for (std::size_t t = 0; t < threads.size(); ++t) {
        std::vector<int>& vars = out[threads[t].cpu];
        for (const SearchStep& st : programs[t]) {
            if (stores(st) && !contains(vars, st.var)) {
                vars.push_back(st.var);
            }
        }
    }
    return out;
}

} // namespace

MemorySearch::MemorySearch(MemoryChooser& choices, const std::vector<scenario::Thread>& threads,
                           bool reduce)
    : chooser(choices), reduction(reduce), turns(threads.size()), programs(threads.size()),
      unbounded(threads.size(), false), begun(threads.size(), 0) {
    constexpr std::size_t kLookAhead = 4096;
    for (std::size_t t = 0; t < threads.size(); ++t) {
        if (!flatten(threads[t].program, static_cast<int>(t), threads[t].cpu, programs[t],
                     kLookAhead)) {
            programs[t].clear();
            unbounded[t] = true;
        }
    }
    // What a CPU's buffer may hold is known from the programs only while every thread stays on
    // its CPU: a `migrate` step leaves every variable linked and stored everywhere.
    const bool programs_known =
        std::find(unbounded.begin(), unbounded.end(), true) == unbounded.end() &&
        !migrates(programs);
    store_class = store_classes(programs, programs_known);
    storing_cpus = count_storing_cpus(programs, programs_known, store_class.size());
    stored_by_cpu = stores_by_cpu(programs, threads, programs_known);
}

bool search_waits(Machine& m, int cpu, int thread, const scenario::Step& st) {
    MemorySearch::Turn* turn = searched_turn(m, thread);
    if (turn == nullptr || !is_turn_point(st)) {
        return false;
    }
    turn->kernel_work = false; // at a turn point: its last step is over
    return turn->waiting ? keep_waiting(m, *m.search, *turn, thread, cpu, st)
                         : choose_turn(m, *m.search, *turn, thread, cpu, st);
}

void search_step_begins(Machine& m, int cpu, int thread, const scenario::Step& st) {
    MemorySearch::Turn* turn = searched_turn(m, thread);
    if (turn == nullptr) {
        return;
    }
    set_waiting(m, *m.search, *turn, false);
    turn->asleep = false;
    turn->interrupted = false;
    turn->kernel_work =
        !is_plain(st.op) && st.op != Op::fence && !is_rmw(st.op) && st.op != Op::user;
    ++m.search->begun[static_cast<std::size_t>(thread)];
    m.search->steps.push_back(
        SearchStep{thread, cpu, st.op, st.var, buffered_vars(m), turn->choice, {}});
    if (m.search->reduction && m.search->chooser.races_driven()) {
        find_races(*m.search);
    }
}

/// The turn of the thread current on `cpu` when `req` reaches it: a CALL_FUNCTION IPI, in user
/// mode, of a thread the search follows that waits at a turn point; nullptr otherwise.
MemorySearch::Turn* waiting_ipi_target(Machine& m, int cpu, const sim::InterruptRequest& req) {
    const X86Cpu& x = m.cpus[static_cast<std::size_t>(cpu)];
    if (req.vector != CALL_FUNCTION_VECTOR || x.mode != Mode::user || x.current == nullptr) {
        return nullptr;
    }
    MemorySearch::Turn* turn = searched_turn(m, x.current->thread);
    return turn != nullptr && turn->waiting ? turn : nullptr;
}

bool search_holds_interrupt(Machine& m, int cpu, const sim::InterruptRequest& req) {
    X86Cpu& x = m.cpus[static_cast<std::size_t>(cpu)];
    MemorySearch::Turn* turn = waiting_ipi_target(m, cpu, req);
    if (turn == nullptr || x.store_buffer.empty() || m.search->chooser.choose(2) == 0) {
        return false;
    }
    turn->holds_ipi = true;
    x.irq_held_by_search = true;
    return true;
}

MemorySearch::Turn* search_choice_after_handler(Machine& m, int cpu,
                                                const sim::InterruptRequest& req) {
    MemorySearch::Turn* turn = waiting_ipi_target(m, cpu, req);
    return turn != nullptr && m.cpus[static_cast<std::size_t>(cpu)].store_buffer.empty() ? turn
                                                                                         : nullptr;
}

bool search_releases_interrupts(Machine& m, int cpu, int thread) {
    MemorySearch::Turn* turn = searched_turn(m, thread);
    if (turn == nullptr || !turn->holds_ipi) {
        return false;
    }
    turn->holds_ipi = false;
    m.sim.cpu(cpu).set_irqs_enabled(true);
    return true;
}

void commit_before_access(Machine& m, int cpu, int var, bool drains) {
    if (m.search == nullptr) {
        commit_due_stores(m);
        return;
    }
    const std::vector<int> vars = relevant_vars(m, cpu, var, drains);
    if (!m.search->reduction || others_hold(m, cpu, vars)) {
        choose_commits(m, *m.search, cpu, var, drains, vars);
    }
}

std::vector<std::vector<std::int64_t>> all_final_memories(const Machine& m) {
    std::vector<std::int64_t> memory;
    for (const kernel::UserVariable& v : m.ks.user_vars) {
        memory.push_back(v.value);
    }
    std::vector<std::deque<BufferedStore>> buffers;
    for (const X86Cpu& x : m.cpus) {
        std::deque<BufferedStore>& user = buffers.emplace_back();
        std::copy_if(x.store_buffer.begin(), x.store_buffer.end(), std::back_inserter(user),
                     [](const BufferedStore& b) { return user_var_of(b) >= 0; });
    }
    std::set<std::vector<std::int64_t>> out;
    merge_buffers(buffers, memory, out);
    return {out.begin(), out.end()};
}

} // namespace arch_x86
