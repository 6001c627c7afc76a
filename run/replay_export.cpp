#include "run/replay_export.h"

#include "run/replay_scenario.h"
#include "scenario_model/membarrier_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace run {

using ftrace::Nanos;
using scenario::Op;
using scenario::Step;

std::optional<TraceTime> parse_trace_time(std::string_view text) {
    TraceTime t;
    if (!text.empty() && text.front() == '+') {
        t.relative = true;
        text.remove_prefix(1);
    }
    const std::size_t dot = text.find('.');
    const std::string_view whole = text.substr(0, dot);
    const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
    const auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    // 10^9 s (31 years of uptime) keeps the nanoseconds far inside 64 bits.
    if (whole.empty() || whole.size() > 9 || fraction.size() > 9 || !digits(whole) ||
        !digits(fraction) || (dot != std::string_view::npos && fraction.empty())) {
        return std::nullopt;
    }
    for (const char c : whole) {
        t.ns = t.ns * 10 + (c - '0');
    }
    Nanos frac = 0;
    for (std::size_t i = 0; i < 9; ++i) {
        frac = frac * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    }
    t.ns = t.ns * 1'000'000'000 + frac;
    return t;
}

Nanos trace_offset(const TraceTime& t, Nanos origin) {
    return t.relative ? t.ns : t.ns - origin;
}

