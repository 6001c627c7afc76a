#pragma once
// Every step a scenario program may use, declared once: its name, positional arguments and
// options with their types and ranges, the thread kinds that may use it, whether it may appear
// inside `repeat`, and its documentation. The loader validates steps against this table and
// `tlbsim steps --markdown` prints it (docs/steps.md), so the reference cannot drift from what
// is accepted. Adding a step: docs/extending.md.

#include "scenario_model/scenario.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scenario {

/// The kinds of thread a step, or one of its arguments, is for.
enum class ThreadKinds : unsigned { user = 1, kernel = 2, both = 3 };

/// Whether `kinds` includes [[kthread]] (kthread) or [[thread]] (!kthread).
bool includes(ThreadKinds kinds, bool kthread);

/// What a positional argument is. Each type is resolved the same way by every step that has it.
enum class ArgType {
    integer,         ///< an integer in [min, max], into ArgInfo::int_field (Step::n)
    cpu,             ///< an existing online CPU, into Step::n
    awaited_event,   ///< an event name the step waits for, into Step::event
    signalled_event, ///< an event name the step signals, into Step::event
    process,         ///< a process name, into Step::process
    membarrier_cmd,  ///< a membarrier command name or any integer, into Step::cmd (and notes)
    variable,        ///< a variable of the thread's process, into Step::var
    reg,             ///< a register name of the thread, into Step::reg
};

struct ArgInfo {
    std::string_view name = ""; ///< "N", "CPU", ...: in usage lines and in messages
    ArgType type = ArgType::integer;
    std::int64_t min = 0; ///< integer only
    std::int64_t max = 0; ///< integer only
    /// The thread kinds that write this argument; for the others the step has no such argument.
    ThreadKinds kinds = ThreadKinds::both;
    std::string_view meaning = "";
    /// Why a thread of the other kind has no such argument, appended to the usage line when it
    /// gives one anyway ("" when there is nothing to say).
    std::string_view absent_hint = "";
    /// integer only: the Step field the value goes into (`n` unless a step has two integers).
    std::int64_t Step::*int_field = &Step::n;
};

/// The options of steps (`key=value`, or a bare flag). Each is stored in its own Step field.
enum class StepOption { pages, freed_tables, flags, cpu, expect, label };

enum class OptionType {
    integer,          ///< an integer in [min, max]
    flag,             ///< bare (true), `=true` or `=false`
    membarrier_flags, ///< an integer, or `cpu` for MEMBARRIER_CMD_FLAG_CPU
    result,           ///< a non-negative integer or a canonical errno name
    label,            ///< a label name, unique in the file, not inside `repeat`
};

struct OptionInfo {
    StepOption option = StepOption::label;
    std::string_view name = "";
    OptionType type = OptionType::integer;
    std::string_view value = ""; ///< the placeholder in usage lines (`pages=N`); "" for a flag
    std::int64_t min = 0;        ///< integer only
    std::int64_t max = 0;        ///< integer only
    std::string_view default_value = "";
    std::string_view meaning = "";
    /// Where the value goes: integer and membarrier_flags options into an integer field, flags
    /// into a bool field (a result goes into Step::expect, a label into Step::label).
    std::int64_t Step::*int_field = nullptr;
    bool Step::*bool_field = nullptr;
};

struct StepInfo {
    std::string_view name = "";
    Op op = Op::user;
    /// `end`: closes the innermost `repeat` instead of being a step of its own (op is
    /// Op::repeat).
    bool closes_repeat = false;
    ThreadKinds kinds = ThreadKinds::both;
    std::vector<ArgInfo> args = {};       ///< in order; some only for one kind (ArgInfo::kinds)
    std::vector<StepOption> options = {}; ///< in the order messages list them
    bool allowed_in_repeat = true;        ///< may appear between `repeat` and `end`
    std::string_view meaning = "";
};

/// Every step, in documentation order (the order "did you mean" breaks ties in).
const std::vector<StepInfo>& step_table();
/// Every option, in documentation order.
const std::vector<OptionInfo>& step_options();
const OptionInfo& option_info(StepOption option);
/// The step named `name`, or nullptr.
const StepInfo* find_step(std::string_view name);
/// The step whose operation is `op` (`repeat` for Op::repeat, not `end`).
const StepInfo& step_info(Op op);

/// The positional arguments `step` takes in a [[kthread]] (kthread) or a [[thread]].
std::vector<const ArgInfo*> step_args(const StepInfo& step, bool kthread);
/// `membarrier CMD [flags=F] [cpu=N] [expect=R]`: arguments, then every option but `label`
/// (which any step but `end` takes).
std::string step_usage(const StepInfo& step, bool kthread);

/// The type and range of an argument or option as the reference prints it ("int 1..2^50").
std::string type_text(const ArgInfo& arg);
std::string type_text(const OptionInfo& option);

/// The membarrier commands a step may name (MEMBARRIER_CMD_* in lower case without the prefix).
struct MembarrierCommand {
    std::string_view name;
    std::int64_t value;
};
const std::vector<MembarrierCommand>& membarrier_commands();

} // namespace scenario
