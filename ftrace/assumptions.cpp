// Workload::assumptions: one sentence for each thing the importer had to assume or could not see
// (docs/replay.md, "The importer": assumptions).

#include "ftrace/builder.h"

#include <algorithm>
#include <map>
#include <string>

namespace ftrace::detail {

namespace {

/// "a, b, c and 4 more".
std::string some(const std::vector<int>& values) {
    std::string s;
    const std::size_t shown = std::min<std::size_t>(values.size(), 5);
    for (std::size_t i = 0; i < shown; ++i) {
        s += (i == 0 ? "" : ", ") + std::to_string(values[i]);
    }
    if (values.size() > shown) {
        s += " and " + std::to_string(values.size() - shown) + " more";
    }
    return s;
}

std::string count(std::uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// The missing switches' sentence, with their count on each CPU.
std::string missing_switches(const std::vector<MissingSwitch>& missing) {
    std::map<int, std::uint64_t> per_cpu;
    for (const MissingSwitch& m : missing) {
        ++per_cpu[m.cpu];
    }
    std::string cpus;
    for (const auto& [cpu, n] : per_cpu) {
        cpus += (cpus.empty() ? "CPU " : ", CPU ") + std::to_string(cpu) + ": " + std::to_string(n);
    }
    return count(missing.size(), "context switch is", "context switches are") +
           " missing (a CPU's current task changed with no sched_switch line; " + cpus +
           "; first at line " + std::to_string(missing.front().line) +
           "): they are in missing_switches, with no CR3 outcome.";
}

} // namespace

void Builder::write_assumptions() {
    assume_task_facts();
    assume_trace_gaps();
}

void Builder::assume_task_facts() {
    auto& out = w_.assumptions;
    if (kthreads_.empty()) {
        out.push_back("No kernel-thread list (TRACE.kthreads): only idle (pid 0), kthreadd (pid 2) "
                      "and the tasks kthreadd forks in the trace are taken for kernel threads; "
                      "every other task for a user task with an mm.");
    }
    if (started_ && !w_.has_tgid) {
        out.push_back(std::string("The lines carry no thread group (no options/record-tgid, or "
                                  "trace-cmd report): each task alive before the trace ") +
                      (known_tgids_.empty() ? "" : "that TRACE.tgids does not list ") +
                      "is taken for a thread group of its own, with an mm of its own.");
    }
    if (!notes_.unseen.empty()) {
        out.push_back(count(notes_.unseen.size(), "task", "tasks") + " alive before the trace " +
                      (notes_.unseen.size() == 1 ? "has" : "have") +
                      " no thread group in any line (`(-------)`, "
                      "or never current) (pids " +
                      some(notes_.unseen) +
                      "): each is taken for a thread group of its own, with an mm of its own.");
    }
    if (!notes_.tgid_from_file.empty()) {
        out.push_back(count(notes_.tgid_from_file.size(), "task", "tasks") +
                      " alive before the trace " +
                      (notes_.tgid_from_file.size() == 1 ? "has" : "have") +
                      " no thread group in any line (pids " + some(notes_.tgid_from_file) +
                      "): TRACE.tgids, written when the recording began, names " +
                      (notes_.tgid_from_file.size() == 1 ? "it." : "theirs."));
    }
    if (notes_.guessed_forks > 0) {
        out.push_back(count(notes_.guessed_forks, "fork has", "forks have") +
                      " no task_newtask (its clone flags): a child whose tgid equals its "
                      "parent's is taken for a thread sharing its parent's mm, any other child "
                      "for a process with an mm of its own (a vfork or other CLONE_VM child "
                      "would in fact share its parent's mm until it execs).");
    }
    for (const auto& [pid, line] : notes_.reused_pids) {
        out.push_back("pid " + std::to_string(pid) + " is forked at line " + std::to_string(line) +
                      " after the trace named it already (pid reuse): its Task describes the "
                      "first task with that pid, the fork's LifeEvent the second.");
    }
    const auto shared = std::count_if(w_.ipis.begin(), w_.ipis.end(), [](const Ipi& i) {
        return i.callsite == "on_each_cpu_cond_mask" && i.kind == IpiKind::tlb;
    });
    if (shared > 0) {
        out.push_back(count(static_cast<std::uint64_t>(shared), "IPI", "IPIs") +
                      " sent from on_each_cpu_cond_mask outside a membarrier call are counted "
                      "as TLB shootdowns (native_flush_tlb_multi's path; inside sys_membarrier "
                      "the same call site is SYNC_CORE's on_each_cpu_mask).");
    }
}

void Builder::assume_trace_gaps() {
    auto& out = w_.assumptions;
    if (!w_.missing_switches.empty()) {
        out.push_back(missing_switches(w_.missing_switches));
    }
    if (started_ && !w_.has_irq_flags) {
        out.push_back("The lines carry no irq flags (trace-cmd report without -l): every CR3 "
                      "write outside a switch is taken for one outside an interrupt (in_irq "
                      "false).");
    }
    if (w_.lost_events > 0 || unknown_losses_ > 0) {
        out.push_back("The ring buffer lost " +
                      (w_.lost_events > 0 ? count(w_.lost_events, "event", "events") : "events") +
                      (unknown_losses_ > 0 ? " (and an unknown number more)" : "") +
                      ": what they held is missing from every list.");
    }
    if (notes_.unmatched_exits > 0) {
        out.push_back(
            count(notes_.unmatched_exits, "sys_exit_membarrier has", "sys_exit_membarrier have") +
            " no enter (the call began before the trace): not counted as calls.");
    }
    const auto open = std::count_if(w_.membarriers.begin(), w_.membarriers.end(),
                                    [](const MembarrierCall& c) { return !c.returned; });
    if (open > 0) {
        out.push_back(count(static_cast<std::uint64_t>(open), "membarrier call has",
                            "membarrier calls have") +
                      " no exit (the trace ended first, or the exit was lost): exit = enter, "
                      "ret 0, returned false.");
    }
}

} // namespace ftrace::detail
