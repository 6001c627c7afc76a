#include "scenario/steps.h"

#include "scenario_model/membarrier_commands.h"

#include "scenario/limits.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace scenario {

namespace {

constexpr std::int64_t kMinInt = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

using enum StepOption;
using K = ThreadKinds;

/// N of the steps that spend time: at least `min` cycles, at most tlbsim's limit.
ArgInfo cycles_arg(std::int64_t min, std::string_view meaning) {
    return {.name = "N",
            .type = ArgType::integer,
            .min = min,
            .max = limits::cycles,
            .meaning = meaning};
}

ArgInfo event_arg(ArgType type, std::string_view meaning) {
    return {.name = "EVENT", .type = type, .meaning = meaning};
}

const ArgInfo kVarArg{.name = "VAR",
                      .type = ArgType::variable,
                      .meaning = "a variable of the thread's process ([[process]] variables)"};

const ArgInfo kRegArg{.name = "REG",
                      .type = ArgType::reg,
                      .meaning = "a register of this thread, [A-Za-z_][A-Za-z0-9_]*"};

/// A value of a user memory step, into `field`.
ArgInfo value_arg(std::string_view name, std::string_view meaning,
                  std::int64_t Step::*field = &Step::n) {
    return {.name = name,
            .type = ArgType::integer,
            .min = kMinInt,
            .max = kMaxInt,
            .meaning = meaning,
            .int_field = field};
}

const ArgInfo kCpuArg{.name = "CPU", .type = ArgType::cpu, .meaning = "an online CPU"};

std::string int_range_text(std::int64_t min, std::int64_t max) {
    if (min == kMinInt && max == kMaxInt) {
        return "int";
    }
    if (max == kMaxInt) {
        return fmt::format("int >= {}", min);
    }
    if (max == limits::cycles) {
        return fmt::format("int {}..2^50", min);
    }
    return fmt::format("int {}..{}", min, max);
}

// The tables are constants of this file: nothing reads them during static initialisation.

const std::vector<StepInfo> kSteps = {
    {.name = "user",
     .op = Op::user,
     .kinds = K::user,
     .args = {cycles_arg(1, "cycles")},
     .options = {label},
     .meaning = "execute N cycles of user-mode code of its mm"},
    {.name = "syscall",
     .op = Op::syscall,
     .kinds = K::user,
     .args = {cycles_arg(0, "cycles in the kernel")},
     .options = {label},
     .meaning = "enter the kernel by SYSCALL, spend N cycles there, return by SYSRET"},
    {.name = "page_fault",
     .op = Op::page_fault,
     .kinds = K::user,
     .args = {cycles_arg(0, "cycles in the handler")},
     .options = {label},
     .meaning = "fault in user mode: enter the kernel by the #PF exception (exc_page_fault), "
                "spend N cycles handling it with IRQs on, return by IRET"},
    {.name = "sleep",
     .op = Op::sleep,
     .args = {cycles_arg(0, "cycles from blocking")},
     .options = {label},
     .meaning = "block (a [[thread]] in a system call); a timer interrupt on its CPU wakes it "
                "N cycles later"},
    {.name = "wait",
     .op = Op::wait,
     .args = {event_arg(ArgType::awaited_event, "any word without '='")},
     .options = {label},
     .meaning = "block until EVENT is signalled (at once when it already was); every "
                "waited-for EVENT must be signalled by some step"},
    {.name = "signal",
     .op = Op::signal,
     .args = {event_arg(ArgType::signalled_event, "any word without '='")},
     .options = {label},
     .meaning = "signal EVENT (a latch: it stays signalled) and wake its waiters on their "
                "CPUs"},
    {.name = "yield",
     .op = Op::yield,
     .options = {label},
     .meaning = "sched_yield(): to the tail of the runqueue when another thread is runnable"},
    {.name = "migrate",
     .op = Op::migrate,
     .args = {kCpuArg},
     .options = {label},
     .meaning = "move to CPU's runqueue (sched_setaffinity)"},
    {.name = "membarrier",
     .op = Op::membarrier,
     .kinds = K::user,
     .args = {{.name = "CMD",
               .type = ArgType::membarrier_cmd,
               .meaning = "a command (tlbsim steps lists them) or any integer"}},
     .options = {flags, cpu, expect, label},
     .meaning = "the membarrier() system call with command CMD; expect= checks its result under "
                "every policy, label= names it for [[expect]] results"},
    {.name = "flush_tlb",
     .op = Op::flush_tlb,
     .args = {{.name = "PROCESS",
               .type = ArgType::process,
               .kinds = K::kernel,
               .meaning = "the process whose mm is flushed",
               .absent_hint = "a [[thread]] flushes its own mm"}},
     .options = {pages, freed_tables, label},
     .meaning = "change page tables and shoot down TLB entries (flush_tlb_mm_range): a "
                "[[thread]] of its own mm, a [[kthread]] of PROCESS's"},
    {.name = "exec",
     .op = Op::exec,
     .kinds = K::user,
     .options = {label},
     .meaning = "execve(): de_thread, then exec_mmap installs a fresh mm without "
                "registrations; returns to user mode by IRET"},
    {.name = "exit",
     .op = Op::exit,
     .options = {label},
     .meaning = "exit now (exit_mm, mmput; the last thread of a process tears its mm down); "
                "the end of a program exits too"},
    {.name = "work",
     .op = Op::work,
     .kinds = K::kernel,
     .args = {cycles_arg(1, "cycles")},
     .options = {label},
     .meaning = "N cycles of work in kernel mode"},
    {.name = "use_mm",
     .op = Op::use_mm,
     .kinds = K::kernel,
     .args = {{.name = "PROCESS",
               .type = ArgType::process,
               .meaning = "a process with a live thread when the step runs"}},
     .options = {label},
     .meaning = "kthread_use_mm(): adopt PROCESS's mm"},
    {.name = "unuse_mm",
     .op = Op::unuse_mm,
     .kinds = K::kernel,
     .options = {label},
     .meaning = "kthread_unuse_mm()"},
    {.name = "text_poke",
     .op = Op::text_poke,
     .kinds = K::kernel,
     .options = {label},
     .meaning = "patch kernel text through a temporary mm (use_temporary_mm, "
                "unuse_temporary_mm)"},
    {.name = "efi_call",
     .op = Op::efi_call,
     .kinds = K::kernel,
     .options = {label},
     .meaning = "an EFI runtime call (efi_switch_mm to efi_mm and back)"},
    {.name = "store",
     .op = Op::store,
     .kinds = K::user,
     .args = {kVarArg, value_arg("VALUE", "the value stored")},
     .options = {label},
     .meaning = "a user store (MOV) of VALUE to VAR: under machine.memory = \"tso\" it waits in "
                "the CPU's store buffer (docs/memory-model.md)"},
    {.name = "load",
     .op = Op::load,
     .kinds = K::user,
     .args = {kVarArg, kRegArg},
     .options = {label},
     .meaning = "a user load (MOV) of VAR into REG: the CPU's own newest buffered store to VAR, "
                "else memory; [[expect]] forbid and require test registers at the end"},
    {.name = "fence",
     .op = Op::fence,
     .kinds = K::user,
     .options = {label},
     .meaning = "a user MFENCE: drains the CPU's store buffer"},
    {.name = "lock_rmw",
     .op = Op::lock_rmw,
     .kinds = K::user,
     .args = {kVarArg},
     .options = {label},
     .meaning = "a user LOCK-prefixed read-modify-write of VAR (lock add of 0): drains the "
                "CPU's store buffer"},
    {.name = "xchg",
     .op = Op::xchg,
     .kinds = K::user,
     .args = {kVarArg, value_arg("VALUE", "the value written"), kRegArg},
     .options = {label},
     .meaning = "a user XCHG of VAR with VALUE (implicitly locked): drains the CPU's store "
                "buffer, then atomically reads VAR into REG and writes VALUE (the kernel's "
                "xchg())"},
    {.name = "cmpxchg",
     .op = Op::cmpxchg,
     .kinds = K::user,
     .args = {kVarArg, value_arg("OLD", "the value expected"),
              value_arg("NEW", "the value written if VAR holds OLD", &Step::new_value), kRegArg},
     .options = {label},
     .meaning = "a user LOCK CMPXCHG: drains the CPU's store buffer, then atomically reads VAR "
                "into REG and writes NEW if it read OLD (the kernel's cmpxchg(), which returns "
                "the value read)"},
    {.name = "repeat",
     .op = Op::repeat,
     .args =
         {{.name = "N", .type = ArgType::integer, .min = 1, .max = kMaxInt, .meaning = "times"}},
     .options = {label},
     .meaning = "repeat the steps up to the matching end N times (repeats may nest)"},
    {.name = "end",
     .op = Op::repeat,
     .closes_repeat = true,
     .meaning = "close the innermost repeat"},
};

const std::vector<OptionInfo> kOptions = {
    {.option = pages,
     .name = "pages",
     .type = OptionType::integer,
     .value = "N",
     .min = 0,
     .max = kMaxInt,
     .default_value = "0",
     .meaning = "pages to flush; 0 is a full flush",
     .int_field = &Step::pages},
    {.option = freed_tables,
     .name = "freed_tables",
     .type = OptionType::flag,
     .default_value = "false",
     .meaning = "page tables were freed",
     .bool_field = &Step::freed_tables},
    {.option = flags,
     .name = "flags",
     .type = OptionType::membarrier_flags,
     .value = "F",
     .default_value = "0",
     .meaning = "the system call's flags; cpu is MEMBARRIER_CMD_FLAG_CPU",
     .int_field = &Step::flags},
    {.option = cpu,
     .name = "cpu",
     .type = OptionType::integer,
     .value = "N",
     .min = kMinInt,
     .max = kMaxInt,
     .default_value = "0",
     .meaning = "the system call's cpu_id (not checked against the machine)",
     .int_field = &Step::cpu_id},
    {.option = expect,
     .name = "expect",
     .type = OptionType::result,
     .value = "R",
     .default_value = "none",
     .meaning = "the result every policy must give (EPERM, ...)"},
    {.option = label,
     .name = "label",
     .type = OptionType::label,
     .value = "NAME",
     .default_value = "none",
     .meaning = "names the step for [[expect]] results; [A-Za-z_][A-Za-z0-9_.-]*, unique in "
                "the file, not inside repeat"},
};

} // namespace

