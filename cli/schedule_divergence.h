#pragma once
// `diff` of one seed: where the two policies' schedules first part. A policy that costs a few
// cycles more on one path moves every later event, and from the first context switch that
// differs (in time, CPU or tasks) the two runs no longer do the same work in the same order:
// counter differences after that point are partly the schedule's, not only the policy's
// (docs/seeds.md).

#include "cli/json_report.h"
#include "kernel/trace.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

/// One completed switch_to: on `cpu` at `time`, from task `prev` to task `next` (task ids).
struct ContextSwitch {
    std::int64_t time = 0;
    int cpu = 0;
    int prev = -1;
    int next = -1;
    bool operator==(const ContextSwitch&) const = default;
};

/// Collects a run's context switches (the context_switch records, emitted by prev).
class SwitchRecorder : public kernel::RecordObserver {
public:
    void on_record(const kernel::Record& r) override;
    /// In (time, cpu) order.
    std::vector<ContextSwitch> switches() const;

private:
    std::vector<ContextSwitch> switches_;
};

/// One run's switches, with the names of its tasks by id.
struct Schedule {
    std::string policy;
    std::vector<ContextSwitch> switches; ///< in (time, cpu) order
    std::vector<std::string> task_names;
};

/// The first switch, in (time, cpu) order, where the schedules differ: at `time` on `cpu`, and
/// each policy's first switch on that CPU from there (none when it makes no more).
struct Divergence {
    std::int64_t time = 0;
    int cpu = 0;
    std::optional<ContextSwitch> a;
    std::optional<ContextSwitch> b;
};

/// nullopt when the two schedules are identical.
std::optional<Divergence> first_divergence(const Schedule& a, const Schedule& b);

/// "schedules first diverge at t=12345 on cpu1: v5.10 switches t1 -> t2, rfc-v2 switches
/// t1 -> swapper/1 at t=12400", or "schedules identical (N context switches)".
std::string format_divergence(const Schedule& a, const Schedule& b,
                              const std::optional<Divergence>& d);

/// diff's "schedule_divergence": {identical, time, cpu, a, b}, with each side's switch
/// {time, prev, next} (null when it makes none; all four null when identical).
Json divergence_json(const Schedule& a, const Schedule& b, const std::optional<Divergence>& d);

} // namespace cli
