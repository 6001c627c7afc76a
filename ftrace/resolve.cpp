// The end of the import: the task list and the mm of every task (docs/replay.md, "The
// importer": mapping rules). Thread groups are known only once the whole trace is read.

#include "ftrace/builder.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace ftrace::detail {

namespace {

// include/uapi/linux/sched.h
constexpr std::uint64_t kCloneVm = 0x100;
constexpr std::uint64_t kCloneThread = 0x10000;
/// kthreadd (kernel/kthread.c): the parent of every kernel thread but itself and idle.
constexpr int kKthreadd = 2;

Task& find_task(std::vector<Task>& tasks, int pid) {
    return *std::lower_bound(tasks.begin(), tasks.end(), pid,
                             [](const Task& t, int p) { return t.pid < p; });
}

const std::string& comm_of(const TaskState& s) {
    return s.first_comm.empty() ? s.comm : s.first_comm;
}

} // namespace

/// Without a header's count: one more than the highest CPU a line or a field names.
int Builder::cpus_seen() const {
    int cpus = static_cast<int>(cpus_.size());
    const auto see = [&cpus](int cpu) { cpus = std::max(cpus, cpu + 1); };
    for (const LifeEvent& e : w_.life) {
        see(e.from_cpu);
        see(e.to_cpu);
    }
    for (const Ipi& i : w_.ipis) {
        for (const int cpu : i.targets) {
            see(cpu);
        }
    }
    for (const IdleWakeup& i : w_.idle_wakeups) {
        see(i.target_cpu);
    }
    return cpus;
}

Workload Builder::finish() {
    w_.cpus = declared_cpus_ > 0 ? declared_cpus_ : cpus_seen();
    std::sort(w_.skipped.begin(), w_.skipped.end(),
              [](const SkippedEvent& a, const SkippedEvent& b) { return a.name < b.name; });
    resolve_tasks();
    resolve_mms();
    write_assumptions();
    return std::move(w_);
}

void Builder::resolve_tasks() {
    w_.tasks.reserve(states_.size());
    for (const TaskState& s : states_) {
        const bool listed = std::binary_search(kthreads_.begin(), kthreads_.end(), s.pid);
        w_.tasks.push_back({.pid = s.pid,
                            .tgid = s.tgid,
                            .comm = s.comm,
                            .idle = s.pid == 0,
                            .kthread = s.pid == 0 || s.pid == kKthreadd || listed,
                            .mm = -1,
                            .born = s.born,
                            .born_line = s.born_line});
    }
    std::sort(w_.tasks.begin(), w_.tasks.end(),
              [](const Task& a, const Task& b) { return a.pid < b.pid; });
}

int Builder::new_mm(int tgid, std::string comm, Nanos created, Line line) {
    const int id = static_cast<int>(w_.mms.size());
    w_.mms.push_back(
        {.id = id, .tgid = tgid, .comm = std::move(comm), .created = created, .line = line});
    return id;
}

int Builder::known_tgid(int pid) const {
    const auto it = std::lower_bound(known_tgids_.begin(), known_tgids_.end(), std::pair{pid, -1});
    return it != known_tgids_.end() && it->first == pid ? it->second : -1;
}

/// Each thread group alive before the trace has one mm; kernel threads and idle have none.
void Builder::resolve_alive_before() {
    std::map<int, int> group_mm;
    for (Task& t : w_.tasks) {
        const TaskState& s = states_[state_of_.at(t.pid)];
        if (s.forked || t.kthread) {
            continue;
        }
        if (t.tgid < 0 && known_tgid(t.pid) >= 0) {
            t.tgid = known_tgid(t.pid); // a task never current while recorded
            notes_.tgid_from_file.push_back(t.pid);
        } else if (t.tgid < 0 && w_.has_tgid) {
            notes_.unseen.push_back(t.pid);
        }
        const int group = t.tgid >= 0 ? t.tgid : t.pid;
        auto [it, inserted] = group_mm.try_emplace(group, -1);
        if (inserted) {
            const auto leader = state_of_.find(group);
            it->second = new_mm(
                group, comm_of(leader != state_of_.end() ? states_[leader->second] : s), 0, 0);
        }
        t.mm = it->second;
        mm_of(t.pid) = t.mm;
    }
}

/// The child's mm at its fork (kernel/fork.c copy_mm, Linux 6.18): none for a kernel thread or the
/// child of a task without one; the parent's with CLONE_VM; otherwise a copy (dup_mm), a new mm.
/// Without task_newtask, a child in its parent's thread group is taken for a thread.
int Builder::fork_mm(const LifeEvent& fork) {
    Task& task = find_task(w_.tasks, fork.pid);
    // A reused pid's Task is its first task's: a later fork decides on a copy, fresh.
    Task second;
    second.pid = fork.pid;
    second.tgid = -1;
    const bool births_task = states_[state_of_.at(fork.pid)].fork_line == fork.line;
    Task& child = births_task ? task : second;
    const int parent_tgid = find_task(w_.tasks, fork.parent_pid).tgid;
    if (fork.parent_pid == kKthreadd || child.kthread) {
        child.kthread = true;
        return -1;
    }
    bool shares = false;
    if (fork.clone_flags_known) {
        shares = (fork.clone_flags & kCloneVm) != 0;
        if (child.tgid < 0) {
            child.tgid = (fork.clone_flags & kCloneThread) != 0 ? parent_tgid : child.pid;
        }
    } else {
        ++notes_.guessed_forks;
        shares = child.tgid >= 0 && child.tgid == parent_tgid;
    }
    const int parent_mm = mm_of(fork.parent_pid);
    if (parent_mm < 0) {
        return -1; // e.g. user_mode_thread's child of a kworker: no mm until it execs
    }
    if (shares) {
        return parent_mm;
    }
    return new_mm(child.tgid >= 0 ? child.tgid : child.pid,
                  comm_of(states_[state_of_.at(fork.pid)]), fork.time, fork.line);
}

/// Walks the forks and execs in trace order; exec gives a new mm (fs/exec.c exec_mmap, Linux
/// 6.18).
void Builder::resolve_mms() {
    mm_of_.assign(states_.size(), -1);
    resolve_alive_before();
    std::size_t next_exec = 0;
    for (std::size_t i = 0; i < w_.life.size(); ++i) {
        LifeEvent& ev = w_.life[i];
        if (ev.kind == LifeKind::fork) {
            ev.mm = fork_mm(ev);
            if (states_[state_of_.at(ev.pid)].fork_line == ev.line) {
                find_task(w_.tasks, ev.pid).mm = ev.mm;
            }
            mm_of(ev.pid) = ev.mm;
        } else if (ev.kind == LifeKind::exec) {
            const Task& t = find_task(w_.tasks, ev.pid);
            ev.mm = new_mm(t.tgid >= 0 ? t.tgid : t.pid, exec_comms_[next_exec++].second, ev.time,
                           ev.line);
            mm_of(ev.pid) = ev.mm;
        }
    }
}

} // namespace ftrace::detail
