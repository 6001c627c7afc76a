#pragma once
// The interpretation of the event lines, in one pass in trace order: the Workload's event
// vectors, which task each CPU runs, and what each task is. finish() then maps tasks to mms
// (ftrace/resolve.cpp), which needs every task's thread group, known only at the end.

#include "ftrace/line.h"
#include "ftrace/workload.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ftrace::detail {

/// What the pass learns about one pid.
struct TaskState {
    int pid = 0;
    int tgid = -1;
    std::string comm;       ///< the last comm the event fields gave (else the line prefix)
    std::string first_comm; ///< the first comm the event fields gave
    bool comm_from_fields = false;
    bool forked = false; ///< its fork is in the trace
    Nanos born = 0;
    Line born_line = 0;
    Line fork_line = 0;  ///< its sched_process_fork line (0: alive before the trace)
    Line first_line = 0; ///< the first line that names it
};

/// A task_newtask waiting for its sched_process_fork.
struct NewTask {
    std::uint64_t clone_flags = 0;
    Nanos time = 0;
    Line line = 0;
    bool reused = false; ///< the trace named the pid before (pid reuse)
};

/// What one CPU runs as the trace shows it.
struct CpuState {
    static constexpr int unknown = -2;
    int current = unknown;       ///< the task the last sched_switch (or line) shows running
    int switched_out = -1;       ///< prev of the last sched_switch until `current` shows a line
    std::size_t last_switch = 0; ///< index in Workload::switches, valid while switched_out >= 0
    Nanos last_time = 0;
};

/// Counts the assumptions finish() turns into sentences.
struct Notes {
    std::uint64_t unmatched_exits = 0; ///< sys_exit_membarrier without its enter
    std::vector<std::pair<int, Line>> reused_pids;
    std::uint64_t guessed_forks = 0; ///< forks without task_newtask
    std::vector<int> unseen;         ///< tasks alive before the trace whose tgid it never shows
    std::vector<int> tgid_from_file; ///< ... and whose tgid TRACE.tgids gave
};

class Builder {
public:
    Builder(std::string name, std::vector<int> kthreads);

    /// One event line (its prefix parsed). Throws LineError.
    void on_line(const Prefix& p, Line line);
    /// Events the ring buffer lost (`CPU:N [LOST M EVENTS]`, the header's counts); < 0: an
    /// unknown number (`[LOST EVENTS]`).
    void on_lost(std::int64_t events);
    void set_cpus(int cpus) { declared_cpus_ = cpus; }
    /// TRACE.tgids, sorted by pid: thread groups when the recording began.
    void set_known_tgids(std::vector<std::pair<int, int>> tgids) {
        known_tgids_ = std::move(tgids);
    }
    void set_lines(std::uint64_t lines) { w_.lines = lines; }
    Workload& workload() { return w_; }

    /// Tasks, mms and assumptions (ftrace/resolve.cpp).
    Workload finish();

private:
    /// The CPUs a line may name: the header's (or the machine file's), else at most 8192.
    int cpu_limit() const;
    void start(const Prefix& p);
    void check(const Prefix& p) const;
    TaskState& task(int pid, Line line);
    void note_current(const Prefix& p, Line line, bool may_be_switched_out);
    void name_task(int pid, std::string_view comm, Line line);
    void dispatch(const Prefix& p, Line line);
    void dispatch_sched(const Prefix& p, Line line);
    void skip(std::string_view name, Line line);

    void on_switch(const Prefix& p, Line line);
    void on_wakeup(const Prefix& p, Line line, LifeKind kind);
    void on_fork(const Prefix& p, Line line);
    void on_exec(const Prefix& p, Line line);
    void on_exit(const Prefix& p, Line line);
    void on_migrate(const Prefix& p, Line line);
    void on_newtask(const Prefix& p, Line line);
    void on_tlb_flush(const Prefix& p, Line line);
    void on_ipi(const Prefix& p, Line line, bool mask);
    void on_idle_wakeup(const Prefix& p, Line line);
    /// An IPI's kind from its call site, corrected by what its sender is doing.
    IpiKind ipi_kind_in_context(IpiKind by_callsite, int pid) const;
    void on_membarrier_enter(const Prefix& p, Line line);
    void on_membarrier_exit(const Prefix& p, Line line);

    // resolve.cpp
    int cpus_seen() const;
    void resolve_tasks();
    void resolve_mms();
    void resolve_alive_before();
    int fork_mm(const LifeEvent& fork);
    int new_mm(int tgid, std::string comm, Nanos created, Line line);
    int& mm_of(int pid) { return mm_of_[state_of_.at(pid)]; }
    // assumptions.cpp
    void write_assumptions();
    void assume_task_facts();
    void assume_trace_gaps();

    Workload w_;
    std::vector<int> kthreads_;                    ///< sorted
    std::vector<std::pair<int, int>> known_tgids_; ///< TRACE.tgids, sorted by pid
    /// TRACE.tgids' thread group of `pid`, or -1.
    int known_tgid(int pid) const;
    std::vector<TaskState> states_;
    std::unordered_map<int, std::uint32_t> state_of_;
    std::unordered_map<int, NewTask> newtasks_;
    std::unordered_map<int, std::size_t> open_membarrier_;
    std::vector<CpuState> cpus_;
    std::vector<int> targets_;
    std::vector<int> mm_of_; ///< each task's mm during resolve_mms, indexed like states_
    Notes notes_;
    /// The comm each exec gives its new mm, by index in Workload::life.
    std::vector<std::pair<std::size_t, std::string>> exec_comms_;
    Nanos first_ = 0;
    Nanos now_ = 0;      ///< this line's time from the first event
    Nanos last_abs_ = 0; ///< the last line's printed time (times never go back in print)
    Line last_line_ = 0;
    std::string first_layout_;
    std::string first_instance_;
    std::uint64_t unknown_losses_ = 0; ///< `[LOST EVENTS]` without a count
    bool started_ = false;
    int declared_cpus_ = 0;
};

} // namespace ftrace::detail
