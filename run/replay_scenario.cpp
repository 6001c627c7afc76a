#include "run/replay_scenario.h"

#include "run/replay_timing.h"
#include "scenario_model/membarrier_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace run {

using ftrace::Nanos;
using scenario::Op;
using scenario::Step;

std::int64_t ReplayScenario::cycles(Nanos t) const {
    return options.lead_cycles + std::llround(static_cast<double>(t) * options.ghz);
}

namespace {

// membarrier(2) commands (include/uapi/linux/membarrier.h) whose callers must have registered.
constexpr std::int64_t cmd_private_expedited = 1 << 3;
constexpr std::int64_t cmd_register_private_expedited = 1 << 4;
constexpr std::int64_t cmd_private_expedited_sync_core = 1 << 5;
constexpr std::int64_t cmd_register_private_expedited_sync_core = 1 << 6;
constexpr std::int64_t cmd_private_expedited_rseq = 1 << 7;
constexpr std::int64_t cmd_register_private_expedited_rseq = 1 << 8;

/// A step of one task, before it is placed: its recorded time and line keep the order.
struct Timed {
    Nanos time = 0;
    ftrace::Line line = 0;
    Step step;
};

class Builder {
public:
    Builder(const ftrace::Workload& w, ReplayScenario& rs) : w_(w), rs_(rs) {}

    void build() {
        machine();
        exec_processes();
        threads();
        programs();
        schedule();
    }

private:
    scenario::Scenario& sc() { return rs_.scenario; }

    void machine() {
        scenario::Machine& m = sc().machine;
        m.cpus = std::max(w_.cpus, 1);
        m.ghz = rs_.options.ghz;
        m.idle = scenario::IdleMode::halt; // a guest's idle: HLT, the hypervisor does the rest
        if (w_.machine.known) {
            m.pcid = w_.machine.pcid;
            m.pti = w_.machine.pti;
            m.invpcid = w_.machine.invpcid;
        }
        if (const auto ipi = measure_ipi_delivery(w_)) {
            // The guest's own IPI delivery time (run/replay_timing.h), not the bare-metal one.
            m.costs["ipi_latency"] = std::max<std::int64_t>(
                1, std::llround(static_cast<double>(ipi->median) * rs_.options.ghz));
            rs_.measured.push_back(fmt::format(
                "IPI delivery: median {:.1f} us over {} TLB-flush IPIs (send to the target's "
                "flush_tlb_func line): the model's ipi_latency",
                static_cast<double>(ipi->median) / 1e3, ipi->samples));
        }
        if (const auto scan = measure_membarrier_scan(w_)) {
            // The kernel's path from the entry line to the scan, not the model's
            // (run/replay_timing.h): each call starts later by the difference.
            membarrier_delay_ = std::max<std::int64_t>(
                0, std::llround(static_cast<double>(scan->mean) * rs_.options.ghz) -
                       kMembarrierScanPathCycles);
            rs_.measured.push_back(fmt::format(
                "membarrier scan: mean {:.2f} us over {} calls from sys_enter_membarrier to the "
                "call's first IPI send: the model's calls start {:.2f} us after their entry line",
                static_cast<double>(scan->mean) / 1e3, scan->samples,
                static_cast<double>(membarrier_delay_) / rs_.options.ghz / 1e3));
        }
        sc().directed_end = rs_.cycles(w_.duration) + 1'000;
        m.max_cycles = sc().directed_end + 1'000'000;
        sc().name = w_.path;
        sc().file = w_.path;
    }

    void add_process(std::string name, bool predates) {
        sc().processes.push_back({std::move(name), {}, {}});
        rs_.process_predates.push_back(predates);
    }

    /// The process of the address space `mm`, made on first use.
    int process_of(int mm) {
        auto [it, fresh] = process_by_mm_.try_emplace(mm, static_cast<int>(sc().processes.size()));
        if (fresh) {
            const ftrace::Mm& m = w_.mms[static_cast<std::size_t>(mm)];
            add_process(fmt::format("{}[{}]", m.comm, m.tgid), m.created == 0 && m.line == 0);
        }
        return it->second;
    }

