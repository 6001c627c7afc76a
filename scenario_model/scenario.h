#pragma once
// The parsed scenario: plain data, as docs/scenario-keys.md and docs/steps.md describe it.
// The loader (scenario/loader.h) fills it after validating every key, type, range and reference;
// the kernel layers consume it and never see TOML. Indices replace names once resolved.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scenario {

/// A position in the scenario file, 1-based; line 0 means "unknown".
struct SourceLoc {
    int line = 0;
    int column = 0;
};

enum class IdleMode { poll, halt, mwait };
/// How user memory behaves (docs/memory-model.md): sequentially consistent (a store is visible to
/// every CPU when it executes), or x86-TSO (a store waits in its CPU's FIFO store buffer).
enum class MemoryModel { sc, tso };
/// How the kernel writes the local APIC's ICR: x2APIC by WRMSR (each send call starts with an
/// MFENCE, x2apic_wrmsr_fence), or xAPIC by MMIO (no fence).
enum class ApicMode { x2apic, xapic };

/// A schedule perturbation's change point, written "CPU@AT+EXTRA" (`[machine] delays`, `--delay`,
/// and what `tlbsim explore` prints): the first step on CPU whose duration is drawn at or after
/// cycle AT lasts EXTRA cycles longer (sim::StepDelay).
struct Delay {
    int cpu = 0;
    std::int64_t at = 0;
    std::int64_t extra = 0;
    bool operator==(const Delay&) const = default;
};
/// "1@5000+300"
std::string format_delay(const Delay& d);
/// The delay written as "CPU@AT+EXTRA" with decimal integers (CPU >= 0, AT >= 0, EXTRA >= 1), or
/// nullopt; ranges against a machine are the caller's to check.
std::optional<Delay> parse_delay(std::string_view text);

struct Machine {
    int cpus = 0;
    bool pcid = true;
    bool pti = false;
    bool serialize = false;
    bool fred = false;
    bool invpcid = true; ///< INVPCID_SINGLE: PTI flushes a user-PCID page at once
    ApicMode apic = ApicMode::x2apic;
    IdleMode idle = IdleMode::poll;
    MemoryModel memory = MemoryModel::tso;
    std::int64_t timeslice = 0; ///< 0 = no tick
    bool wakeup_preempt = false;
    std::vector<int> offline; ///< sorted, unique
    /// By CPU: cpu_tlbstate.next_asid at time 0, 1..6 (empty: 1 everywhere, as after boot).
    std::vector<int> next_asid;
    bool nohz_full = false;
    std::optional<std::int64_t> max_cycles;
    double ghz = 3.0;
    std::uint64_t seed = 0;
    int jitter = 0;                             ///< percent, 0..100
    std::vector<Delay> delays;                  ///< schedule perturbation (explore)
    std::map<std::string, std::int64_t> costs;  ///< validated cost-model overrides
    std::map<std::string, SourceLoc> cost_locs; ///< where each override was written
    SourceLoc loc;                              ///< the [machine] table

    bool is_online(int cpu) const;
};

/// The membarrier registrations a process can hold from time 0 (`register` key).
enum class Registration {
    private_expedited,
    private_expedited_sync_core,
    private_expedited_rseq,
    global_expedited
};

struct Process {
    std::string name;
    std::vector<Registration> registrations;
    SourceLoc loc;
    std::vector<int> variables = {}; ///< indices into Scenario::variables
    /// `asid_slots`: by CPU, the dynamic ASID slot (1..5) the process's mm holds at time 0, as a
    /// replay's recording implies it held one before it began; 0: none. Empty: none anywhere.
    /// Slot 1 is the first choose_new_asid() reuses (next_asid starts at 1); slot 0 is init_mm's.
    std::vector<int> asid_slots = {};
};

/// A user variable shared by the threads of one process (`[[process]] variables`): one word of
/// its memory, which the steps store, load and lock_rmw access (docs/memory-model.md).
struct Variable {
    std::string name; ///< unique in the scenario
    int process = -1;
    std::int64_t initial = 0;
    SourceLoc loc;
};

/// The result of a system call as written in a scenario: a value or an errno name.
struct ResultValue {
    bool is_errno = false;
    std::int64_t value = 0; ///< the non-negative result when !is_errno
    std::string errno_name; ///< "EPERM", ... when is_errno
    bool operator==(const ResultValue&) const = default;
};

