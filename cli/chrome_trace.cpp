#include "cli/chrome_trace.h"
#include "cli/output_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace cli {

double trace_us(std::int64_t cycles, double ghz) {
    const auto ps = std::llround(static_cast<double>(cycles) * 1000.0 / ghz);
    return static_cast<double>(ps) / 1e6;
}

namespace {

/// chrome://tracing's reserved colour names (Perfetto picks its own colours by name).
const char* colour(const std::string& cat) {
    if (cat == "user") {
        return "thread_state_running";
    }
    if (cat == "kernel") {
        return "thread_state_iowait";
    }
    if (cat == "idle") {
        return "thread_state_sleeping";
    }
    if (cat == "irq") {
        return "thread_state_runnable";
    }
    if (cat == "polled") {
        return "generic_work";
    }
    if (cat == "violation") {
        return "terrible";
    }
    if (cat == "warning") {
        return "bad";
    }
    return nullptr;
}

Json event_json(const TrackEvent& e, int cpu, double ghz) {
    Json j;
    j["name"] = e.name;
    j["cat"] = e.cat;
    switch (e.type) {
    case TrackEvent::Type::begin:
        j["ph"] = "B";
        break;
    case TrackEvent::Type::end:
        j["ph"] = "E";
        break;
    case TrackEvent::Type::instant:
    case TrackEvent::Type::violation:
    case TrackEvent::Type::warning:
        j["ph"] = "i";
        j["s"] = "t";
        break;
    case TrackEvent::Type::flow_start:
        j["ph"] = "s";
        j["id"] = e.flow;
        break;
    case TrackEvent::Type::flow_end:
        j["ph"] = "f";
        j["bp"] = "e";
        j["id"] = e.flow;
        break;
    }
    j["ts"] = trace_us(e.time, ghz);
    j["pid"] = 0;
    j["tid"] = cpu;
    if (const char* c = colour(e.cat); c != nullptr && e.type != TrackEvent::Type::end) {
        j["cname"] = c;
    }
    if (!e.args.empty()) {
        j["args"] = e.args;
    }
    return j;
}

std::string compact(const Json& j) {
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

/// The metadata events: the process name, and each CPU's thread name and sort index.
std::vector<Json> metadata_events(const Timeline& tl) {
    std::vector<Json> meta;
    meta.push_back(Json{{"name", "process_name"},
                        {"ph", "M"},
                        {"pid", 0},
                        {"tid", 0},
                        {"args", {{"name", fmt::format("tlbsim {} {}", tl.scenario, tl.policy)}}}});
    for (int t = 0; t < tl.cpus(); ++t) {
        const int c = tl.cpu_id(t);
        meta.push_back(Json{{"name", "thread_name"},
                            {"ph", "M"},
                            {"pid", 0},
                            {"tid", c},
                            {"args", {{"name", fmt::format("cpu{}", c)}}}});
        meta.push_back(Json{{"name", "thread_sort_index"},
                            {"ph", "M"},
                            {"pid", 0},
                            {"tid", c},
                            {"args", {{"sort_index", c}}}});
    }
    return meta;
}

/// An event of a track.
struct EventRef {
    std::int64_t time;
    int track;
    std::size_t index;
};

/// All tracks merged by time; each track keeps its own order (stable), which is what makes
/// begin/end pairs at equal timestamps nest.
std::vector<EventRef> merged_order(const Timeline& tl) {
    std::vector<EventRef> order;
    for (int t = 0; t < tl.cpus(); ++t) {
        const auto& track = tl.tracks[static_cast<std::size_t>(t)];
        for (std::size_t i = 0; i < track.size(); ++i) {
            order.push_back({track[i].time, t, i});
        }
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const EventRef& a, const EventRef& b) { return a.time < b.time; });
    return order;
}

Json other_data(const Timeline& tl) {
    Json j{{"generator", "tlbsim"},
           {"scenario", tl.scenario},
           {"file", tl.file},
           {"policy", tl.policy},
           {"seed", tl.seed},
           {"jitter", tl.jitter},
           {"ghz", tl.ghz},
           {"cycles", tl.end},
           {"violations", tl.violations.size()},
           {"warnings", tl.warnings.size()}};
    if (!tl.view.empty()) { // a view cut the timeline (timeline_view.h)
        j["view"] = tl.view;
        j["view_from_cycles"] = tl.from;
        j["view_to_cycles"] = tl.window_end();
    }
    return j;
}

} // namespace

void write_chrome_trace(const Timeline& tl, std::ostream& os) {
    os << "{\"traceEvents\":[\n";
    bool first = true;
    for (const auto& m : metadata_events(tl)) {
        os << (first ? "" : ",\n") << compact(m);
        first = false;
    }
    for (const auto& ref : merged_order(tl)) {
        const auto& e = tl.tracks[static_cast<std::size_t>(ref.track)][ref.index];
        os << ",\n" << compact(event_json(e, tl.cpu_id(ref.track), tl.ghz));
    }
    os << "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":" << compact(other_data(tl)) << "}\n";
}

void write_chrome_trace_file(const Timeline& tl, const std::string& path) {
    write_output_file(path, [&tl](std::ostream& os) { write_chrome_trace(tl, os); });
}

} // namespace cli