    /// Whether `t`, a user task, started as a CLONE_VM child outside its creator's thread group
    /// (vfork, posix_spawn): its first mm is another thread group's.
    bool vfork_child(const ftrace::Task& t) const {
        return !t.kthread && t.mm >= 0 && t.tgid >= 0 &&
               w_.mms[static_cast<std::size_t>(t.mm)].tgid != t.tgid;
    }

    /// A process of its own for the mm a vfork child's exec creates; an ordinary exec's mm stays
    /// its process's (the model's exec replaces the process's mm).
    void exec_processes() {
        std::map<int, int> current_mm; // by pid, as the execs change it
        for (const ftrace::LifeEvent& e : w_.life) {
            if (e.kind != ftrace::LifeKind::exec || e.mm < 0) {
                continue;
            }
            const ftrace::Task* t = task(e.pid);
            if (t == nullptr || t->kthread || t->mm < 0) {
                continue;
            }
            const auto [it, fresh] = current_mm.try_emplace(e.pid, t->mm);
            const bool leaves_creator = fresh && vfork_child(*t);
            if (leaves_creator) {
                const ftrace::Mm& m = w_.mms[static_cast<std::size_t>(e.mm)];
                process_by_mm_[e.mm] = static_cast<int>(sc().processes.size());
                add_process(fmt::format("{}[{}]", m.comm, m.tgid), false);
                exec_process_by_pid_[e.pid] = process_by_mm_[e.mm];
            } else {
                process_by_mm_[e.mm] = process_of(it->second);
            }
            it->second = e.mm;
        }
    }

    /// The CPU a task is first seen on in a switch (where it starts, or is queued at boot).
    int first_cpu(int pid) const {
        const auto it = first_cpu_.find(pid);
        return it == first_cpu_.end() ? 0 : it->second;
    }

    /// Tasks already in do_exit(), past exit_mm(), when the recording starts: they die in it
    /// (prev_state X or Z) with no sched_process_exit line, and no switch to them wrote CR3 (a
    /// task with no mm runs lazily). A compiler's exit_mmap() unmapping a large address space
    /// is preempted many times over several milliseconds like this.
    void find_exiting_at_start() {
        std::set<int> dies;
        std::set<int> wrote_cr3;
        for (const ftrace::Switch& s : w_.switches) {
            if (s.prev_state.starts_with('X') || s.prev_state.starts_with('Z')) {
                dies.insert(s.prev_pid);
            }
            if (s.observed != ftrace::Cr3Outcome::none) {
                wrote_cr3.insert(s.next_pid);
            }
        }
        std::set<int> exits;
        for (const ftrace::LifeEvent& e : w_.life) {
            if (e.kind == ftrace::LifeKind::exit) {
                exits.insert(e.pid);
            }
        }
        for (const int pid : dies) {
            const ftrace::Task* t = task(pid);
            if (t != nullptr && !t->kthread && !exits.contains(pid) && !wrote_cr3.contains(pid)) {
                exiting_at_start_.insert(pid);
            }
        }
    }

    void threads() {
        for (const ftrace::Switch& s : w_.switches) {
            first_cpu_.try_emplace(s.prev_pid, s.cpu);
            first_cpu_.try_emplace(s.next_pid, s.cpu);
            last_switch_out_[s.prev_pid] = s.time;
        }
        find_exiting_at_start();
        for (const ftrace::Task& t : w_.tasks) {
            if (t.idle) {
                continue;
            }
            scenario::Thread th;
            th.name = fmt::format("{}-{}", t.comm, t.pid);
            // A task exiting since before the recording has no mm: it runs as a kernel thread.
            th.kthread = t.kthread || t.mm < 0 || exiting_at_start_.contains(t.pid);
            th.process = th.kthread ? -1 : process_of(t.mm);
            if (!th.kthread && vfork_child(t)) {
                th.exec_process = exec_process_of(t.pid);
            }
            th.cpu = first_cpu(t.pid);
            th.start = t.born_line == 0 ? 0 : std::max<std::int64_t>(1, rs_.cycles(t.born));
            if (!t.kthread && t.mm < 0 && !exiting_at_start_.contains(t.pid)) {
                ++user_without_mm_;
            }
            thread_by_pid_[t.pid] = static_cast<int>(sc().threads.size());
            sc().threads.push_back(std::move(th));
            rs_.thread_pid.push_back(t.pid);
        }
    }