/// The operation of a step. Each is described once, with its arguments, options and the thread
/// kinds that may use it, in the step table (scenario/steps.cpp; `tlbsim steps`). `repeat` stays
/// the last enumerator; adding one: docs/extending.md.
enum class Op {
    user,
    syscall,
    page_fault,
    sleep,
    wait,
    signal,
    yield,
    migrate,
    membarrier,
    flush_tlb,
    exec,
    exit,
    work,      ///< kthreads
    use_mm,    ///< kthreads
    unuse_mm,  ///< kthreads
    text_poke, ///< kthreads
    efi_call,  ///< kthreads
    store,     ///< user memory: store VAR VALUE
    load,      ///< user memory: load VAR REG
    fence,     ///< user memory: MFENCE
    lock_rmw,  ///< user memory: a LOCK-prefixed add of 0 to VAR
    xchg,      ///< user memory: XCHG VAR with VALUE, the old value into REG
    cmpxchg,   ///< user memory: LOCK CMPXCHG VAR from OLD to NEW, the old value into REG
    repeat,    ///< repeat N ... end; the enclosed steps are in `body`
};

/// What few steps carry, kept out of line: a membarrier's command as written and its expected
/// result, a label. Most steps of a large scenario are `user` or `sleep`, and the programs of
/// 100,000 threads are most of such a scenario's memory (docs/performance.md, Scale).
struct StepNotes {
    std::string cmd_name;              ///< membarrier: lower-case name as written, or the integer
    std::optional<ResultValue> expect; ///< membarrier: the result it must return
    std::string label;                 ///< "" when none
};

struct Step {
    Op op = Op::user;
    bool freed_tables = false; ///< flush_tlb
    /// Where it was written, for messages (step_path): its index in its thread's `program`
    /// array (a repeat body's steps are in that array too), or a replayed step's trace line (0:
    /// none). -1: nowhere (made by a tool).
    std::int32_t source = -1;
    /// cycles (user, syscall, sleep, work), CPU (migrate), count (repeat), value (store, xchg),
    /// OLD (cmpxchg)
    std::int64_t n = 0;
    int event = -1;   ///< index into Scenario::events (wait, signal)
    int process = -1; ///< index into Scenario::processes (use_mm, kthread flush_tlb)
    int var = -1;     ///< index into Scenario::variables (the user memory steps)
    int reg = -1;     ///< index into the thread's registers (load, xchg, cmpxchg)
    // membarrier
    std::int64_t cmd = 0; ///< the integer passed to the system call
    std::int64_t flags = 0;
    std::int64_t cpu_id = 0; ///< the `cpu=` argument; 0 when not given (the kernel's default arg)
    // flush_tlb
    std::int64_t pages = 0; ///< 0 = full flush
    /// A replayed schedule's timing (`tlbsim replay`; not written in scenario files): before the
    /// step, the thread runs user code (a kthread: kernel work) until this cycle. -1: none.
    std::int64_t at = -1;
    /// A replayed exit: do_exit() runs exit_mm() at `at`, then stays in the kernel, preemptible
    /// and with no mm, until this cycle, when do_task_dead() ends it. -1: all at `at`.
    std::int64_t dead_at = -1;
    /// A replayed exit that drops the mm's last user: exit_mmap() unmaps, preemptible, until
    /// this cycle, when tlb_finish_mmu() flushes. -1: the cost model's exit_mmap cost.
    std::int64_t unmapped_at = -1;
    std::vector<Step> body; ///< repeat body
    SourceLoc loc;
    std::int64_t new_value = 0; ///< cmpxchg: NEW (OLD is in `n`)

    /// The step's notes (empty ones when it has none).
    const StepNotes& notes() const {
        static const StepNotes none;
        return notes_ ? *notes_ : none;
    }
    /// The notes to write to: this step's own (copied first if another step shares them).
    StepNotes& edit_notes() {
        if (!notes_ || notes_.use_count() > 1) {
            notes_ = std::make_shared<StepNotes>(notes());
        }
        return *notes_;
    }

private:
    std::shared_ptr<StepNotes> notes_; ///< null: none; copies of a step share them until edited
};

struct Thread {
    std::string name;
    bool kthread = false;
    int process = -1; ///< index into processes; -1 for kthreads
    int cpu = 0;
    std::int64_t start = 0;
    /// Replay only (scenario files do not write it): a CLONE_VM child outside its creator's
    /// thread group (vfork, posix_spawn). It shares `process`'s mm until it execs; its exec does
    /// not touch `process` (no de_thread of the creator's threads) and makes it the first thread
    /// of `exec_process`. -1: an ordinary thread of `process`.
    int exec_process = -1;
    std::vector<Step> program;
    std::vector<std::string> registers; ///< the registers its `load` steps name, in order
    SourceLoc loc;
};

