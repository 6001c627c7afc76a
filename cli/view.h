#pragma once
// A view of a run: the part of it that `tlbsim run` shows, chosen on the command line and
// declared here once for the three outputs that show records (-v, --svg, --trace):
//
//   --from CYCLES, --to CYCLES  a time window [from, to], in cycles (either end may be left open)
//   --cpus LIST                 only these CPUs ("0,2-3")
//   --task NAME                 only these tasks (repeatable; -v only: a timeline lane is a CPU)
//
// The narrative (-v) filters records with View::shows as they happen; the SVG and the trace
// apply the view to the built timeline (timeline_view.h). Without view options every output is
// the whole run, byte for byte as before views existed.

#include "kernel/record.h"
#include "kernel/record_text.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::program_options {
class options_description;
class variables_map;
} // namespace boost::program_options

namespace cli {

struct View {
    std::optional<std::int64_t> from;     ///< cycles, inclusive; nullopt: from the start
    std::optional<std::int64_t> to;       ///< cycles, inclusive; nullopt: to the end of the run
    std::optional<std::vector<int>> cpus; ///< sorted, each once; nullopt: every CPU
    std::vector<std::string> tasks;       ///< -v only; empty: every task

    /// No window and no CPU filter: the timeline outputs show the whole run.
    bool whole_run() const { return !from && !to && !cpus; }
    /// Nor a task filter: -v prints every record.
    bool everything() const { return whole_run() && tasks.empty(); }

    bool shows_cpu(int cpu) const;
    bool shows_time(std::int64_t cycles) const;
    /// -v: whether a record is printed: its CPU, its time, and its task (the task running when
    /// it was recorded, or for a context switch also the task switched to).
    bool shows(const kernel::Record& r, const kernel::RecordText& text) const;

    /// The window and CPUs in words, as the SVG's legend and the trace say them:
    /// "cycles 1000..5000, cpus 0,2-3"; empty for the whole run.
    std::string describe() const;
    /// describe() with the tasks: "cycles 1000..5000, tasks a,b" (the -v header).
    std::string describe_with_tasks() const;
};

/// --from, --to, --cpus and --task, added to `desc`.
void add_view_options(boost::program_options::options_description& desc);

/// The view the options ask for; throws UsageError (one line, naming `command`) for a bad cycle
/// count, a bad CPU list, or from >= to.
View view_options(const boost::program_options::variables_map& vm, const char* command);

/// "0,2-3" as the CPUs it names, sorted, each once; throws UsageError for bad syntax.
std::vector<int> parse_cpu_list(std::string_view list, const char* command);

/// "0,2-3": the CPUs as a list of ranges, the inverse of parse_cpu_list.
std::string format_cpu_list(const std::vector<int>& cpus);

/// Throws UsageError when the view names a CPU beyond `sc`'s machine or a task no run of `sc`
/// has; `file` is the scenario's file, for the message.
void check_view(const View& view, const scenario::Scenario& sc, const std::string& file,
                const char* command);

/// Throws UsageError when the view selects nothing that is printed: --task without -v, or a
/// window or CPU list with none of -v, --svg and --trace.
void check_view_outputs(const View& view, bool narrative, bool timeline, const char* command);

} // namespace cli