bool includes(ThreadKinds kinds, bool kthread) {
    const auto bit = static_cast<unsigned>(kthread ? ThreadKinds::kernel : ThreadKinds::user);
    return (static_cast<unsigned>(kinds) & bit) != 0;
}

const std::vector<StepInfo>& step_table() {
    return kSteps;
}

const std::vector<OptionInfo>& step_options() {
    return kOptions;
}

const OptionInfo& option_info(StepOption option) {
    const auto it = std::find_if(kOptions.begin(), kOptions.end(),
                                 [&](const OptionInfo& o) { return o.option == option; });
    if (it == kOptions.end()) {
        throw std::logic_error(
            fmt::format("step option {} is not in the table", static_cast<int>(option)));
    }
    return *it;
}

const StepInfo* find_step(std::string_view name) {
    for (const StepInfo& s : step_table()) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

const StepInfo& step_info(Op op) {
    const auto it = std::find_if(kSteps.begin(), kSteps.end(),
                                 [&](const StepInfo& s) { return s.op == op && !s.closes_repeat; });
    if (it == kSteps.end()) {
        throw std::logic_error(
            fmt::format("operation {} is not in the step table", static_cast<int>(op)));
    }
    return *it;
}

std::vector<const ArgInfo*> step_args(const StepInfo& step, bool kthread) {
    std::vector<const ArgInfo*> args;
    for (const ArgInfo& a : step.args) {
        if (includes(a.kinds, kthread)) {
            args.push_back(&a);
        }
    }
    return args;
}

std::string step_usage(const StepInfo& step, bool kthread) {
    std::string usage(step.name);
    for (const ArgInfo* a : step_args(step, kthread)) {
        usage += fmt::format(" {}", a->name);
    }
    for (const StepOption o : step.options) {
        const OptionInfo& info = option_info(o);
        if (info.type == OptionType::flag) {
            usage += fmt::format(" [{}]", info.name);
        } else if (info.type != OptionType::label) {
            usage += fmt::format(" [{}={}]", info.name, info.value);
        }
    }
    return usage;
}

std::string type_text(const ArgInfo& arg) {
    switch (arg.type) {
    case ArgType::integer:
        return int_range_text(arg.min, arg.max);
    case ArgType::cpu:
        return "CPU number";
    case ArgType::awaited_event:
    case ArgType::signalled_event:
        return "event name";
    case ArgType::process:
        return "process name";
    case ArgType::membarrier_cmd:
        return "command name or int";
    case ArgType::variable:
        return "variable name";
    case ArgType::reg:
        return "register name";
    }
    return "";
}

std::string type_text(const OptionInfo& option) {
    switch (option.type) {
    case OptionType::integer:
        return int_range_text(option.min, option.max);
    case OptionType::flag:
        return "flag (bare, =true or =false)";
    case OptionType::membarrier_flags:
        return "int or cpu";
    case OptionType::result:
        return "int >= 0 or errno name";
    case OptionType::label:
        return "label name";
    }
    return "";
}

const std::vector<MembarrierCommand>& membarrier_commands() {
    static const std::vector<MembarrierCommand> commands = [] {
        std::vector<MembarrierCommand> c;
        for (std::size_t i = 0; i < membarrier_cmd_names.size(); ++i) {
            c.push_back({membarrier_cmd_names[i], membarrier_cmd_value(i)});
        }
        return c;
    }();
    return commands;
}

} // namespace scenario