enum class InjectEvent { interrupt, flush_tlb };

struct Inject {
    std::int64_t at = 0;
    int cpu = 0;
    InjectEvent event = InjectEvent::interrupt;
    int process = -1; ///< flush_tlb only
    std::int64_t pages = 0;
    bool freed_tables = false;
    std::string path; ///< "inject[2]"
    SourceLoc loc;
};

/// A value a knob may take; the policy layer checks the type against the knob's declaration.
struct KnobValue {
    enum class Kind { boolean, integer, string } kind = Kind::boolean;
    bool b = false;
    std::int64_t i = 0;
    std::string s;
    SourceLoc loc;
};

struct PolicyDef {
    std::string name;
    std::string base;
    std::vector<std::pair<std::string, KnobValue>> knobs; ///< in file order
    SourceLoc loc;
};

struct ExpectedCounter {
    std::string name;
    std::int64_t value = 0;
    SourceLoc loc;
};

/// One side of a comparison in an outcome: a thread's register, a variable's final value, or an
/// integer.
struct OutcomeOperand {
    enum class Kind : std::uint8_t { reg, var, constant };
    Kind kind = Kind::constant;
    int thread = -1;        ///< reg: index into Scenario::threads
    int index = -1;         ///< reg: into the thread's registers; var: into Scenario::variables
    std::int64_t value = 0; ///< constant
};

/// A node of an outcome's expression: `&&` and `||` over children, `!`, or a comparison.
struct OutcomeNode {
    enum class Kind : std::uint8_t { all, any, negate, equal, not_equal };
    Kind kind = Kind::equal;
    std::vector<int> children; ///< all, any, negate: indices into Outcome::nodes
    OutcomeOperand lhs;        ///< equal, not_equal
    OutcomeOperand rhs;
};

/// A condition over the final registers and memory of a run, as written in [[expect]] (`forbid`,
/// `require`): "t0:r1 == 0 && t1:r2 == 0". docs/memory-model.md gives the grammar.
struct Outcome {
    std::string text;
    std::vector<OutcomeNode> nodes;
    int root = -1;
    SourceLoc loc;
};

struct Expectation {
    std::vector<std::string> policies;
    std::vector<ExpectedCounter> counters;
    std::optional<std::vector<std::string>> violations;       ///< exact set when present
    std::vector<std::pair<std::string, ResultValue>> results; ///< label -> result
    std::optional<Outcome> forbid;  ///< must not hold at the end of the run
    std::optional<Outcome> require; ///< must hold at the end of the run
    std::string path;               ///< "expect[1]"
    SourceLoc loc;
};

/// One context switch of a directed schedule: at `at`, `cpu` switches to `thread` (-1: its idle
/// task). A replay (`tlbsim replay`) builds these from a recorded kernel schedule; scenario files
/// do not write them. `origin` is the recording's line the switch comes from (0: none).
struct DirectedSwitch {
    std::int64_t at = 0;
    int cpu = 0;
    int thread = -1;
    std::uint32_t origin = 0;
};

struct Scenario {
    std::string file; ///< path as given on the command line
    std::string name; ///< `name`, or the file stem
    std::string description;
    std::vector<std::string> policies{"v5.10"};
    Machine machine;
    std::vector<Process> processes;
    std::vector<Variable> variables; ///< every process's, in file order
    std::vector<Thread> threads; ///< [[thread]] entries first, then [[kthread]], each in file order
    std::vector<std::string>
        events; ///< every EVENT named by wait/signal, in order of first mention
    std::vector<Inject> injects;
    std::vector<PolicyDef> policy_defs;
    std::vector<Expectation> expectations;
    /// Non-empty for a replay: every CPU switches to exactly these tasks at these times, in
    /// order (sched/directed.h), and the run ends at `directed_end`.
    std::vector<DirectedSwitch> directed_schedule;
    std::int64_t directed_end = 0;
};

/// Where step `st` of thread `thread` (index into Scenario::threads) was written, for run-time
/// messages: "thread[0].program[3]" ("kthread[N]..." for a kernel thread), "TRACE:LINE" for a
/// replayed step, or the thread's name when the step has no source.
std::string step_path(const Scenario& sc, int thread, const Step& st);

} // namespace scenario