    Step step(Op op, Nanos time, ftrace::Line line) {
        Step st;
        st.op = op;
        st.at = rs_.cycles(time);
        st.source = static_cast<std::int32_t>(line); // "TRACE:LINE" (scenario::step_path)
        return st;
    }

    void membarrier_steps(std::map<int, std::vector<Timed>>& by_pid) {
        for (const ftrace::MembarrierCall& c : w_.membarriers) {
            Step st = step(Op::membarrier, c.enter, c.line);
            // The model's reads where the kernel's were, on average (machine()).
            st.at += scans_runqueues(c) ? membarrier_delay_ : 0;
            st.cmd = c.cmd;
            st.flags = c.flags;
            st.cpu_id = c.cpu_id;
            const auto index = scenario::membarrier_cmd_index(c.cmd);
            st.edit_notes().cmd_name = index ? std::string(scenario::membarrier_cmd_names[*index])
                                             : fmt::format("{:#x}", c.cmd);
            by_pid[c.pid].push_back({c.enter, c.line, std::move(st)});
            note_registration_use(c);
        }
    }

    /// When a flush began: flush_tlb_mm_range() (arch/x86/mm/tlb.c) increments the mm's
    /// tlb_gen, then traces "remote IPI send" in native_flush_tlb_multi() when other CPUs are
    /// to flush, then "local MM shootdown" in flush_tlb_func(). The first of its lines is the
    /// closer to the tlb_gen increment that a switch on another CPU in the same microsecond
    /// may see: `f`'s remote line when it is the line just before it on that CPU.
    Nanos flush_began(const ftrace::Flush& f, const ftrace::Flush* previous_on_cpu) const {
        const bool remote_part = previous_on_cpu != nullptr &&
                                 previous_on_cpu->reason == ftrace::FlushReason::remote_send_ipi &&
                                 previous_on_cpu->pid == f.pid && previous_on_cpu->pages == f.pages;
        return remote_part ? previous_on_cpu->time : f.time;
    }

    void flush_steps(std::map<int, std::vector<Timed>>& by_pid) {
        std::map<int, const ftrace::Flush*> previous_on_cpu;
        for (const ftrace::Flush& f : w_.flushes) {
            const ftrace::Flush* previous = std::exchange(previous_on_cpu[f.cpu], &f);
            if (f.reason != ftrace::FlushReason::local_mm_shootdown) {
                continue; // the others are outcomes: the model decides them
            }
            const ftrace::Task* t = task(f.pid);
            if (t == nullptr || t->kthread || t->idle || t->mm < 0) {
                ++kthread_flushes_; // which mm a kernel thread flushed is not recorded
                continue;
            }
            const Nanos began = flush_began(f, previous);
            Step st = step(Op::flush_tlb, began, f.line);
            st.pages = f.pages < 0 ? 0 : f.pages;
            st.freed_tables = f.pages < 0;
            by_pid[f.pid].push_back({began, f.line, std::move(st)});
        }
    }

    void life_steps(std::map<int, std::vector<Timed>>& by_pid) {
        for (const int pid : exiting_at_start_) {
            Step st = step(Op::exit, 0, 0);
            st.dead_at = rs_.cycles(task_dead_time(pid, 0));
            by_pid[pid].push_back({0, 0, std::move(st)});
        }
        for (const ftrace::LifeEvent& e : w_.life) {
            const ftrace::Task* t = task(e.pid);
            if (t == nullptr || t->idle) {
                continue;
            }
            if (e.kind == ftrace::LifeKind::exec && !t->kthread) {
                const Nanos at = exec_mmap_time(e);
                by_pid[e.pid].push_back({at, e.line, step(Op::exec, at, e.line)});
            } else if (e.kind == ftrace::LifeKind::exit) {
                Step st = step(Op::exit, e.time, e.line);
                const Nanos dead = task_dead_time(e.pid, e.time);
                st.dead_at = rs_.cycles(dead);
                st.unmapped_at = rs_.cycles(exit_mmap_flush_time(e, dead));
                by_pid[e.pid].push_back({e.time, e.line, std::move(st)});
            }
        }
    }