std::string trace_seconds(Nanos t, std::optional<Nanos> origin) {
    const Nanos v = origin ? *origin + t : t;
    const Nanos a = v < 0 ? -v : v;
    const char* sign = v < 0 ? "-" : origin ? "" : "+";
    const std::string fraction = a % 1000 == 0 ? fmt::format("{:06}", a % 1'000'000'000 / 1000)
                                               : fmt::format("{:09}", a % 1'000'000'000);
    return fmt::format("{}{}.{}", sign, a / 1'000'000'000, fraction);
}

namespace {

/// How a task left its CPU at a switch (sched_switch's prev_state, TASK_REPORT letters).
enum class Leaves : std::uint8_t {
    runnable, ///< R, R+: preempted, still on a runqueue
    blocked,  ///< S, D, I, T, ...: off the runqueue until a wakeup
    dead,     ///< X, Z: its last switch
};

Leaves leaves_as(const std::string& prev_state) {
    if (prev_state.empty() || prev_state.front() == 'R') {
        return Leaves::runnable;
    }
    return prev_state.front() == 'X' || prev_state.front() == 'Z' ? Leaves::dead : Leaves::blocked;
}

/// A stretch of time a task was current on a CPU.
struct OnCpu {
    int cpu = 0;
    Nanos begin = 0;
    Nanos end = 0;
    Leaves leaves = Leaves::runnable;
};

/// A change of a CPU's current task: a recorded switch, or one the trace implies (missing).
struct Change {
    Nanos time = 0;
    ftrace::Line line = 0;
    int cpu = 0;
    int prev = 0;
    int next = 0;
    Leaves leaves = Leaves::runnable;
};

std::vector<Change> changes(const ftrace::Workload& w) {
    std::vector<Change> out;
    for (const ftrace::Switch& s : w.switches) {
        out.push_back({s.time, s.line, s.cpu, s.prev_pid, s.next_pid, leaves_as(s.prev_state)});
    }
    // Why the task left is not recorded: taken as preempted (no sleep is invented).
    for (const ftrace::MissingSwitch& m : w.missing_switches) {
        out.push_back({m.time, m.line, m.cpu, m.prev_pid, m.next_pid, Leaves::runnable});
    }
    std::stable_sort(out.begin(), out.end(), [](const Change& a, const Change& b) {
        return std::tie(a.time, a.line) < std::tie(b.time, b.line);
    });
    return out;
}

/// Each task's stretches on a CPU, by pid (idle left out). A CPU's first task ran since the
/// recording began; the last ones run past its end (`end`).
std::map<int, std::vector<OnCpu>> on_cpu(const ftrace::Workload& w, Nanos end) {
    std::map<int, std::vector<OnCpu>> out;
    std::map<int, std::pair<int, Nanos>> current; // by CPU: pid, since
    for (const Change& c : changes(w)) {
        const auto it = current.find(c.cpu);
        const bool first = it == current.end();
        if (c.prev != 0 && (first || it->second.first == c.prev)) {
            out[c.prev].push_back({c.cpu, first ? 0 : it->second.second, c.time, c.leaves});
        }
        current[c.cpu] = {c.next, c.time};
    }
    for (const auto& [cpu, task] : current) {
        if (task.first != 0) {
            out[task.first].push_back({cpu, task.second, end, Leaves::runnable});
        }
    }
    for (auto& [pid, stretches] : out) {
        std::stable_sort(stretches.begin(), stretches.end(),
                         [](const OnCpu& a, const OnCpu& b) { return a.begin < b.begin; });
    }
    return out;
}

/// What a thread's time becomes in its program.
enum class Use : std::uint8_t { run, off };

/// A stretch of a thread's time in the window, in cycles: running on the window's CPUs (`run`),
/// or blocked, or running on a CPU outside the window (`off`). Runnable waits are not pieces: the
/// model's scheduler makes its own.
struct Piece {
    std::int64_t begin = 0;
    std::int64_t end = 0;
    Use use = Use::run;
    int cpu = -1; ///< the CPU it ran on (-1: blocked)
};

/// Appends a thread's steps, merging consecutive time of one use into one step.
class ProgramBuilder {
public:
    explicit ProgramBuilder(bool kthread) : kthread_(kthread) {}

    void add(Use use, std::int64_t cycles) {
        if (cycles <= 0) {
            return;
        }
        if (use != use_) {
            flush();
            use_ = use;
        }
        pending_ += cycles;
    }

    void step(Step st) {
        flush();
        program_.push_back(std::move(st));
    }

    std::vector<Step> finish() {
        flush();
        return std::move(program_);
    }

private:
    void flush() {
        if (pending_ > 0) {
            Step st;
            st.op = use_ == Use::off ? Op::sleep : kthread_ ? Op::work : Op::user;
            st.n = pending_;
            program_.push_back(std::move(st));
        }
        pending_ = 0;
    }

    bool kthread_;
    Use use_ = Use::run;
    std::int64_t pending_ = 0;
    std::vector<Step> program_;
};

bool same_step(const Step& a, const Step& b) {
    return a.op == b.op && a.n == b.n && a.cmd == b.cmd && a.flags == b.flags &&
           a.cpu_id == b.cpu_id && a.pages == b.pages && a.freed_tables == b.freed_tables &&
           a.body.empty() && b.body.empty();
}

/// How many times the `len` steps at `i` occur in a row from `i`.
std::size_t repeats_at(const std::vector<Step>& p, std::size_t i, std::size_t len) {
    std::size_t k = 1;
    while (i + (k + 1) * len <= p.size()) {
        for (std::size_t j = 0; j < len; ++j) {
            if (!same_step(p[i + j], p[i + k * len + j])) {
                return k;
            }
        }
        ++k;
    }
    return k;
}

/// `p` with runs of identical steps (or blocks of up to 8) as `repeat N ... end`: exactly the
/// same steps, fewer lines. At each place the block that saves the most lines is taken.
std::vector<Step> collapse_repeats(std::vector<Step> p) {
    constexpr std::size_t max_block = 8;
    std::vector<Step> out;
    std::size_t i = 0;
    while (i < p.size()) {
        std::size_t best_len = 0;
        std::size_t best_k = 0;
        std::size_t best_saved = 0;
        for (std::size_t len = 1; len <= max_block && i + 2 * len <= p.size(); ++len) {
            const std::size_t k = repeats_at(p, i, len);
            const std::size_t saved = len * k > len + 2 ? len * k - len - 2 : 0;
            if (saved > best_saved) {
                best_len = len, best_k = k, best_saved = saved;
            }
        }
        if (best_saved == 0) {
            out.push_back(std::move(p[i++]));
            continue;
        }
        Step r;
        r.op = Op::repeat;
        r.n = static_cast<std::int64_t>(best_k);
        r.body.assign(
            std::make_move_iterator(p.begin() + static_cast<std::ptrdiff_t>(i)),
            std::make_move_iterator(p.begin() + static_cast<std::ptrdiff_t>(i + best_len)));
        out.push_back(std::move(r));
        i += best_len * best_k;
    }
    return out;
}

/// The registration a successful register command gives (none for another command).
std::optional<scenario::Registration> registration_of(std::int64_t cmd) {
    using R = scenario::Registration;
    constexpr std::pair<std::string_view, R> registers[] = {
        {"register_private_expedited", R::private_expedited},
        {"register_private_expedited_sync_core", R::private_expedited_sync_core},
        {"register_private_expedited_rseq", R::private_expedited_rseq},
        {"register_global_expedited", R::global_expedited},
    };
    const auto index = scenario::membarrier_cmd_index(cmd);
    for (const auto& [name, reg] : registers) {
        if (index && scenario::membarrier_cmd_names[*index] == name) {
            return reg;
        }
    }
    return std::nullopt;
}

/// The scheduler tick of the exported machine: 4 ms (HZ=250). The development traces' longest
/// runs ended by preemption (prev_state R) last 4 ms, the tick's check of the slice; shorter
/// ones follow a wakeup, hence wakeup_preempt.
constexpr Nanos tick_ns = 4'000'000;

std::string cpu_list(const std::vector<int>& cpus, int machine_cpus) {
    if (cpus.empty()) {
        return machine_cpus == 1 ? "0" : fmt::format("0-{}", machine_cpus - 1);
    }
    return fmt::format("{}", fmt::join(cpus, ","));
}

/// A task of the recording on its way to a scenario thread.
struct Candidate {
    std::int64_t start = 0;    ///< when it appears: its fork, or the window's start
    std::vector<Piece> pieces; ///< its time in the window from `start`
    int cpu = -1;              ///< the window's CPU it first ran on (-1: none)
    std::set<int> cpus;        ///< the CPUs it ran on in the window (inside it or not)
};

class Exporter {
public:
    Exporter(const ftrace::Workload& w, const ExportOptions& o, ScenarioExport& out)
        : w_(w), o_(o), out_(out), rs_(scenario_from_workload(w, replay_options(o))) {}

    void build() {
        window();
        stretches_ = on_cpu(w_, out_.window.to);
        index_events();
        for (std::size_t i = 0; i < rs_.scenario.threads.size(); ++i) {
            thread(i);
        }
        if (out_.scenario.threads.empty()) {
            throw WindowError(fmt::format("no task runs on CPU {} from {} to {} s",
                                          cpu_list(o_.window.cpus, w_.cpus),
                                          seconds(out_.window.from), seconds(window_end())));
        }
        order_threads();
        processes();
        machine();
        notes();
    }

private:
    static ReplayOptions replay_options(const ExportOptions& o) {
        ReplayOptions r;
        r.ghz = o.ghz;
        r.lead_cycles = 0; // cycles(t) is the recorded time in cycles
        return r;
    }

    std::int64_t cycles(Nanos t) const { return rs_.cycles(t); }

    /// A time for the user: on the trace's clock when its origin is known.
    std::string seconds(Nanos t) const { return trace_seconds(t, o_.origin); }

    void window() {
        ExportWindow& win = out_.window;
        win = o_.window;
        for (const int c : win.cpus) {
            if (c < 0 || c >= w_.cpus) {
                throw WindowError(fmt::format("--cpus: no CPU {} in the recording ({} CPUs: {})", c,
                                              w_.cpus, cpu_list({}, w_.cpus)));
            }
        }
        if (win.from >= win.to) {
            throw WindowError(fmt::format("the window from {} to {} s is empty", seconds(win.from),
                                          seconds(win.to)));
        }
        if (win.from > w_.duration || win.to <= 0) {
            throw WindowError(
                fmt::format("the window from {} to {} s is outside the recording ({} to {} s)",
                            seconds(win.from), seconds(win.to), seconds(0), seconds(w_.duration)));
        }
        win.from = std::max<Nanos>(win.from, 0);
        win.to = std::min(win.to, w_.duration + 1);
        out_.trace = w_.path;
        out_.recording_end = w_.duration;
        out_.origin = o_.origin;
    }

    bool kept_cpu(int cpu) const {
        const std::vector<int>& cpus = o_.window.cpus;
        return cpus.empty() || std::binary_search(cpus.begin(), cpus.end(), cpu);
    }

    void index_events() {
        for (const ftrace::LifeEvent& e : w_.life) {
            if (e.kind == ftrace::LifeKind::wakeup) {
                wakeups_[e.pid].push_back(e.time);
            }
        }
        for (const ftrace::MembarrierCall& c : w_.membarriers) {
            membarrier_exit_.try_emplace(c.line, cycles(c.exit));
        }
        for (const ftrace::Switch& s : w_.switches) {
            out_.switches += in_window(s.time) && kept_cpu(s.cpu) ? 1 : 0;
        }
    }

    bool in_window(Nanos t) const { return t >= out_.window.from && t < out_.window.to; }

    /// When a task that blocked at `since` was woken: its first sched_wakeup from then until
    /// `until` (its next run), or `until` when the recording has none.
    Nanos woken(int pid, Nanos since, Nanos until) const {
        const auto it = wakeups_.find(pid);
        if (it == wakeups_.end()) {
            return until;
        }
        const auto w = std::lower_bound(it->second.begin(), it->second.end(), since);
        return w != it->second.end() && *w < until ? *w : until;
    }

    /// A task's time in the window, from its fork or the window's start: its runs, its
    /// blocked time until each wakeup, and its runs on CPUs outside the window's (time away).
    Candidate candidate(int pid, const std::vector<OnCpu>& stretches) const {
        Candidate c;
        const ftrace::Task* task = w_.task(pid);
        const Nanos appears = std::max(out_.window.from, task == nullptr ? 0 : task->born);
        c.start = cycles(appears);
        std::vector<std::tuple<Nanos, Nanos, Use, int>> spans; // begin, end, use, cpu
        for (std::size_t k = 0; k < stretches.size(); ++k) {
            const OnCpu& s = stretches[k];
            spans.emplace_back(s.begin, s.end, kept_cpu(s.cpu) ? Use::run : Use::off, s.cpu);
            if (s.leaves == Leaves::blocked) {
                const Nanos next =
                    k + 1 < stretches.size() ? stretches[k + 1].begin : out_.window.to;
                spans.emplace_back(s.end, woken(pid, s.end, next), Use::off, -1);
            }
        }
        for (const auto& [begin, end, use, cpu] : spans) {
            const Nanos b = std::max(begin, appears);
            const Nanos e = std::min(end, out_.window.to);
            if (b < e) {
                c.pieces.push_back({cycles(b), cycles(e), use, cpu});
                c.cpu = c.cpu < 0 && use == Use::run ? cpu : c.cpu;
                cpu >= 0 ? void(c.cpus.insert(cpu)) : void();
            }
        }
        return c;
    }

    void thread(std::size_t i) {
        const int pid = rs_.thread_pid[i];
        const auto it = stretches_.find(pid);
        if (it == stretches_.end()) {
            return;
        }
        const Candidate c = candidate(pid, it->second);
        if (c.cpu < 0) {
            elsewhere_only_ += c.cpus.empty() ? 0 : 1;
            return;
        }
        const scenario::Thread& th = rs_.scenario.threads[i];
        scenario::Thread out;
        out.name = th.name;
        out.kthread = th.kthread;
        out.process = th.kthread ? -1 : exported_process(th);
        out.cpu = c.cpu;
        out.start = c.start - cycles(out_.window.from);
        out.program = collapse_repeats(program(th, c));
        if (out.program.empty()) {
            return;
        }
        migrated_ += c.cpus.size() > 1 ? 1 : 0;
        vfork_execs_ += th.exec_process >= 0 && out.process == th.exec_process ? 1 : 0;
        out_.scenario.threads.push_back(std::move(out));
        out_.thread_pid.push_back(pid);
    }

    /// The first exec step of a replay thread, if any.
    static std::optional<std::int64_t> exec_at(const scenario::Thread& th) {
        for (const Step& st : th.program) {
            if (st.op == Op::exec) {
                return st.at;
            }
        }
        return std::nullopt;
    }

    /// A vfork child that execs before the window's end is its own process from the start: a
    /// scenario thread belongs to one process, and the exec of a lone thread replaces its mm as
    /// the child's does. One that does not is a thread of its creator's process.
    int exported_process(const scenario::Thread& th) const {
        const auto exec = exec_at(th);
        const bool own = th.exec_process >= 0 && exec && *exec < cycles(out_.window.to);
        return own ? th.exec_process : th.process;
    }

    /// The recorded steps of a thread from `start` to the window's end, each with its time.
    std::vector<Step> timed_steps(const scenario::Thread& th, std::int64_t start) const {
        std::vector<Step> steps;
        for (const Step& st : th.program) {
            const bool recorded = st.op == Op::membarrier || st.op == Op::flush_tlb ||
                                  st.op == Op::exec || st.op == Op::exit;
            if (recorded && st.at >= start && st.at < cycles(out_.window.to)) {
                steps.push_back(st);
            }
        }
        return steps;
    }

    /// When a step's own time ends: a membarrier call at its sys_exit (the model spends its
    /// own time in the call; a call the replay starts after its recorded exit, the measured scan
    /// time being longer than the call, at its start), any other at once.
    std::int64_t step_end(const Step& st) const {
        if (st.op != Op::membarrier) {
            return st.at;
        }
        const auto it = membarrier_exit_.find(static_cast<ftrace::Line>(st.source));
        return it == membarrier_exit_.end() ? st.at : std::max(st.at, it->second);
    }

    static Step placed(Step st) {
        st.at = -1;
        st.source = -1;
        return st;
    }

    /// The program: the pieces' time as user/work and sleep steps, the recorded steps at their
    /// places, up to the exit.
    std::vector<Step> program(const scenario::Thread& th, const Candidate& c) {
        const std::vector<Step> steps = timed_steps(th, c.start);
        ProgramBuilder pb(th.kthread);
        std::int64_t resume = c.start;
        std::size_t s = 0;
        for (const Piece& p : c.pieces) {
            std::int64_t at = std::max(p.begin, resume);
            for (; s < steps.size() && steps[s].at < p.end; ++s) {
                pb.add(p.use, steps[s].at - at);
                resume = std::max(resume, step_end(steps[s]));
                at = std::max({at, steps[s].at, resume});
                pb.step(placed(steps[s]));
                if (steps[s].op == Op::exit) {
                    return pb.finish();
                }
            }
            pb.add(p.use, p.end - at);
        }
        for (; s < steps.size(); ++s) {
            pb.step(placed(steps[s]));
            if (steps[s].op == Op::exit) {
                break;
            }
        }
        return pb.finish();
    }

    /// [[thread]]s first, then [[kthread]]s (the loader's order), each in pid order.
    void order_threads() {
        std::vector<std::size_t> order(out_.scenario.threads.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
            order[i] = i;
        }
        std::stable_partition(order.begin(), order.end(),
                              [this](std::size_t i) { return !out_.scenario.threads[i].kthread; });
        std::vector<scenario::Thread> threads;
        std::vector<int> pids;
        for (const std::size_t i : order) {
            threads.push_back(std::move(out_.scenario.threads[i]));
            pids.push_back(out_.thread_pid[i]);
        }
        out_.scenario.threads = std::move(threads);
        out_.thread_pid = std::move(pids);
    }

    /// The replay's process of `th` at `at`: a vfork child's is its own once it execs.
    static int process_at(const scenario::Thread& th, std::int64_t at) {
        const auto exec = exec_at(th);
        return th.exec_process >= 0 && exec && *exec <= at ? th.exec_process : th.process;
    }

    /// The successful registrations the window's processes hold at its start: made before it,
    /// or in it by a task the scenario leaves out (its register step is not written). By
    /// time and replay process; none for an exec before the window (a fresh mm).
    using RegistrationEvent = std::tuple<std::int64_t, int, std::optional<scenario::Registration>>;
    std::vector<RegistrationEvent> registration_events() {
        const std::int64_t from = cycles(out_.window.from);
        const std::set<int> written(out_.thread_pid.begin(), out_.thread_pid.end());
        std::map<int, std::size_t> thread_of;
        for (std::size_t i = 0; i < rs_.thread_pid.size(); ++i) {
            thread_of[rs_.thread_pid[i]] = i;
        }
        std::vector<RegistrationEvent> events;
        for (const ftrace::MembarrierCall& c : w_.membarriers) {
            const auto reg = registration_of(c.cmd);
            const auto t = thread_of.find(c.pid);
            const bool before = cycles(c.enter) < from;
            const bool left_out = in_window(c.enter) && !written.contains(c.pid);
            if (!reg || !c.returned || c.ret != 0 || !(before || left_out) ||
                t == thread_of.end() || rs_.scenario.threads[t->second].kthread) {
                continue;
            }
            registered_by_left_out_ += left_out ? 1 : 0;
            const scenario::Thread& th = rs_.scenario.threads[t->second];
            events.emplace_back(cycles(c.enter), process_at(th, cycles(c.enter)), reg);
        }
        for (const scenario::Thread& th : rs_.scenario.threads) {
            for (const Step& st : th.program) {
                if (st.op == Op::exec && st.at < from) {
                    events.emplace_back(st.at, process_at(th, st.at), std::nullopt);
                }
            }
        }
        std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
            return std::get<0>(a) < std::get<0>(b);
        });
        return events;
    }

    std::map<int, std::set<scenario::Registration>> registered_at_start() {
        std::map<int, std::set<scenario::Registration>> held;
        for (const auto& [at, process, reg] : registration_events()) {
            reg ? void(held[process].insert(*reg)) : held[process].clear();
        }
        return held;
    }

    /// The replay's processes the exported threads belong to, in order of first use, with the
    /// registrations they hold at the window's start.
    void processes() {
        auto before = registered_at_start();
        std::map<int, int> index;
        std::set<std::string> names;
        for (scenario::Thread& th : out_.scenario.threads) {
            if (th.kthread) {
                continue;
            }
            const auto [it, fresh] =
                index.try_emplace(th.process, static_cast<int>(out_.scenario.processes.size()));
            if (fresh) {
                scenario::Process p = rs_.scenario.processes[static_cast<std::size_t>(th.process)];
                p.name = unique_name(process_name(p.name, pid_of(th)), names);
                std::set<scenario::Registration> regs = std::move(before[th.process]);
                regs.insert(p.registrations.begin(), p.registrations.end());
                p.registrations.assign(regs.begin(), regs.end());
                out_.scenario.processes.push_back(std::move(p));
            }
            th.process = it->second;
        }
    }

    int pid_of(const scenario::Thread& th) const {
        const auto at = static_cast<std::size_t>(&th - out_.scenario.threads.data());
        return out_.thread_pid[at];
    }

    /// A process named after the mm its task `pid` has at the window's start (`comm[tgid]`: an
    /// exec before the window renames it); the replay's name for a vfork child's own process.
    std::string process_name(const std::string& replay_name, int pid) const {
        const ftrace::Task* t = w_.task(pid);
        int mm = t == nullptr ? -1 : t->mm;
        for (const ftrace::LifeEvent& e : w_.life) {
            if (e.time >= out_.window.from) {
                break;
            }
            mm = e.kind == ftrace::LifeKind::exec && e.pid == pid && e.mm >= 0 ? e.mm : mm;
        }
        if (mm < 0 || w_.mms[static_cast<std::size_t>(mm)].tgid != t->tgid) {
            return replay_name;
        }
        const ftrace::Mm& m = w_.mms[static_cast<std::size_t>(mm)];
        return fmt::format("{}[{}]", m.comm, m.tgid);
    }

    /// `name`, or `name-2`, `name-3`, ... when taken (a pid reused by another process).
    static std::string unique_name(const std::string& name, std::set<std::string>& taken) {
        std::string n = name;
        for (int i = 2; !taken.insert(n).second; ++i) {
            n = fmt::format("{}-{}", name, i);
        }
        return n;
    }

    void machine() {
        scenario::Scenario& sc = out_.scenario;
        sc.machine = rs_.scenario.machine; // cpus, ghz, HLT idle, the recording's PCID and PTI
        sc.machine.max_cycles.reset();
        sc.machine.timeslice = std::llround(static_cast<double>(tick_ns) * o_.ghz);
        sc.machine.wakeup_preempt = true;
        out_.measured = rs_.measured; // the machine's costs taken from the recording
        sc.policies = o_.policies;
        sc.file = w_.path;
        sc.description = fmt::format(
            "The recorded schedule of {} from {} to {} s after its first event, on {}: each "
            "task that ran in it is a thread (a [[kthread]] for a kernel thread) whose program is "
            "what it did: its run time as user (work) steps, its blocked time until its wakeup as "
            "sleep steps, its membarrier calls, local TLB shootdowns, execs and exit in their "
            "places. The model's own scheduler runs them (a 4 ms tick, wakeup preemption); the "
            "recorded switches are not replayed. Written by `tlbsim replay --scenario` "
            "(docs/replay.md, Real schedules as scenarios).",
            w_.path, trace_seconds(out_.window.from, {}), trace_seconds(window_end(), {}),
            o_.window.cpus.empty() ? "every CPU" : "CPU " + cpu_list(o_.window.cpus, w_.cpus));
    }

    Nanos window_end() const { return std::min(out_.window.to, w_.duration); }

    std::size_t kthread_flushes() const {
        std::size_t n = 0;
        for (const ftrace::Flush& f : w_.flushes) {
            const ftrace::Task* t = w_.task(f.pid);
            n += f.reason == ftrace::FlushReason::local_mm_shootdown && in_window(f.time) &&
                         kept_cpu(f.cpu) && (t == nullptr || t->kthread || t->mm < 0)
                     ? 1
                     : 0;
        }
        return n;
    }

    std::size_t without_mm() const {
        std::size_t n = 0;
        for (std::size_t i = 0; i < out_.thread_pid.size(); ++i) {
            const ftrace::Task* t = w_.task(out_.thread_pid[i]);
            n += out_.scenario.threads[i].kthread && t != nullptr && !t->kthread ? 1 : 0;
        }
        return n;
    }

    void notes() {
        std::vector<std::string>& n = out_.notes;
        const auto note = [&n](std::size_t count, std::string text) {
            if (count > 0) {
                n.push_back(fmt::format("{} {}", count, text));
            }
        };
        const std::string cpus = cpu_list(o_.window.cpus, w_.cpus);
        note(elsewhere_only_,
             fmt::format("task(s) ran only on CPUs other than {}: not written", cpus));
        note(migrated_, "task(s) ran on more than one CPU: each stays on the CPU it first ran "
                        "on (`cpu`), no migration is written; its runs on CPUs outside the "
                        "window's are time away (sleep)");
        note(kthread_flushes(), "local TLB shootdown(s) by kernel threads: not written (the "
                                "recording does not say which mm they flushed)");
        note(vfork_execs_, "vfork child(ren) exec in the window: each is its own process from "
                           "its start, not a sharer of its creator's mm until the exec");
        note(without_mm(), "task(s) with no known address space: written as kernel threads");
        note(registered_by_left_out_, "membarrier registration(s) in the window by tasks not "
                                      "written: their processes hold them from the start");
    }

    const ftrace::Workload& w_;
    const ExportOptions& o_;
    ScenarioExport& out_;
    ReplayScenario rs_;
    std::map<int, std::vector<OnCpu>> stretches_;
    std::map<int, std::vector<Nanos>> wakeups_;
    std::map<ftrace::Line, std::int64_t> membarrier_exit_; ///< by the call's entry line
    std::size_t elsewhere_only_ = 0;
    std::size_t migrated_ = 0;
    std::size_t vfork_execs_ = 0;
    std::size_t registered_by_left_out_ = 0;
};

} // namespace

ScenarioExport export_window(const ftrace::Workload& w, const ExportOptions& options) {
    ScenarioExport out;
    Exporter(w, options, out).build();
    return out;
}

} // namespace run
