#include "ftrace/events.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

namespace ftrace::detail {

namespace {

/// trace-cmd's plugins print a task as `comm:pid` (the comm may hold ':').
std::pair<std::string_view, int> comm_pid(const Fields& f, std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        f.fail(text, "expected COMM:PID");
    }
    return {text.substr(0, colon), f.to_pid(text.substr(colon + 1))};
}

/// `comm:pid [prio]` -> the `comm:pid` part (before the last " [").
std::string_view before_prio(const Fields& f, std::string_view text) {
    const std::size_t bracket = text.rfind(" [");
    if (bracket == std::string_view::npos) {
        f.fail(text, "expected COMM:PID [PRIO]");
    }
    return text.substr(0, bracket);
}

/// trace-cmd's sched_switch plugin: `prev_comm:prev_pid [prio] STATE ==> next_comm:next_pid
/// [prio]`.
SwitchFields sched_switch_plugin(const Fields& f) {
    const std::string_view body = f.body();
    const std::size_t arrow = body.find(" ==> ");
    if (arrow == std::string_view::npos) {
        f.fail(body, "expected prev_comm=... or PREV:PID [PRIO] STATE ==> NEXT:PID [PRIO]");
    }
    const std::string_view prev = body.substr(0, arrow);
    const std::size_t state_at = prev.rfind("] ");
    if (state_at == std::string_view::npos) {
        f.fail(prev, "expected PREV:PID [PRIO] STATE");
    }
    SwitchFields s;
    std::tie(s.prev_comm, s.prev_pid) = comm_pid(f, before_prio(f, prev.substr(0, state_at + 1)));
    s.prev_state = prev.substr(state_at + 2);
    std::tie(s.next_comm, s.next_pid) = comm_pid(f, before_prio(f, body.substr(arrow + 5)));
    return s;
}

std::string_view without_offset(std::string_view symbol) {
    return symbol.substr(0, symbol.find('+'));
}

IpiFields ipi_sites(const Fields& f) {
    return {without_offset(f.value("callsite")), without_offset(f.value("callback"))};
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

SwitchFields parse_sched_switch(const Fields& f) {
    if (!f.body().starts_with("prev_comm=")) {
        return sched_switch_plugin(f);
    }
    SwitchFields s;
    s.prev_comm = f.value_until("prev_comm", "prev_pid");
    s.prev_pid = f.pid_value("prev_pid");
    s.prev_state = f.value("prev_state");
    s.next_comm = f.value_until("next_comm", "next_pid");
    s.next_pid = f.pid_value("next_pid");
    return s;
}

WakeupFields parse_sched_wakeup(const Fields& f) {
    WakeupFields w;
    if (f.body().starts_with("comm=")) {
        w.comm = f.value_until("comm", "pid");
        w.pid = f.pid_value("pid");
        w.target_cpu = f.cpu_value("target_cpu");
    } else {
        std::tie(w.comm, w.pid) =
            comm_pid(f, before_prio(f, f.body().substr(0, f.body().rfind(']') + 1)));
        w.target_cpu = f.cpu_value("CPU");
    }
    return w;
}

ForkFields parse_sched_process_fork(const Fields& f) {
    ForkFields k;
    if (f.body().starts_with("parent_comm=")) { // trace-cmd report -R names the struct's fields
        k.comm = f.value_until("parent_comm", "parent_pid");
        k.pid = f.pid_value("parent_pid");
    } else {
        k.comm = f.value_until("comm", "pid");
        k.pid = f.pid_value("pid");
    }
    k.child_comm = f.value_until("child_comm", "child_pid");
    k.child_pid = f.pid_value("child_pid");
    return k;
}

ExecFields parse_sched_process_exec(const Fields& f) {
    ExecFields e;
    e.filename = f.value_until("filename", "pid");
    e.pid = f.pid_value("pid");
    e.old_pid = f.pid_value("old_pid");
    return e;
}

TaskFields parse_sched_process_exit(const Fields& f) {
    TaskFields t;
    t.comm = f.value_until("comm", "pid");
    t.pid = f.pid_value("pid");
    return t;
}

TaskFields parse_sched_migrate_task(const Fields& f) {
    TaskFields t;
    t.comm = f.value_until("comm", "pid");
    t.pid = f.pid_value("pid");
    t.orig_cpu = f.cpu_value("orig_cpu");
    t.dest_cpu = f.cpu_value("dest_cpu");
    return t;
}

NewTaskFields parse_task_newtask(const Fields& f) {
    NewTaskFields n;
    n.pid = f.pid_value("pid");
    n.comm = f.value_until("comm", "clone_flags");
    n.clone_flags = f.to_hex(f.value("clone_flags"));
    return n;
}

TlbFlushFields parse_tlb_flush(const Fields& f) {
    TlbFlushFields t;
    t.pages = f.to_int64(f.value("pages"));
    const std::string_view body = f.body();
    const std::size_t open = body.rfind('(');
    const std::string_view reason = body.ends_with(')') && open != std::string_view::npos
                                        ? body.substr(open + 1, body.size() - open - 2)
                                        : f.value("reason");
    t.reason = f.to_int(reason);
    if (t.reason < 0 || t.reason > static_cast<int>(FlushReason::remote_wrong_cpu)) {
        f.fail(reason, "unknown reason " + printable(reason) + " (enum tlb_flush_reason has 0..5)");
    }
    return t;
}

IpiFields parse_ipi_send_cpu(const Fields& f, std::vector<int>& targets) {
    targets.clear();
    targets.push_back(f.cpu_value("cpu"));
    return ipi_sites(f);
}

IpiFields parse_ipi_send_cpumask(const Fields& f, std::vector<int>& targets) {
    targets.clear();
    const std::string_view mask = f.value_until("cpumask", "callsite"); // holds ','s
    if (mask.empty()) {
        f.fail(mask, "empty cpumask");
    }
    // %*pb: 32-bit groups in hexadecimal, most significant first, separated by ','. 64-bit
    // counters: a line of many ',' cannot overflow them.
    std::int64_t group = 0;
    std::int64_t bit = 0;
    for (std::size_t i = mask.size(); i-- > 0;) {
        if (mask[i] == ',') {
            bit = ++group * 32;
            continue;
        }
        const int digit = hex_digit(mask[i]);
        if (digit < 0) {
            f.fail(mask, "malformed cpumask '" + printable(mask) + "'");
        }
        for (int b = 0; b < 4; ++b) {
            if ((digit >> b & 1) == 0) {
                continue;
            }
            if (bit + b >= f.cpus()) {
                f.fail(mask, "cpumask " + printable(mask) + " names CPU " +
                                 std::to_string(bit + b) + " (" + std::to_string(f.cpus()) +
                                 " CPUs)");
            }
            targets.push_back(static_cast<int>(bit + b));
        }
        bit += 4;
    }
    std::sort(targets.begin(), targets.end());
    return ipi_sites(f);
}

int parse_wake_idle_without_ipi(const Fields& f) {
    return f.cpu_value("cpu");
}

MembarrierEnterFields parse_membarrier_enter(const Fields& f) {
    return {f.to_int64(f.value("cmd")), f.to_int64(f.value("flags")),
            f.to_int64(f.value("cpu_id"))};
}

std::int64_t parse_membarrier_exit(const Fields& f) {
    if (const auto ret = f.find("ret")) {
        return f.to_int64(*ret);
    }
    std::string_view value = f.body();
    while (value.ends_with(' ')) {
        value.remove_suffix(1);
    }
    return f.to_int64(value);
}

IpiKind ipi_kind(std::string_view callsite, std::string_view callback) {
    if (callsite.find("membarrier") != std::string_view::npos) {
        return IpiKind::membarrier;
    }
    // native_flush_tlb_multi sends through on_each_cpu_cond_mask (smp_call_function_many_cond
    // inlined), which names itself as the call site; the callback is then the generic handler.
    if (callsite == "on_each_cpu_cond_mask" || callsite.starts_with("flush_tlb") ||
        callsite.starts_with("native_flush_tlb") || callback.starts_with("flush_tlb_func")) {
        return IpiKind::tlb;
    }
    if (callsite.find("ttwu_queue_wakelist") != std::string_view::npos) {
        return IpiKind::wakeup;
    }
    if (callback == "0x0" || callback == "0" || callback == "(nil)") {
        return IpiKind::reschedule;
    }
    return IpiKind::other;
}

} // namespace ftrace::detail