    /// When an exit's exit_mmap() flushed the mm (mm/mmap.c: tlb_finish_mmu() after unmapping
    /// everything, which takes tens of microseconds and is preemptible). While the CPU is
    /// still lazily on the dying mm, flush_tlb_func() switches it to init_mm
    /// (arch/x86/mm/tlb.c), a CR3 write outside a switch by the exiting task: its first one
    /// after the exit line. With none, the task was switched out and in again before the
    /// flush and ran lazily on another mm, or another user still held the mm: the unmapping
    /// lasts until do_task_dead().
    Nanos exit_mmap_flush_time(const ftrace::LifeEvent& e, Nanos dead) const {
        const auto from = std::ranges::partition_point(
            w_.cr3_writes, [&](const ftrace::Cr3Write& cw) { return cw.time < e.time; });
        for (auto it = from; it != w_.cr3_writes.end() && it->time <= dead; ++it) {
            if (it->pid == e.pid && !it->in_irq) {
                return it->time;
            }
        }
        return dead;
    }

    /// When an exiting task runs do_task_dead(). 6.18's do_exit() traces sched_process_exit
    /// just before exit_mm() (kernel/exit.c), so the replayed exit takes the mm there; the rest
    /// of do_exit() is preemptible (PREEMPT_DYNAMIC: the task may be switched out and in again,
    /// prev_state R+, running lazily with no mm), and it ends at its last recorded switch
    /// (prev_state X or Z): do_task_dead() runs just before it.
    Nanos task_dead_time(int pid, Nanos exit_mm_time) const {
        const auto last = last_switch_out_.find(pid);
        if (last == last_switch_out_.end() || last->second < exit_mm_time) {
            return exit_mm_time;
        }
        return std::max(exit_mm_time, last->second - exit_lead_ns);
    }

    /// When an exec took its new mm: exec_mmap()'s CR3 write (activate_mm), which the task's
    /// sched_process_exec event follows only once the binary is loaded -- after the task may
    /// have been switched out and in again (fs/exec.c: begin_new_exec, then exec_binprm's
    /// trace_sched_process_exec). The latest CR3 write outside a switch by the task before the
    /// event, or the event's own time when there is none.
    Nanos exec_mmap_time(const ftrace::LifeEvent& e) const {
        Nanos at = e.time;
        for (const ftrace::Cr3Write& cw : w_.cr3_writes) {
            if (cw.time > e.time) {
                break;
            }
            if (cw.pid == e.pid && !cw.in_irq && cw.time >= last_life_time(e)) {
                at = cw.time;
            }
        }
        return at;
    }

    /// The time of `e`'s task's previous lifetime event (fork, exec), 0 when none.
    Nanos last_life_time(const ftrace::LifeEvent& e) const {
        Nanos last = 0;
        for (const ftrace::LifeEvent& o : w_.life) {
            if (&o == &e) {
                break;
            }
            const bool own = (o.kind == ftrace::LifeKind::exec && o.pid == e.pid) ||
                             (o.kind == ftrace::LifeKind::fork && o.pid == e.pid);
            last = own ? o.time : last;
        }
        return last;
    }

    void programs() {
        std::map<int, std::vector<Timed>> by_pid;
        membarrier_steps(by_pid);
        flush_steps(by_pid);
        life_steps(by_pid);
        for (std::size_t i = 0; i < sc().threads.size(); ++i) {
            scenario::Thread& th = sc().threads[i];
            std::vector<Timed>& timed = by_pid[rs_.thread_pid[i]];
            std::stable_sort(timed.begin(), timed.end(), [](const Timed& a, const Timed& b) {
                return std::tie(a.time, a.line) < std::tie(b.time, b.line);
            });
            bool exits = false;
            for (Timed& t : timed) {
                exits = exits || t.step.op == Op::exit;
                th.program.push_back(std::move(t.step));
                if (exits) {
                    break;
                }
            }
            if (!exits) {
                // Alive at the end of the recording: it runs until the replay ends.
                Step last = step(th.kthread ? Op::work : Op::user, w_.duration, 0);
                last.at = sc().directed_end;
                last.source = 0; // named by its thread
                th.program.push_back(std::move(last));
            }
        }
        add_registrations();
        add_notes();
    }

