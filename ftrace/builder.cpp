#include "ftrace/builder.h"

#include "ftrace/events.h"
#include "ftrace/fields.h"

#include <algorithm>
#include <string>
#include <utility>

namespace ftrace::detail {

namespace {

/// The layout of an event line; every line of a file has the first line's.
std::string layout_of(const Prefix& p) {
    std::string s = p.has_tgid ? "(tgid) " : "";
    s += p.latency_layout ? "CPUflags" : (p.flags.empty() ? "[CPU]" : "[CPU] flags");
    return s;
}

/// The prefix's form and trace-cmd instance, as the layout errors name them.
std::string describe_layout(std::string_view instance, const std::string& layout) {
    return instance.empty() ? layout : printable(instance) + ": " + layout;
}

} // namespace

Builder::Builder(std::string name, std::vector<int> kthreads) : kthreads_(std::move(kthreads)) {
    w_.path = std::move(name);
    std::sort(kthreads_.begin(), kthreads_.end());
    state_of_.reserve(4096);
}

TaskState& Builder::task(int pid, Line line) {
    const auto [it, inserted] =
        state_of_.try_emplace(pid, static_cast<std::uint32_t>(states_.size()));
    if (inserted) {
        TaskState& t = states_.emplace_back();
        t.pid = pid;
        t.first_line = line;
        return t;
    }
    return states_[it->second];
}

void Builder::name_task(int pid, std::string_view comm, Line line) {
    TaskState& t = task(pid, line);
    if (!t.comm_from_fields) {
        t.comm_from_fields = true;
        t.first_comm.assign(comm);
        t.comm.assign(comm);
    } else if (t.comm != comm) {
        t.comm.assign(comm);
    }
}

void Builder::start(const Prefix& p) {
    started_ = true;
    first_ = p.timestamp;
    w_.origin = p.timestamp;
    last_abs_ = p.timestamp;
    first_layout_ = layout_of(p);
    first_instance_ = std::string(p.instance);
    w_.has_tgid = p.has_tgid;
    w_.has_irq_flags = !p.flags.empty();
}

/// Every line has the first line's layout and comes no earlier, on a CPU the machine has.
void Builder::check(const Prefix& p) const {
    if (p.has_tgid != w_.has_tgid || p.flags.empty() == w_.has_irq_flags ||
        p.instance != first_instance_) {
        throw LineError{p.comm.data(), "this line's prefix `" +
                                           describe_layout(p.instance, layout_of(p)) +
                                           "` differs from the first event line's `" +
                                           describe_layout(first_instance_, first_layout_) +
                                           "`: one recording per file"};
    }
    if (p.timestamp < last_abs_) {
        throw LineError{p.timestamp_text.data(), "timestamp goes backwards (line " +
                                                     std::to_string(last_line_) + " is later)"};
    }
    const int cpus = cpu_limit();
    if (p.cpu >= cpus) {
        throw LineError{p.cpu_text.data(), "CPU " + std::to_string(p.cpu) + " out of range (" +
                                               std::to_string(cpus) + " CPUs)"};
    }
}

int Builder::cpu_limit() const {
    return declared_cpus_ > 0 ? declared_cpus_ : Fields::kMaxCpus;
}

void Builder::on_line(const Prefix& p, Line line) {
    if (!started_) {
        start(p);
    }
    check(p);
    if (static_cast<std::size_t>(p.cpu) >= cpus_.size()) {
        cpus_.resize(static_cast<std::size_t>(p.cpu) + 1);
    }
    last_abs_ = p.timestamp;
    last_line_ = line;
    now_ = p.timestamp - first_ + p.tie_offset;
    w_.duration = now_;
    dispatch(p, line);
}

void Builder::on_lost(std::int64_t events) {
    if (events > 0) {
        w_.lost_events += static_cast<std::uint64_t>(events);
    } else if (events < 0) {
        ++unknown_losses_;
    }
}

void Builder::note_current(const Prefix& p, Line line, bool may_be_switched_out) {
    TaskState& t = task(p.pid, line);
    if (p.tgid >= 0 && t.tgid < 0) {
        t.tgid = p.tgid;
    }
    if (!t.comm_from_fields && p.comm != t.comm && p.comm != "<...>" && p.comm != "<idle>") {
        t.comm.assign(p.comm);
    }
    CpuState& c = cpus_[static_cast<std::size_t>(p.cpu)];
    if (c.current == CpuState::unknown) {
        c.current = p.pid;
    } else if (p.pid == c.current) {
        c.switched_out = -1;
    } else if (p.pid != c.switched_out || !may_be_switched_out) {
        w_.missing_switches.push_back({.since = c.last_time,
                                       .time = now_,
                                       .cpu = p.cpu,
                                       .prev_pid = c.current,
                                       .next_pid = p.pid,
                                       .line = line});
        c.current = p.pid;
        c.switched_out = -1;
    }
    c.last_time = now_;
}

void Builder::skip(std::string_view name, Line line) {
    for (auto& s : w_.skipped) {
        if (s.name == name) {
            ++s.count;
            return;
        }
    }
    w_.skipped.push_back({std::string(name), 1, line});
}

void Builder::dispatch(const Prefix& p, Line line) {
    const bool membarrier = p.event == "sys_membarrier";
    if (p.form == EventForm::syscall_enter && membarrier) {
        on_membarrier_enter(p, line);
    } else if (p.form == EventForm::syscall_exit && membarrier) {
        on_membarrier_exit(p, line);
    } else if (p.form != EventForm::named) {
        skip(p.event, line);
        note_current(p, line, true);
    } else if (p.event.starts_with("sched_")) {
        dispatch_sched(p, line);
    } else if (p.event == "tlb_flush") {
        on_tlb_flush(p, line);
    } else if (p.event == "ipi_send_cpu" || p.event == "ipi_send_cpumask") {
        on_ipi(p, line, p.event.size() > 12);
    } else if (p.event == "task_newtask") {
        on_newtask(p, line);
    } else if (p.event == "sys_enter_membarrier") {
        on_membarrier_enter(p, line);
    } else if (p.event == "sys_exit_membarrier") {
        on_membarrier_exit(p, line);
    } else {
        skip(p.event, line);
        note_current(p, line, true);
    }
}

void Builder::dispatch_sched(const Prefix& p, Line line) {
    if (p.event == "sched_switch") {
        on_switch(p, line);
    } else if (p.event == "sched_wakeup") {
        on_wakeup(p, line, LifeKind::wakeup);
    } else if (p.event == "sched_wakeup_new") {
        on_wakeup(p, line, LifeKind::wakeup_new);
    } else if (p.event == "sched_process_fork") {
        on_fork(p, line);
    } else if (p.event == "sched_process_exec") {
        on_exec(p, line);
    } else if (p.event == "sched_process_exit") {
        on_exit(p, line);
    } else if (p.event == "sched_migrate_task") {
        on_migrate(p, line);
    } else if (p.event == "sched_wake_idle_without_ipi") {
        on_idle_wakeup(p, line);
    } else {
        skip(p.event, line);
        note_current(p, line, true);
    }
}

} // namespace ftrace::detail
