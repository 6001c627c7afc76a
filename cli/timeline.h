#pragma once
// The timeline of one run, per CPU, as the trace (`--trace`) and SVG (`--svg`) reports draw it.
// Built from the record stream only:
//
//   level 0  what the CPU is doing: a task in user mode (return_to_user .. kernel_entry), a task
//            in the kernel, or the idle task in its idle loop. The idle task's own scheduling
//            (a run of records inside __schedule) is a kernel span of the idle task.
//   level 1+ interrupt handlers (irq_enter .. irq_exit, named after the handler function), and
//            the idle loop running the call-function queue without an interrupt (a polling
//            idle CPU woken by set_nr_if_polling), named "flush_smp_call_function_queue (polled)".
//
// Slices are produced as begin/end events in an order that nests by construction: opening a
// slice at some level first closes every open slice at that level and deeper. Instant events
// mark each [SER] and [FB] and a few kernel events (rq->curr stores, lazy/unlazy, membarrier
// reads); IPIs become flows from the ipi_send record to the matching ipi_handler record; the
// checker's violation reports are placed at the violating CPU and time, its mechanism warnings at
// the CPU and time the rule concerns.

#include "check/guarantee_checker.h"
#include "cli/redundancy.h"
#include "kernel/record.h"
#include "kernel/trace.h"
#include "run/runner.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

using Json = nlohmann::ordered_json;

/// The kind of a serializing event, for markers.
enum class SerKind : std::uint8_t { none, cr3, invlpg, iret, sync_core };
std::string_view ser_kind_name(SerKind k);
SerKind ser_kind(const kernel::Record& r);

struct TrackEvent {
    enum class Type : std::uint8_t {
        begin,
        end,
        instant,
        flow_start,
        flow_end,
        violation,
        warning
    };
    Type type = Type::instant;
    std::int64_t time = 0; ///< cycles
    std::string name;
    /// Slices: "user", "kernel", "idle", "irq", "polled". Instants: "ser", "fb", "event".
    /// Flows: "ipi". Violations: "violation". Warnings: "warning".
    std::string cat;
    SerKind ser = SerKind::none; ///< instants of [SER] events
    bool redundant = false;      ///< a redundant serialization (ser.redundant)
    int flow = -1;               ///< flow id (flow_start / flow_end)
    int violation = -1;          ///< index into Timeline::violations
    int warning = -1;            ///< index into Timeline::warnings
    Json args = Json::object();
};

struct Timeline {
    std::string scenario;
    std::string policy;
    std::string file;
    double ghz = 3.0;
    std::uint64_t seed = 0;
    int jitter = 0;
    std::int64_t end = 0;                        ///< cycles: the end of the run
    std::vector<std::vector<TrackEvent>> tracks; ///< one per CPU shown, in drawing order
    std::vector<int> cpu_ids;                    ///< the CPU of each track (and of lazy[i])

    /// What the timeline shows (timeline_view.h): the window [from, to] of the run, in cycles,
    /// and the view in words for the legend ("cycles 1000..5000, cpus 0,2"; empty: the whole run).
    std::int64_t from = 0;
    std::optional<std::int64_t> to; ///< nullopt: the end of the run
    std::string view;

    struct Flow {
        int id = 0;
        std::string kind; ///< "tlb", "membarrier", "resched", "sync_rq_state"
        int from_cpu = 0;
        std::int64_t from = 0;
        int to_cpu = 0;
        std::int64_t to = 0;
    };
    std::vector<Flow> flows;
    std::vector<check::Violation> violations;
    std::vector<check::Warning> warnings; ///< the mechanism warnings the run kept (K1..K5)

    /// When a CPU was in lazy TLB mode (enter_lazy .. unlazy, or a switch to a user task).
    struct Lazy {
        std::int64_t begin = 0;
        std::int64_t end = 0;
        std::string mm;
    };
    std::vector<std::vector<Lazy>> lazy; ///< per CPU

    int cpus() const { return static_cast<int>(tracks.size()); }
    /// The CPU track `track` shows.
    int cpu_id(int track) const { return cpu_ids.at(static_cast<std::size_t>(track)); }
    /// The track of CPU `cpu`, or -1 when it is not shown.
    int track_of(int cpu) const {
        const auto it = std::find(cpu_ids.begin(), cpu_ids.end(), cpu);
        return it == cpu_ids.end() ? -1 : static_cast<int>(it - cpu_ids.begin());
    }
    /// Where the time scale ends: `to`, but not past the end of the run.
    std::int64_t window_end() const { return to ? std::min(*to, end) : end; }
    /// Where a violation is drawn: its time, or the end of the run for one found there (time -1,
    /// e.g. a reference leak).
    std::int64_t violation_time(const check::Violation& v) const {
        return v.time >= 0 ? v.time : end;
    }
    /// Simulated time in microseconds (cycles / (ghz * 1000)).
    double us(std::int64_t cycles) const { return static_cast<double>(cycles) / (ghz * 1000.0); }
};

/// A begin/end pair of a track, for drawing.
struct Slice {
    std::int64_t begin = 0;
    std::int64_t end = 0;
    int depth = 0;
    std::string name;
    std::string cat;
    Json args;
};

/// The slices of one track, in begin order (fails with std::logic_error on unmatched events).
std::vector<Slice> track_slices(const std::vector<TrackEvent>& track);

/// Records what a timeline needs during a run (every record, with its call path as text).
/// Memory grows with the run: attach it only when a trace or SVG is asked for.
class TimelineRecorder : public kernel::RecordObserver {
public:
    explicit TimelineRecorder(int cpus);
    void on_start(const kernel::KernelState& ks, const kernel::Trace& trace) override;
    void on_record(const kernel::Record& r) override;

    /// The timeline of the finished run `result` (its violation reports are placed on it).
    Timeline build(const run::RunResult& result, const std::string& file, double ghz) const;

private:
    struct TaskInfo {
        std::string name;
        bool idle = false;
        bool kthread = false;
    };
    struct PathInfo {
        bool known = false;
        bool in_schedule = false; ///< __schedule is on the path
        bool polled = false;      ///< flush_smp_call_function_queue is on the path
        std::string text;         ///< innermost first, "a ← b ← c"
    };
    struct Stored {
        kernel::Record r;
        bool redundant = false;
        std::string text; ///< RecordText::describe, for records that get an instant event
    };
    void note_task(int id);
    void note_mm(int id);

    int cpus_;
    RedundancyObserver redundancy_;
    const kernel::KernelState* ks_ = nullptr;
    const kernel::Trace* trace_ = nullptr;
    std::vector<int> idle_task_;   ///< per CPU
    std::vector<TaskInfo> tasks_;  ///< by task id
    std::vector<std::string> mms_; ///< by mm id
    std::vector<PathInfo> paths_;  ///< by path id
    std::vector<Stored> records_;

    friend class TimelineBuilder;
};

} // namespace cli