    /// A process that uses a registered command without registering in the recording registered
    /// before it: it holds that registration from time 0.
    void note_registration_use(const ftrace::MembarrierCall& c) {
        const ftrace::Task* t = task(c.pid);
        if (t == nullptr || t->mm < 0 || t->kthread) {
            return;
        }
        const int p = process_of(t->mm);
        const auto registers = [&](std::int64_t cmd, scenario::Registration r) {
            if (c.cmd == cmd) {
                registered_[{p, static_cast<int>(r)}] = true;
            }
        };
        registers(cmd_register_private_expedited, scenario::Registration::private_expedited);
        registers(cmd_register_private_expedited_sync_core,
                  scenario::Registration::private_expedited_sync_core);
        registers(cmd_register_private_expedited_rseq,
                  scenario::Registration::private_expedited_rseq);
        const auto uses = [&](std::int64_t cmd, scenario::Registration r) {
            if (c.cmd == cmd && c.returned && c.ret == 0 &&
                !registered_.contains({p, static_cast<int>(r)})) {
                registered_before_.insert({p, static_cast<int>(r)});
            }
        };
        uses(cmd_private_expedited, scenario::Registration::private_expedited);
        uses(cmd_private_expedited_sync_core, scenario::Registration::private_expedited_sync_core);
        uses(cmd_private_expedited_rseq, scenario::Registration::private_expedited_rseq);
    }

    void add_registrations() {
        for (const auto& [p, r] : registered_before_) {
            sc().processes[static_cast<std::size_t>(p)].registrations.push_back(
                static_cast<scenario::Registration>(r));
            rs_.notes.push_back(fmt::format(
                "process {} used a registered membarrier command without registering in the "
                "recording: it holds that registration from the start",
                sc().processes[static_cast<std::size_t>(p)].name));
        }
    }

    void add_notes() {
        if (kthread_flushes_ > 0) {
            rs_.notes.push_back(fmt::format(
                "{} local TLB shootdown(s) by kernel threads are not replayed (the recording does "
                "not say which mm they flushed)",
                kthread_flushes_));
        }
        if (!exiting_at_start_.empty()) {
            rs_.notes.push_back(fmt::format(
                "{} task(s) were already exiting when the recording began (each dies, prev_state "
                "X or Z, with no sched_process_exit line, and no switch to it wrote CR3): they run "
                "with no mm until then",
                exiting_at_start_.size()));
        }
        if (user_without_mm_ > 0) {
            rs_.notes.push_back(fmt::format(
                "{} task(s) with no known address space run as kernel threads", user_without_mm_));
        }
    }

    /// The recorded switches, and those the recording lost, in time order on each CPU.
    void schedule() {
        std::vector<Planned> planned;
        std::vector<bool> started(static_cast<std::size_t>(sc().machine.cpus), false);
        for (std::size_t i = 0; i < w_.switches.size(); ++i) {
            const ftrace::Switch& s = w_.switches[i];
            if (s.cpu < 0 || s.cpu >= sc().machine.cpus) {
                continue;
            }
            if (!started[static_cast<std::size_t>(s.cpu)]) {
                started[static_cast<std::size_t>(s.cpu)] = true;
                if (s.prev_pid != 0) {
                    // The task the recording finds running: switched to before its time 0.
                    sc().directed_schedule.push_back({0, s.cpu, thread_of(s.prev_pid), 0});
                    rs_.recorded_switch.push_back(ReplayScenario::npos);
                }
            }
            planned.push_back({s.time, s.cpu, s.next_pid, s.line, i});
        }
        lost_switches(planned);
        for (const Planned& p : planned) {
            sc().directed_schedule.push_back({rs_.cycles(p.time) - switch_path_cycles, p.cpu,
                                              p.pid == 0 ? -1 : thread_of(p.pid), p.line});
            rs_.recorded_switch.push_back(p.recorded);
        }
    }

