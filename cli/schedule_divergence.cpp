#include "cli/schedule_divergence.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace cli {

void SwitchRecorder::on_record(const kernel::Record& r) {
    if (r.kind == kernel::RecordKind::context_switch) {
        switches_.push_back({r.time.count(), r.cpu, r.task, kernel::rec::next_task(r)});
    }
}

namespace {

bool earlier(const ContextSwitch& x, const ContextSwitch& y) {
    return std::tie(x.time, x.cpu) < std::tie(y.time, y.cpu);
}

/// The first switch of `s` on `cpu` at index `from` or later.
std::optional<ContextSwitch> next_on_cpu(const Schedule& s, std::size_t from, int cpu) {
    for (std::size_t i = from; i < s.switches.size(); ++i) {
        if (s.switches[i].cpu == cpu) {
            return s.switches[i];
        }
    }
    return std::nullopt;
}

std::string task_name(const Schedule& s, int task) {
    if (task >= 0 && static_cast<std::size_t>(task) < s.task_names.size()) {
        return s.task_names[static_cast<std::size_t>(task)];
    }
    return fmt::format("task {}", task);
}

/// "v5.10 switches t1 -> t2" (" at t=..." when not at the divergence time), or "v5.10 makes no
/// further switch on cpu1".
std::string side_text(const Schedule& s, const std::optional<ContextSwitch>& c,
                      const Divergence& d) {
    if (!c) {
        return fmt::format("{} makes no further switch on cpu{}", s.policy, d.cpu);
    }
    std::string out =
        fmt::format("{} switches {} -> {}", s.policy, task_name(s, c->prev), task_name(s, c->next));
    return c->time == d.time ? out : out + fmt::format(" at t={}", c->time);
}

Json side_json(const Schedule& s, const std::optional<ContextSwitch>& c) {
    if (!c) {
        return nullptr;
    }
    return {{"time", c->time}, {"prev", task_name(s, c->prev)}, {"next", task_name(s, c->next)}};
}

} // namespace

std::vector<ContextSwitch> SwitchRecorder::switches() const {
    std::vector<ContextSwitch> out = switches_;
    std::stable_sort(out.begin(), out.end(), earlier);
    return out;
}

std::optional<Divergence> first_divergence(const Schedule& a, const Schedule& b) {
    const std::size_t common = std::min(a.switches.size(), b.switches.size());
    std::size_t i = 0;
    // Task ids are the scenario's (both runs create the same tasks in the same order).
    while (i < common && a.switches[i] == b.switches[i]) {
        ++i;
    }
    if (i == a.switches.size() && i == b.switches.size()) {
        return std::nullopt;
    }
    // The earlier of the two differing switches is where the schedules part.
    const ContextSwitch& at = i == a.switches.size()                  ? b.switches[i]
                              : i == b.switches.size()                ? a.switches[i]
                              : earlier(b.switches[i], a.switches[i]) ? b.switches[i]
                                                                      : a.switches[i];
    Divergence d{at.time, at.cpu, next_on_cpu(a, i, at.cpu), next_on_cpu(b, i, at.cpu)};
    return d;
}

std::string format_divergence(const Schedule& a, const Schedule& b,
                              const std::optional<Divergence>& d) {
    if (!d) {
        return fmt::format("schedules identical ({} context switches)", a.switches.size());
    }
    return fmt::format("schedules first diverge at t={} on cpu{}: {}, {}", d->time, d->cpu,
                       side_text(a, d->a, *d), side_text(b, d->b, *d));
}

Json divergence_json(const Schedule& a, const Schedule& b, const std::optional<Divergence>& d) {
    if (!d) {
        return {{"identical", true},
                {"time", nullptr},
                {"cpu", nullptr},
                {"a", nullptr},
                {"b", nullptr}};
    }
    return {{"identical", false},
            {"time", d->time},
            {"cpu", d->cpu},
            {"a", side_json(a, d->a)},
            {"b", side_json(b, d->b)}};
}

} // namespace cli
