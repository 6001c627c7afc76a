#pragma once
// What the sections of one scenario file share while it loads: the scenario built so far, the
// names resolved so far (processes, policies, events, labels), and the lookups that report an
// unknown name with a suggestion. Internal to the scenario layer.

#include "scenario/loader.h"
#include "scenario/toml_reader.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace scenario::detail {

/// Where a label was written, for duplicates and [[expect]] results.
struct LabelInfo {
    std::string path;
    SourceLoc loc;
    Op op;
};

/// A step that waits for an event; every waited-for event must be signalled somewhere.
struct WaitMention {
    int event;
    std::string path;
    SourceLoc loc;
};

struct LoadState {
    LoadState(const TomlReader& reader, const Catalog& names);

    const TomlReader& in;
    const Catalog& catalog;
    Scenario sc;
    std::map<std::string, int, std::less<>> process_index; ///< name -> index in sc.processes
    std::map<std::string, int, std::less<>> policy_index;  ///< [[policy]] name -> index
    std::set<std::string, std::less<>> presets;
    std::map<std::string, int, std::less<>> event_index; ///< name -> index in sc.events
    std::set<int> signalled;                             ///< events some step signals
    std::vector<WaitMention> waits;                      ///< in file order
    std::map<std::string, LabelInfo, std::less<>> labels;
    std::map<std::string, int, std::less<>> variable_index; ///< name -> index in sc.variables
    /// The program being parsed: its thread's process (-1 for a [[kthread]]) and the registers
    /// its `load` steps named so far, in order of first mention.
    int program_process = -1;
    std::vector<std::string> program_registers;

    /// `cpu` exists and is online.
    void check_cpu(std::int64_t cpu, SourceLoc loc, const std::string& path) const;
    /// A per-CPU counter names a CPU the machine has (offline ones count: they have counters).
    void check_counter_cpu(std::string_view counter, SourceLoc loc, const std::string& path) const;
    /// The index of the process `name`.
    int find_process(std::string_view name, SourceLoc loc, const std::string& path) const;
    /// The index of the variable `name`, which must belong to the program's process.
    int find_variable(std::string_view name, SourceLoc loc, const std::string& path) const;
    /// The index of the program's register `name`, numbered in order of first mention.
    int register_id(std::string_view name, SourceLoc loc, const std::string& path);
    /// The index of the event `name`, numbered in order of first mention.
    int event_id(std::string_view name);
    bool is_known_policy(std::string_view name) const;
    /// Presets, then the [[policy]] names defined so far.
    std::vector<std::string> known_policies() const;
    /// Appends the policy named by the string `n` to `out`: known, and not in `seen` yet.
    void check_policy_ref(const toml::node& n, const std::string& path,
                          std::vector<std::string>& out, std::set<std::string>& seen) const;
};

/// `CPU 9 does not exist (the machine has 4 CPUs: 0..3)`
std::string no_such_cpu(std::int64_t cpu, const Machine& m);
/// ` (did you mean "x"?)` for `word` among `names`, or "".
std::string suggest_from(std::string_view word, const std::vector<std::string>& names);
/// The result for a canonical errno name, or nullopt.
std::optional<ResultValue> errno_result(std::string_view name);
/// ` (did you mean "EPERM"?)` for a mistyped errno name, or "".
std::string errno_hint(std::string_view name);
/// ` (did you mean "EINVAL"?)` for a negative result written as -errno, or "".
std::string negative_result_hint(std::int64_t value);

} // namespace scenario::detail