    struct Planned {
        Nanos time = 0;
        int cpu = 0;
        int pid = 0;
        ftrace::Line line = 0;
        std::size_t recorded = ReplayScenario::npos;
    };

    /// A switch the recording lost (its sched_switch line is missing, but the CPU's lines show
    /// another task current) is made too, so that its CR3 write moves the CPU's ASID slots as the
    /// kernel's did: just before the new task's first line (a switch's length), after the last
    /// line of the old one. It has no outcome to compare (ReplayScenario::recorded_switch).
    void lost_switches(std::vector<Planned>& planned) {
        for (const ftrace::MissingSwitch& m : w_.missing_switches) {
            if (m.cpu >= 0 && m.cpu < sc().machine.cpus) {
                planned.push_back(
                    {std::max(m.since, m.time - lost_switch_lead_ns), m.cpu, m.next_pid, m.line});
            }
        }
        std::stable_sort(planned.begin(), planned.end(),
                         [](const Planned& a, const Planned& b) { return a.time < b.time; });
    }

    /// The process a vfork child's exec makes it the first thread of (one of its own when it
    /// does not exec in the recording).
    int exec_process_of(int pid) {
        const auto it = exec_process_by_pid_.find(pid);
        if (it != exec_process_by_pid_.end()) {
            return it->second;
        }
        const ftrace::Task* t = task(pid);
        add_process(fmt::format("{}[{}]", t->comm, t->tgid), false);
        return exec_process_by_pid_[pid] = static_cast<int>(sc().processes.size()) - 1;
    }

    int thread_of(int pid) const {
        const auto it = thread_by_pid_.find(pid);
        return it == thread_by_pid_.end() ? -1 : it->second;
    }

    const ftrace::Task* task(int pid) const {
        const auto it = std::lower_bound(w_.tasks.begin(), w_.tasks.end(), pid,
                                         [](const ftrace::Task& t, int p) { return t.pid < p; });
        return it != w_.tasks.end() && it->pid == pid ? &*it : nullptr;
    }

    const ftrace::Workload& w_;
    ReplayScenario& rs_;
    std::map<int, int> process_by_mm_;
    std::map<int, int> thread_by_pid_;
    std::map<int, int> first_cpu_;
    std::map<int, int> exec_process_by_pid_;
    std::map<int, Nanos> last_switch_out_; ///< by pid: its last recorded switch away
    /// How long before its last switch an exiting task runs the model's do_task_dead().
    static constexpr Nanos exit_lead_ns = 2'000;
    /// How long before the first line of its new task a lost switch is made.
    static constexpr Nanos lost_switch_lead_ns = 200;
    /// sched_switch is traced after __schedule()'s rq->curr store (kernel/sched/core.c): the
    /// directed switch is due this much earlier, the model's path from the due timer's interrupt
    /// to that store (390 cycles from the timer to pick_next_task in a replay of
    /// traces/dev/shootdown, the store just after), so that it lands on the recorded time. A
    /// membarrier call recorded a few nanoseconds after a switch on another CPU then sees the
    /// new rq->curr, as the kernel's did.
    static constexpr std::int64_t switch_path_cycles = 400;
    /// Cycles after its entry line that a membarrier call starts: measure_membarrier_scan's
    /// mean less kMembarrierScanPathCycles, or 0 when the recording has too few sends.
    std::int64_t membarrier_delay_ = 0;
    std::map<std::pair<int, int>, bool> registered_;
    std::set<std::pair<int, int>> registered_before_;
    std::set<int> exiting_at_start_; ///< pids (find_exiting_at_start)
    std::size_t kthread_flushes_ = 0;
    std::size_t user_without_mm_ = 0;
};

} // namespace

ReplayScenario scenario_from_workload(const ftrace::Workload& w, const ReplayOptions& options) {
    ReplayScenario rs;
    rs.options = options;
    Builder(w, rs).build();
    return rs;
}

} // namespace run
