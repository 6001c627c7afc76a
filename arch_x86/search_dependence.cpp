#include "arch_x86/search_dependence.h"

#include "arch_x86/user_memory.h"

#include <algorithm>
#include <limits>

namespace arch_x86::search_dependence {

using scenario::Op;

bool is_rmw(Op op) {
    return op == Op::lock_rmw || op == Op::xchg || op == Op::cmpxchg;
}

/// A step whose kernel path reads the other CPUs' state and acts on what it finds: membarrier's
/// scan of rq->curr (and the IPIs it sends), a TLB shootdown's mm_cpumask and is_lazy reads (and
/// the flush IPIs it sends or skips). Where another thread is (in user mode or not, its CPU lazy
/// or not, its stores still buffered or not) changes what such a step does.
bool scans_other_cpus(Op op) {
    return op == Op::membarrier || op == Op::flush_tlb;
}

bool is_plain(Op op) {
    return op == Op::load || op == Op::store;
}

bool contains(const std::vector<int>& vars, int var) {
    return std::find(vars.begin(), vars.end(), var) != vars.end();
}

/// The user variables each CPU's buffer holds, oldest first (kernel stores left out: -1).
std::vector<int> buffered_vars(const X86Cpu& x) {
    std::vector<int> vars;
    for (const BufferedStore& b : x.store_buffer) {
        vars.push_back(b.target == StoreTarget::user_var ? b.var : -1);
    }
    return vars;
}

std::vector<std::vector<int>> buffered_vars(const Machine& m) {
    std::vector<std::vector<int>> out;
    for (const X86Cpu& x : m.cpus) {
        out.push_back(buffered_vars(x));
    }
    return out;
}

namespace {

/// Where the last store to one of `vars` sits in a buffer; -1 when it holds none.
int last_store_to(const std::vector<int>& buffer, const std::vector<int>& vars) {
    for (int i = static_cast<int>(buffer.size()) - 1; i >= 0; --i) {
        if (contains(vars, buffer[static_cast<std::size_t>(i)])) {
            return i;
        }
    }
    return -1;
}

} // namespace

/// The variables a commit sequence that ends with a store to one of `vars` may have to commit
/// stores to: `vars`, and to a fixpoint each variable stored in a buffer (the accessing CPU's
/// too) before that buffer's last store to one of them. Committing that store commits them
/// first (FIFO), which fixes their order against other CPUs' stores to the same variables
/// (coherence): those stores may have to go first. (A three-thread test showed it: P1 stores
/// z then x, P2 reads x = P1's value, and P0's store to z may precede P1's in memory.)
std::vector<int> needed_vars(const std::vector<std::vector<int>>& buffers, std::vector<int> vars) {
    for (bool grew = true; grew;) {
        grew = false;
        for (const std::vector<int>& buffer : buffers) {
            for (int i = 0; i < last_store_to(buffer, vars); ++i) {
                const int v = buffer[static_cast<std::size_t>(i)];
                if (v >= 0 && !contains(vars, v)) {
                    vars.push_back(v);
                    grew = true;
                }
            }
        }
    }
    return vars;
}

namespace {

/// Whether two loads, of `u` and of `v`, do not commute with the buffers `buffers`: the commit
/// sequence before one may commit a store to the other's variable (FIFO or coherence), and then
/// which comes first decides what the second reads.
bool loads_linked(const std::vector<std::vector<int>>& buffers, int u, int v) {
    return contains(needed_vars(buffers, {u}), v) || contains(needed_vars(buffers, {v}), u);
}

/// Whether a store to `w` does not commute with a load of `u` (another variable, another CPU)
/// with the buffers `buffers` (before the store): executed first, the store is a candidate of
/// the load's commit sequence, which may put it before another CPU's store to `w` that the
/// sequence commits (coherence). The store is the newest of its buffer, so nothing of its own
/// CPU needs it: only another buffer's store to `w`, needed by the load, does.
bool store_linked(const std::vector<std::vector<int>>& buffers, int w, int u) {
    return contains(needed_vars(buffers, {u}), w);
}

/// What the look-ahead knows of a step not begun: whether two variables may ever be linked
/// (one class of MemorySearch::store_class), and for a store whether its variable is stored on
/// two CPUs or more (MemorySearch::storing_cpus).
bool may_link(const MemorySearch& s, int u, int v) {
    const auto cls = [&](int var) {
        return var >= 0 && static_cast<std::size_t>(var) < s.store_class.size()
                   ? s.store_class[static_cast<std::size_t>(var)]
                   : -1;
    };
    return cls(u) < 0 || cls(u) == cls(v);
}

/// How many CPUs may store to `w` (the look-ahead's knowledge: every one when unbounded).
int storing_cpus(const MemorySearch& s, int w) {
    return w >= 0 && static_cast<std::size_t>(w) < s.storing_cpus.size()
               ? s.storing_cpus[static_cast<std::size_t>(w)]
               : std::numeric_limits<int>::max();
}

/// Two loads of one variable `u` by different CPUs: the commit sequence before the first may
/// commit a store to it, which the second then reads, so they do not commute while some buffer
/// holds a store to `u` (or, looking ahead, while some CPU may store to it).
bool same_var_loads_linked(const MemorySearch& s, const SearchStep& other, int u) {
    if (!other.buffers_known()) {
        return storing_cpus(s, u) > 0;
    }
    return std::any_of(other.buffers.begin(), other.buffers.end(),
                       [u](const std::vector<int>& b) { return contains(b, u); });
}

/// Two plain accesses of different CPUs to different variables, at least one a load: whether
/// they do not commute (`other` begun with its buffers known, or looked ahead to).
bool accesses_linked(const MemorySearch& s, const SearchStep& other, const scenario::Step& st) {
    const bool known = other.buffers_known();
    if (other.op == Op::load && st.op == Op::load) {
        return known ? loads_linked(other.buffers, other.var, st.var)
                     : may_link(s, other.var, st.var);
    }
    const int stored = other.op == Op::store ? other.var : st.var;
    const int loaded = other.op == Op::store ? st.var : other.var;
    return known ? store_linked(other.buffers, stored, loaded)
                 : may_link(s, stored, loaded) && storing_cpus(s, stored) >= 2;
}

/// Two plain accesses of different CPUs: dependent when they touch one variable (two loads too:
/// the commit sequence before each decides what memory the other reads), and when a load's
/// commit sequence may reach the other's variable through the buffers (accesses_linked); two
/// stores to different variables commute.
bool plain_dependent(const MemorySearch& s, const SearchStep& other, const scenario::Step& st) {
    if (other.var == st.var) {
        return other.op == Op::store || st.op == Op::store ||
               same_var_loads_linked(s, other, st.var);
    }
    if (other.op == Op::store && st.op == Op::store) {
        return false;
    }
    return accesses_linked(s, other, st);
}

bool drains_buffer(Op op) {
    return op == Op::fence || is_rmw(op);
}

/// A step that touches nothing but user memory: a plain access, a fence or a locked RMW.
bool memory_step(Op op) {
    return is_plain(op) || drains_buffer(op);
}

/// The user variables a step decides the memory order of, its CPU's buffer holding `buffer`: a
/// plain access's own; a fence's or a locked RMW's buffered ones (it drains them, with the commit
/// sequence chosen before the drain) and an RMW's own (it reads and writes it in memory). A fence
/// with no user store buffered decides nothing: it commutes with every other CPU's memory step.
std::vector<int> decided_vars(Op op, int var, const std::vector<int>& buffer) {
    std::vector<int> out;
    if (!drains_buffer(op) || is_rmw(op)) {
        out.push_back(var);
    }
    if (!drains_buffer(op)) {
        return out;
    }
    for (const int v : buffer) {
        if (v >= 0 && !contains(out, v)) {
            out.push_back(v);
        }
    }
    return out;
}

bool intersects(const std::vector<int>& a, const std::vector<int>& b) {
    return std::any_of(a.begin(), a.end(), [&](int v) { return contains(b, v); });
}

/// A drain deciding `drained` and another CPU's memory step `op` deciding `vars`, with the
/// buffers `buffers` (as they were when the begun one of the two began): dependent when the
/// drain's commit sequence may commit a store to one of `vars` (the load then reads, or the
/// store is then ordered, differently: the closure of needed_vars), or when a load's or another
/// drain's sequence may commit one of the drained stores (it reaches memory before, not after,
/// the drain). A store reaches nothing: it is the newest of its buffer.
bool drain_linked(const std::vector<std::vector<int>>& buffers, const std::vector<int>& drained,
                  Op op, const std::vector<int>& vars) {
    return intersects(needed_vars(buffers, drained), vars) ||
           (op != Op::store && intersects(needed_vars(buffers, vars), drained));
}

/// Whether two variables of `a` and `b` may be linked (may_link), as the look-ahead knows them.
bool may_link_any(const MemorySearch& s, const std::vector<int>& a, const std::vector<int>& b) {
    return std::any_of(a.begin(), a.end(), [&](int u) {
        return std::any_of(b.begin(), b.end(), [&](int v) { return may_link(s, u, v); });
    });
}

/// The variables a step not begun may decide: a fence's or an RMW's buffer may then hold a store
/// to any variable its CPU's threads store (MemorySearch::stored_by_cpu, which has its CPU).
std::vector<int> decided_vars_ahead(const MemorySearch& s, const SearchStep& st) {
    return decided_vars(st.op, st.var, s.stored_by_cpu.at(st.cpu));
}

/// A fence or a locked RMW and another CPU's memory step (one of them a drain): dependent when
/// the variables they decide are linked (drain_linked, or for a step looked ahead to, may_link;
/// a plain store only to a variable another CPU stores too, as for two plain accesses). `own` is
/// what `st`'s CPU's buffer holds now, for a step looked ahead to (its buffer then is unknown).
bool drain_dependent(const MemorySearch& s, const SearchStep& other, int cpu,
                     const scenario::Step& st, const std::vector<int>& own) {
    if (other.buffers_known()) {
        const std::vector<std::vector<int>>& b = other.buffers;
        const std::vector<int> mine = decided_vars(st.op, st.var, b[static_cast<std::size_t>(cpu)]);
        const std::vector<int> theirs =
            decided_vars(other.op, other.var, b[static_cast<std::size_t>(other.cpu)]);
        return drains_buffer(st.op) ? drain_linked(b, mine, other.op, theirs)
                                    : drain_linked(b, theirs, st.op, mine);
    }
    if (!s.stored_by_cpu.contains(other.cpu)) {
        return true; // programs not known (too long, or migrating), or a CPU no thread starts on
    }
    const bool lone_store = (other.op == Op::store && storing_cpus(s, other.var) < 2) ||
                            (st.op == Op::store && storing_cpus(s, st.var) < 2);
    return !lone_store &&
           may_link_any(s, decided_vars_ahead(s, other), decided_vars(st.op, st.var, own));
}

} // namespace

/// Whether `other`, begun by another thread, does not commute with `st` of a thread on `cpu`
/// (whose buffer holds `own` now): then a waiting thread wakes (its sleep set forgets `st`). Two
/// memory steps of different CPUs as plain_dependent and drain_dependent say. Another's `user`
/// step commutes with everything but a step that scans the other CPUs (membarrier, a TLB
/// flush), whose reads and IPIs depend on where the other thread is; everything else, and any
/// step on the same CPU (the same buffer), is taken as dependent.
bool dependent(const MemorySearch& s, const SearchStep& other, int cpu, const scenario::Step& st,
               const std::vector<int>& own) {
    if (other.op == Op::user) {
        return scans_other_cpus(st.op); // otherwise user code of its own: nothing shared
    }
    if (other.cpu == cpu || !memory_step(other.op) || !memory_step(st.op)) {
        return true;
    }
    return is_plain(other.op) && is_plain(st.op) ? plain_dependent(s, other, st)
                                                 : drain_dependent(s, other, cpu, st, own);
}

/// Whether a step another thread has still to begin does not commute with `st` of `thread`
/// on `cpu`, whose buffer holds `own` (looking ahead into the programs).
bool dependent_step_ahead(const MemorySearch& s, int thread, int cpu, const scenario::Step& st,
                          const std::vector<int>& own) {
    for (std::size_t t = 0; t < s.programs.size(); ++t) {
        if (static_cast<int>(t) == thread) {
            continue;
        }
        if (s.unbounded[t]) {
            return true;
        }
        const std::vector<SearchStep>& prog = s.programs[t];
        for (std::size_t i = s.begun[t]; i < prog.size(); ++i) {
            if (dependent(s, prog[i], cpu, st, own)) {
                return true;
            }
        }
    }
    return false;
}

namespace {

/// The clock a step of `thread` starts from: its thread's previous step's (program order), or
/// none.
std::vector<int> program_order_clock(const MemorySearch& s, int thread, std::size_t before) {
    for (std::size_t i = before; i-- > 0;) {
        if (s.steps[i].thread == thread) {
            return s.steps[i].clock;
        }
    }
    return std::vector<int>(s.turns.size(), -1);
}

void join(std::vector<int>& clock, const std::vector<int>& other) {
    for (std::size_t t = 0; t < clock.size() && t < other.size(); ++t) {
        clock[t] = std::max(clock[t], other[t]);
    }
}

/// A `user` step as the races see it: a drain of its CPU's buffer. At a thread's end it stands
/// for the exit after it too, whose locked operations drain the buffer (the sleep sets wake a
/// thread waiting there at every other step but a `user` one for that reason); in the middle of
/// a program it shares nothing, and a drain is more than that.
scenario::Op race_op(scenario::Op op) {
    return op == scenario::Op::user ? scenario::Op::fence : op;
}

/// What dependent() reads of the later step of a race: its operation and variable.
scenario::Step race_step(const SearchStep& st) {
    scenario::Step step;
    step.op = race_op(st.op);
    step.var = st.var;
    return step;
}

/// Whether the earlier begun step `earlier` and the later `later`, of another thread, do not
/// commute: judged with the buffers `earlier` met, as if `later` had begun there instead.
bool race_dependent(const MemorySearch& s, const SearchStep& earlier, const SearchStep& later) {
    if (earlier.op != scenario::Op::user) {
        return dependent(s, earlier, later.cpu, race_step(later), {});
    }
    const SearchStep drain{
        earlier.thread,      earlier.cpu, scenario::Op::fence, -1, earlier.buffers,
        earlier.turn_choice, {}};
    return dependent(s, drain, later.cpu, race_step(later), {});
}

} // namespace

/// The races of the step just begun, j, as in Flanagan and Godefroid's DPOR (POPL 2005), over
/// the steps begun: going back from j, each step i of another thread that j's clock does not
/// yet order before it and that is dependent on j races with it (nothing between them orders
/// the two), and orders everything before it in turn (its clock joins j's). The chooser hears of
/// i's thread's last turn choice: waiting there lets j's side go first. A step with no turn
/// choice of its own (a sleep, an explicit exit, a step taken when nobody else could move)
/// names its thread's last one before it, the wait the search without races offered too:
/// waiting there puts the thread to sleep with that earlier step until a step dependent on it
/// begins.
void find_races(MemorySearch& s) {
    const std::size_t j = s.steps.size() - 1;
    SearchStep& last = s.steps[j];
    std::vector<int> clock = program_order_clock(s, last.thread, j);
    clock[static_cast<std::size_t>(last.thread)] = static_cast<int>(j);
    for (std::size_t i = j; i-- > 0;) {
        const SearchStep& other = s.steps[i];
        if (other.thread == last.thread ||
            clock[static_cast<std::size_t>(other.thread)] >= static_cast<int>(i) ||
            !race_dependent(s, other, last)) {
            continue;
        }
        if (other.turn_choice >= 0) {
            s.chooser.race(static_cast<std::size_t>(other.turn_choice));
        }
        join(clock, other.clock);
    }
    last.clock = std::move(clock);
}

} // namespace arch_x86::search_dependence
