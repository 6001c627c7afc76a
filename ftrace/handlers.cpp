// The Builder's handler of each event the importer reads (ftrace/events.h has their formats).
// Each parses its fields first (a malformed line changes nothing), then notes the line's task as
// current on its CPU, then records the event.

#include "ftrace/builder.h"
#include "ftrace/events.h"

#include <string>

namespace ftrace::detail {

namespace {

std::string exec_comm(std::string_view filename) {
    // fs/exec.c (Linux 6.18) begin_new_exec: __set_task_comm(me, kbasename(bprm->filename)),
    // cut to TASK_COMM_LEN - 1.
    const std::size_t slash = filename.rfind('/');
    const std::string_view base =
        slash == std::string_view::npos ? filename : filename.substr(slash + 1);
    return std::string(base.substr(0, 15));
}

} // namespace

void Builder::on_switch(const Prefix& p, Line line) {
    const Fields f(p.event, p.body, cpu_limit());
    const SwitchFields s = parse_sched_switch(f);
    if (s.prev_pid != p.pid) {
        // The tracepoint runs in prev's context (kernel/sched/core.c, __schedule).
        f.fail(p.body, "prev_pid=" + std::to_string(s.prev_pid) + " but the line's task is pid " +
                           std::to_string(p.pid));
    }
    note_current(p, line, false);
    name_task(s.prev_pid, s.prev_comm, line);
    name_task(s.next_pid, s.next_comm, line);
    CpuState& c = cpus_[static_cast<std::size_t>(p.cpu)];
    c.current = s.next_pid;
    c.switched_out = s.prev_pid;
    c.last_switch = w_.switches.size();
    w_.switches.push_back({.time = now_,
                           .cpu = p.cpu,
                           .prev_pid = s.prev_pid,
                           .next_pid = s.next_pid,
                           .prev_state = std::string(s.prev_state),
                           .observed = Cr3Outcome::none,
                           .line = line,
                           .cr3_line = 0});
}

// switch_mm_irqs_off's CR3 write of a context switch (Linux 6.18, the kernel of the committed
// sample): kernel/sched/core.c __schedule traces sched_switch, then context_switch() ->
// switch_mm_irqs_off() (arch/x86/mm/tlb.c) runs with interrupts off and prev still current, so
// its tlb_flush(TLB_FLUSH_ON_TASK_SWITCH) is on the same CPU, by prev, not in an interrupt,
// before next's first line. Any other reason-0 event is a CR3 write outside a switch:
// exec_mmap's activate_mm, the exit path, leave_mm from a flush IPI, use_temporary_mm.
void Builder::on_tlb_flush(const Prefix& p, Line line) {
    const Fields f(p.event, p.body, cpu_limit());
    const TlbFlushFields t = parse_tlb_flush(f);
    if (t.reason != static_cast<int>(FlushReason::task_switch)) {
        note_current(p, line, false);
        w_.flushes.push_back({.time = now_,
                              .cpu = p.cpu,
                              .pid = p.pid,
                              .reason = static_cast<FlushReason>(t.reason),
                              .pages = t.pages,
                              .line = line});
        return;
    }
    if (t.pages != 0 && t.pages != -1) {
        f.fail(f.value("pages"), "a task-switch flush has pages -1 (flush) or 0 (NOFLUSH), not " +
                                     std::to_string(t.pages));
    }
    const bool irq = in_hardirq(p.flags);
    CpuState& c = cpus_[static_cast<std::size_t>(p.cpu)];
    if (c.switched_out >= 0 && p.pid == c.switched_out && p.pid != c.current && !irq &&
        w_.switches[c.last_switch].cr3_line == 0) {
        Switch& s = w_.switches[c.last_switch];
        s.observed = t.pages == 0 ? Cr3Outcome::noflush : Cr3Outcome::flush;
        s.cr3_line = line;
        note_current(p, line, true);
        return;
    }
    note_current(p, line, true);
    w_.cr3_writes.push_back({.time = now_,
                             .cpu = p.cpu,
                             .pid = p.pid,
                             .flush = t.pages != 0,
                             .in_irq = irq,
                             .line = line});
}

void Builder::on_wakeup(const Prefix& p, Line line, LifeKind kind) {
    const WakeupFields wk = parse_sched_wakeup(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    name_task(wk.pid, wk.comm, line);
    w_.life.push_back({.time = now_,
                       .cpu = p.cpu,
                       .kind = kind,
                       .pid = wk.pid,
                       .to_cpu = wk.target_cpu,
                       .line = line});
}

void Builder::on_newtask(const Prefix& p, Line line) {
    const Fields f(p.event, p.body, cpu_limit());
    const NewTaskFields n = parse_task_newtask(f);
    note_current(p, line, false);
    const TaskState& t = task(n.pid, line);
    const bool reused = t.first_line != line || t.forked;
    name_task(n.pid, n.comm, line);
    newtasks_[n.pid] = {.clone_flags = n.clone_flags, .time = now_, .line = line, .reused = reused};
}

void Builder::on_fork(const Prefix& p, Line line) {
    const ForkFields k = parse_sched_process_fork(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    name_task(k.pid, k.comm, line);
    LifeEvent ev{.time = now_,
                 .cpu = p.cpu,
                 .kind = LifeKind::fork,
                 .pid = k.child_pid,
                 .parent_pid = k.pid,
                 .line = line};
    TaskState& child = task(k.child_pid, line);
    NewTask created{.time = now_, .line = line, .reused = child.first_line != line || child.forked};
    if (const auto nt = newtasks_.find(k.child_pid); nt != newtasks_.end()) {
        created = nt->second;
        ev.clone_flags = created.clone_flags;
        ev.clone_flags_known = true;
        newtasks_.erase(nt);
    }
    if (created.reused) {
        // The pid's Task stays its first task's (Workload::task); the LifeEvent has this one.
        notes_.reused_pids.emplace_back(k.child_pid, line);
    } else {
        child.forked = true;
        child.fork_line = line;
        child.born = created.time;
        child.born_line = created.line;
    }
    name_task(k.child_pid, k.child_comm, line);
    w_.life.push_back(ev);
}

void Builder::on_exec(const Prefix& p, Line line) {
    const ExecFields e = parse_sched_process_exec(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    exec_comms_.emplace_back(w_.life.size(), exec_comm(e.filename));
    name_task(e.pid, exec_comms_.back().second, line);
    w_.life.push_back({.time = now_,
                       .cpu = p.cpu,
                       .kind = LifeKind::exec,
                       .pid = e.pid,
                       .old_pid = e.old_pid,
                       .line = line});
}

void Builder::on_exit(const Prefix& p, Line line) {
    const TaskFields t = parse_sched_process_exit(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    name_task(t.pid, t.comm, line);
    w_.life.push_back(
        {.time = now_, .cpu = p.cpu, .kind = LifeKind::exit, .pid = t.pid, .line = line});
}

void Builder::on_migrate(const Prefix& p, Line line) {
    const TaskFields t = parse_sched_migrate_task(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    name_task(t.pid, t.comm, line);
    w_.life.push_back({.time = now_,
                       .cpu = p.cpu,
                       .kind = LifeKind::migrate,
                       .pid = t.pid,
                       .from_cpu = t.orig_cpu,
                       .to_cpu = t.dest_cpu,
                       .line = line});
}

void Builder::on_ipi(const Prefix& p, Line line, bool mask) {
    const Fields f(p.event, p.body, cpu_limit());
    const IpiFields i =
        mask ? parse_ipi_send_cpumask(f, targets_) : parse_ipi_send_cpu(f, targets_);
    note_current(p, line, false);
    w_.ipis.push_back({.time = now_,
                       .cpu = p.cpu,
                       .pid = p.pid,
                       .targets = targets_,
                       .kind = ipi_kind_in_context(ipi_kind(i.callsite, i.callback), p.pid),
                       .callsite = std::string(i.callsite),
                       .line = line});
}

IpiKind Builder::ipi_kind_in_context(IpiKind by_callsite, int pid) const {
    // MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE's IPIs go through on_each_cpu_mask(), inlined
    // into on_each_cpu_cond_mask: the call site native_flush_tlb_multi's shootdowns show too
    // (kernel/sched/membarrier.c, v6.18). Sent by a task inside sys_membarrier, it is
    // membarrier's; a shootdown is never sent from there.
    if (by_callsite == IpiKind::tlb && open_membarrier_.contains(pid)) {
        return IpiKind::membarrier;
    }
    return by_callsite;
}

void Builder::on_idle_wakeup(const Prefix& p, Line line) {
    const int target = parse_wake_idle_without_ipi(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    w_.idle_wakeups.push_back(
        {.time = now_, .cpu = p.cpu, .pid = p.pid, .target_cpu = target, .line = line});
}

void Builder::on_membarrier_enter(const Prefix& p, Line line) {
    const MembarrierEnterFields m = parse_membarrier_enter(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    // An enter with one still open (its exit lost) leaves that one without a return.
    open_membarrier_[p.pid] = w_.membarriers.size();
    w_.membarriers.push_back({.enter = now_,
                              .exit = now_,
                              .cpu = p.cpu,
                              .pid = p.pid,
                              .cmd = m.cmd,
                              .flags = m.flags,
                              .cpu_id = m.cpu_id,
                              .line = line});
}

void Builder::on_membarrier_exit(const Prefix& p, Line line) {
    const std::int64_t ret = parse_membarrier_exit(Fields(p.event, p.body, cpu_limit()));
    note_current(p, line, false);
    const auto open = open_membarrier_.find(p.pid);
    if (open == open_membarrier_.end()) {
        ++notes_.unmatched_exits;
        return;
    }
    MembarrierCall& call = w_.membarriers[open->second];
    call.exit = now_;
    call.ret = ret;
    call.returned = true;
    open_membarrier_.erase(open);
}

} // namespace ftrace::detail
