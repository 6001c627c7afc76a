// Views (--from, --to, --cpus, --task): apply_view on a hand-made timeline, the option errors,
// -v's header and filters on a real scenario, and an SVG of chosen CPUs.

#include "support.h"

#include "cli/svg_timeline.h"
#include "cli/timeline_view.h"
#include "cli/view.h"

using namespace clitest;
using cli::Timeline;
using cli::TrackEvent;
using Type = cli::TrackEvent::Type;

namespace {

TrackEvent ev(Type type, std::int64_t time, const std::string& name = "",
              const std::string& cat = "") {
    TrackEvent e;
    e.type = type;
    e.time = time;
    e.name = name;
    e.cat = cat;
    return e;
}

TrackEvent flow_ev(Type type, std::int64_t time, int id) {
    TrackEvent e = ev(type, time, "IPI tlb", "ipi");
    e.flow = id;
    return e;
}

TrackEvent violation_ev(std::int64_t time, int index) {
    TrackEvent e = ev(Type::violation, time, "VIOLATION G-SC", "violation");
    e.violation = index;
    return e;
}

check::Violation violation(int cpu, std::int64_t time) {
    check::Violation v;
    v.property = "G-SC";
    v.cpu = cpu;
    v.time = time;
    return v;
}

/// Three CPUs over 400 cycles. cpu0: a kernel span with an interrupt handler across cycle 50, a
/// user span, then a kernel span with two handlers, the second across cycle 260; cpu1: idle up
/// to exactly 50, then kernel; cpu2: idle. Flows: 0 cpu0 -> cpu1 at 145 -> 155; 1 cpu0 -> cpu1 at
/// 45 -> 60; 2 cpu0 -> cpu2 at 130 -> 140. Violations: cpu0 at 20, cpu0 at 200, cpu2 at 150.
Timeline hand_made() {
    Timeline tl;
    tl.scenario = "hand";
    tl.policy = "v5.10";
    tl.end = 400;
    tl.cpu_ids = {0, 1, 2};
    tl.tracks.resize(3);
    tl.lazy.resize(3);
    tl.violations = {violation(0, 20), violation(0, 200), violation(2, 150)};
    tl.flows = {{0, "tlb", 0, 145, 1, 155}, {1, "tlb", 0, 45, 1, 60}, {2, "tlb", 0, 130, 2, 140}};
    tl.tracks[0] = {ev(Type::begin, 0, "a (kernel)", "kernel"),
                    violation_ev(20, 0),
                    ev(Type::begin, 40, "common_interrupt", "irq"),
                    ev(Type::instant, 45, "early", "ser"),
                    flow_ev(Type::flow_start, 45, 1),
                    ev(Type::instant, 50, "at from", "fb"),
                    ev(Type::end, 70),
                    ev(Type::end, 100),
                    ev(Type::begin, 100, "a", "user"),
                    ev(Type::instant, 120, "inside", "ser"),
                    flow_ev(Type::flow_start, 130, 2),
                    ev(Type::end, 140),
                    ev(Type::begin, 140, "a (kernel)", "kernel"),
                    flow_ev(Type::flow_start, 145, 0),
                    ev(Type::begin, 150, "sysvec_call_function", "irq"),
                    ev(Type::end, 180),
                    violation_ev(200, 1),
                    ev(Type::begin, 250, "sysvec_apic_timer_interrupt", "irq"),
                    ev(Type::instant, 260, "at to", "fb"),
                    ev(Type::instant, 270, "late", "ser"),
                    ev(Type::end, 300),
                    ev(Type::end, 400)};
    tl.tracks[1] = {ev(Type::begin, 0, "idle", "idle"),
                    ev(Type::end, 50),
                    ev(Type::begin, 50, "b (kernel)", "kernel"),
                    flow_ev(Type::flow_end, 60, 1),
                    flow_ev(Type::flow_end, 155, 0),
                    ev(Type::end, 400)};
    tl.tracks[2] = {ev(Type::begin, 0, "idle", "idle"), flow_ev(Type::flow_end, 140, 2),
                    violation_ev(150, 2), ev(Type::end, 400)};
    tl.lazy[0] = {{30, 70, "jit"}, {270, 300, "jit"}};
    tl.lazy[1] = {{10, 50, "jit"}, {100, 390, "jit"}};
    return tl;
}

cli::View view_of(std::int64_t from, std::int64_t to, std::vector<int> cpus) {
    cli::View v;
    v.from = from;
    v.to = to;
    v.cpus = std::move(cpus);
    return v;
}

std::string slices_text(const std::vector<TrackEvent>& track) {
    std::string s;
    for (const auto& sl : cli::track_slices(track)) {
        s += std::to_string(sl.depth) + ":" + sl.name + "@" + std::to_string(sl.begin) + ".." +
             std::to_string(sl.end) + " ";
    }
    return s;
}

std::vector<std::string> names_of(const std::vector<TrackEvent>& track, Type type) {
    std::vector<std::string> out;
    for (const auto& e : track) {
        if (e.type == type) {
            out.push_back(e.name);
        }
    }
    return out;
}

} // namespace

TEST_CASE("apply_view cuts slices to the window and keeps their nesting", "[cli][views]") {
    const Timeline cut = cli::apply_view(hand_made(), view_of(50, 260, {0, 1}));
    REQUIRE(cut.cpu_ids == std::vector<int>{0, 1});
    REQUIRE(cut.tracks.size() == 2);
    CHECK(cut.from == 50);
    CHECK(cut.to == 260);
    CHECK(cut.window_end() == 260);
    CHECK(cut.end == 400); // still the end of the run
    CHECK(cut.view == "cycles 50..260, cpus 0-1");
    // Across `from`: the span and its handler both begin at 50; across `to`: both end at 260.
    CHECK(slices_text(cut.tracks[0]) ==
          "0:a (kernel)@50..100 1:common_interrupt@50..70 0:a@100..140 0:a (kernel)@140..260 "
          "1:sysvec_call_function@150..180 1:sysvec_apic_timer_interrupt@250..260 ");
    // A slice that ends exactly at `from` has nothing inside the window.
    CHECK(slices_text(cut.tracks[1]) == "0:b (kernel)@50..260 ");
    // Instants inside the window, its ends included.
    CHECK(names_of(cut.tracks[0], Type::instant) ==
          std::vector<std::string>{"at from", "inside", "at to"});
    // Times never go back on a track.
    for (const auto& track : cut.tracks) {
        for (std::size_t i = 1; i < track.size(); ++i) {
            CHECK(track[i - 1].time <= track[i].time);
        }
    }
}

TEST_CASE("apply_view keeps flows and violations inside the window on shown CPUs", "[cli][views]") {
    const Timeline cut = cli::apply_view(hand_made(), view_of(50, 260, {0, 1}));
    // Flow 1 starts before the window, flow 2 ends on the hidden cpu2: only flow 0 is left.
    REQUIRE(cut.flows.size() == 1);
    CHECK(cut.flows[0].id == 0);
    std::vector<int> flow_ids;
    for (const auto& track : cut.tracks) {
        for (const auto& e : track) {
            if (e.type == Type::flow_start || e.type == Type::flow_end) {
                flow_ids.push_back(e.flow);
            }
        }
    }
    CHECK(flow_ids == std::vector<int>{0, 0});
    // The violation at 200 on cpu0 is left (at 20: before the window; on cpu2: hidden), and
    // its event points at its new index.
    REQUIRE(cut.violations.size() == 1);
    CHECK(cut.violations[0].time == 200);
    const auto viols = names_of(cut.tracks[0], Type::violation);
    REQUIRE(viols.size() == 1);
    for (const auto& e : cut.tracks[0]) {
        if (e.type == Type::violation) {
            CHECK(e.violation == 0);
        }
    }
    // Lazy spans are cut like slices; one that ends at `from` is gone.
    REQUIRE(cut.lazy.size() == 2);
    REQUIRE(cut.lazy[0].size() == 1);
    CHECK(cut.lazy[0][0].begin == 50);
    CHECK(cut.lazy[0][0].end == 70);
    REQUIRE(cut.lazy[1].size() == 1);
    CHECK(cut.lazy[1][0].begin == 100);
    CHECK(cut.lazy[1][0].end == 260);
}

TEST_CASE("apply_view keeps the warnings inside the window on shown CPUs", "[cli][views]") {
    // Two idle CPUs over 400 cycles; warnings: 0 on cpu0 at 30, 1 on cpu1 at 120, 2 on cpu0 at
    // 200, 3 on cpu0 at 300.
    Timeline tl;
    tl.end = 400;
    tl.cpu_ids = {0, 1};
    tl.lazy.resize(2);
    const auto warning = [](int cpu, std::int64_t time) {
        check::Warning w;
        w.rule = check::MechanismRule::k2;
        w.cpu = cpu;
        w.time = time;
        return w;
    };
    const auto warning_ev = [](std::int64_t time, int index) {
        TrackEvent e = ev(Type::warning, time, "WARNING K2", "warning");
        e.warning = index;
        return e;
    };
    tl.warnings = {warning(0, 30), warning(1, 120), warning(0, 200), warning(0, 300)};
    tl.tracks = {{ev(Type::begin, 0, "idle", "idle"), warning_ev(30, 0), warning_ev(200, 2),
                  warning_ev(300, 3), ev(Type::end, 400)},
                 {ev(Type::begin, 0, "idle", "idle"), warning_ev(120, 1), ev(Type::end, 400)}};
    const Timeline cut = cli::apply_view(tl, view_of(100, 250, {0}));
    // Only warning 2 is left (0 and 3 are outside the window, 1 on the hidden cpu1), and its
    // event points at its new index.
    REQUIRE(cut.warnings.size() == 1);
    CHECK(cut.warnings[0].time == 200);
    REQUIRE(cut.tracks.size() == 1);
    std::vector<int> indices;
    for (const auto& e : cut.tracks[0]) {
        if (e.type == Type::warning) {
            indices.push_back(e.warning);
        }
    }
    CHECK(indices == std::vector<int>{0});
}

TEST_CASE("apply_view: a hidden CPU's track goes, the others keep their CPU numbers",
          "[cli][views]") {
    cli::View v;
    v.cpus = std::vector<int>{2};
    const Timeline cut = cli::apply_view(hand_made(), v);
    CHECK(cut.cpu_ids == std::vector<int>{2});
    CHECK(cut.track_of(2) == 0);
    CHECK(cut.track_of(0) == -1);
    CHECK(cut.flows.empty()); // every flow has an end on cpu0
    REQUIRE(cut.violations.size() == 1);
    CHECK(cut.violations[0].cpu == 2);
    CHECK(slices_text(cut.tracks[0]) == "0:idle@0..400 ");
    CHECK(cut.window_end() == 400);
    // The SVG labels the one lane with its CPU and draws the violation there.
    const XmlNode svg = parse_xml(cli::render_svg(cut));
    std::set<std::string> lanes;
    for (const auto* g : svg.all("g")) {
        lanes.insert(g->attrs.at("id"));
    }
    CHECK(lanes == std::set<std::string>{"cpu2"});
}

TEST_CASE("apply_view without a window or CPUs is the identity", "[cli][views]") {
    const Timeline tl = hand_made();
    cli::View open_window; // --from 0 with no end is the whole run too
    open_window.from = 0;
    for (const cli::View& v : {cli::View{}, open_window}) {
        const Timeline same = cli::apply_view(tl, v);
        CHECK(same.cpu_ids == tl.cpu_ids);
        CHECK(same.flows.size() == tl.flows.size());
        CHECK(same.violations.size() == tl.violations.size());
        REQUIRE(same.tracks.size() == tl.tracks.size());
        for (std::size_t i = 0; i < tl.tracks.size(); ++i) {
            CHECK(slices_text(same.tracks[i]) == slices_text(tl.tracks[i]));
            CHECK(same.tracks[i].size() == tl.tracks[i].size());
        }
    }
    CHECK(cli::render_svg(cli::apply_view(tl, cli::View{})) == cli::render_svg(tl));
}

TEST_CASE("view options: bad input is a one-line usage error", "[cli][views]") {
    TempDir dir;
    const std::string busy = dir.write("busy.toml", busy_scenario); // 3 CPUs
    const std::string svg = dir.file("t.svg");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--svg", svg, "--cpus", "0,x"}, "--cpus \"0,x\": \"x\" is not a CPU number or range"},
        {{"--svg", svg, "--cpus", "0,,1"}, "--cpus \"0,,1\": an empty item"},
        {{"--svg", svg, "--cpus", "2-1"}, "the range 2-1 runs backwards"},
        {{"--svg", svg, "--cpus", "1,3"}, "--cpus 1,3: " + busy + " has 3 CPUs (cpus 0-2)"},
        {{"--svg", svg, "--from", "100", "--to", "100"}, "--from 100 is not before --to 100"},
        {{"--svg", svg, "--from", "ten"}, "--from \"ten\" is not a cycle count"},
        {{"--svg", svg, "--to=-5"}, "--to \"-5\" is not a cycle count"},
        {{"-v", "--task", "nobody"}, "has no task \"nobody\""},
        {{"-v", "--task", "kv"}, "no task \"kv\" (did you mean \"kw\"?)"},
        {{"--svg", svg, "--task", "a"}, "--task selects the records -v prints; add -v"},
        {{"--cpus", "0"}, "add one of them"},
    };
    for (const auto& [options, message] : cases) {
        std::vector<std::string> args{"run", busy, "--policy", "v5.10"};
        args.insert(args.end(), options.begin(), options.end());
        const Cmd c = tlbsim(args);
        INFO(c.err);
        CHECK(c.code == cli::exit_usage);
        CHECK(lines(c.err).size() == 1);
        CHECK(c.err.rfind("tlbsim: run: ", 0) == 0);
        CHECK(c.err.find(message) != std::string::npos);
        CHECK(c.out.empty()); // checked before anything runs
    }
    CHECK(cli::parse_cpu_list("3,0-1,1", "run") == std::vector<int>{0, 1, 3});
    CHECK(cli::format_cpu_list({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8");
}

namespace {

/// A record line of -v: "       30323     10.108us cpu2   u2               send tlb IPI to cpu0
/// [call path]" (the event without its call path).
struct Narrated {
    std::int64_t time = 0;
    int cpu = 0;
    std::string task;
    std::string event;
};

/// The record lines of `out` (a -v run), and its header lines ('#').
std::vector<Narrated> narrated(const std::string& out, std::vector<std::string>* header = nullptr) {
    static const std::regex line(R"(^ *(\d+) +[0-9.]+us cpu(\d+) +(\S+) +(.*?)(  \[.*\])?$)");
    std::vector<Narrated> records;
    for (const auto& l : lines(out)) {
        std::smatch m;
        if (std::regex_match(l, m, line)) {
            records.push_back({std::stoll(m[1]), std::stoi(m[2]), m[3], m[4]});
        } else if (header != nullptr && l.rfind("#", 0) == 0) {
            header->push_back(l);
        }
    }
    return records;
}

std::string membarrier_d() {
    return std::string(TLBSIM_SOURCE_DIR) + "/scenarios/history/membarrier-d.toml";
}

} // namespace

TEST_CASE("-v: a header names the columns; the view filters the records", "[cli][views]") {
    const Cmd all = tlbsim({"run", membarrier_d(), "--policy", "v5.10", "-v"});
    REQUIRE(all.code == cli::exit_ok);
    std::vector<std::string> header;
    const std::vector<Narrated> every = narrated(all.out, &header);
    REQUIRE(every.size() > 100);
    // One header, right after the run's title, its columns over the records' columns.
    REQUIRE(header.size() == 1);
    const auto ls = lines(all.out);
    const auto title = std::find(ls.begin(), ls.end(), "-- membarrier-d under v5.10");
    REQUIRE(title != ls.end());
    REQUIRE(title + 1 != ls.end());
    CHECK(*(title + 1) == header[0]);
    const std::string& first = *(title + 2);
    CHECK(header[0].find(" cpu ") == first.find(" cpu"));
    CHECK(header[0].find("time(us)") + 8 == first.find("us cpu") + 2);
    CHECK(header[0].find("event") == first.find(every.front().event));

    const Cmd some = tlbsim({"run", membarrier_d(), "--policy", "v5.10", "-v", "--from", "2035",
                             "--to", "30323", "--cpus", "1-2", "--task", "u2"});
    INFO(some.err);
    REQUIRE(some.code == cli::exit_ok);
    std::vector<std::string> view_header;
    const std::vector<Narrated> shown = narrated(some.out, &view_header);
    CHECK(view_header.front() == "# view: cycles 2035..30323, cpus 1-2, task u2");
    CHECK(view_header.back() == header[0]);
    // Exactly the records of the whole narrative that the view selects.
    std::vector<std::string> expected;
    for (const auto& r : every) {
        if (r.time >= 2035 && r.time <= 30323 && (r.cpu == 1 || r.cpu == 2) &&
            (r.task == "u2" || r.event == "switch_to u2")) {
            expected.push_back(std::to_string(r.time) + " " + r.event);
        }
    }
    std::vector<std::string> got;
    for (const auto& r : shown) {
        got.push_back(std::to_string(r.time) + " " + r.event);
    }
    CHECK(got == expected);
    REQUIRE(shown.size() >= 10);
    CHECK(shown.front().event == "switch_to u2");        // by swapper/2, at the window's start
    CHECK(shown.back().event == "send tlb IPI to cpu0"); // at the window's end
    // The table and findings are the whole run's: the view is -v's.
    CHECK(some.out.substr(some.out.find("  counter")) == all.out.substr(all.out.find("  counter")));
}

TEST_CASE("--svg --cpus draws only those lanes, labelled with their CPUs", "[cli][views][svg]") {
    TempDir dir;
    const std::string file = dir.write("busy.toml", busy_scenario);
    const auto svg_of = [&](const std::vector<std::string>& view, const std::string& name) {
        std::vector<std::string> args{"run", file, "--policy", "v5.10", "--svg", dir.file(name)};
        args.insert(args.end(), view.begin(), view.end());
        const Cmd c = tlbsim(args);
        INFO(c.err);
        REQUIRE(c.code == cli::exit_ok);
        return parse_xml(read_file(dir.file(name)));
    };
    const XmlNode whole = svg_of({}, "all.svg");
    const XmlNode root = svg_of({"--cpus", "0,2"}, "view.svg");
    std::vector<std::string> groups;
    std::vector<std::string> labels;
    for (const auto* g : root.all("g")) {
        groups.push_back(g->attrs.at("id"));
        labels.push_back(g->all("text").front()->text);
    }
    CHECK(groups == std::vector<std::string>{"cpu0", "cpu2"});
    CHECK(labels == std::vector<std::string>{"cpu0", "cpu2"});
    // Every IPI between cpu0 and cpu2 is drawn, from lane to lane (band middles: lane 0 at y 94,
    // lane 1 at 154), and no other.
    const auto arrows = [](const XmlNode& svg) {
        std::vector<const XmlNode*> out;
        for (const auto* l : svg.all("line")) {
            if (l->attrs.count("marker-end") == 1 && !l->children.empty()) {
                out.push_back(l);
            }
        }
        return out;
    };
    std::size_t between = 0;
    for (const auto* a : arrows(whole)) {
        const std::string t = a->children.front().text;
        between += t.find("cpu0 → cpu2") != std::string::npos ||
                   t.find("cpu2 → cpu0") != std::string::npos;
    }
    REQUIRE(between > 0);
    const auto shown = arrows(root);
    CHECK(shown.size() == between);
    for (const auto* a : shown) {
        const std::string t = a->children.front().text;
        const bool down = t.find("cpu0 → cpu2") != std::string::npos;
        CHECK(a->attrs.at("y1") == (down ? "94.00" : "154.00"));
        CHECK(a->attrs.at("y2") == (down ? "154.00" : "94.00"));
    }
    bool legend = false;
    for (const auto* t : root.all("text")) {
        legend = legend || t->text.rfind("view: cpus 0,2 (", 0) == 0;
    }
    CHECK(legend);
}

TEST_CASE("--svg --from --to: the time scale starts at --from", "[cli][views][svg]") {
    TempDir dir;
    const std::string file = dir.write("busy.toml", busy_scenario);
    const std::string out = dir.file("w.svg");
    const Cmd c =
        tlbsim({"run", file, "--policy", "v5.10", "--svg", out, "--from", "3000", "--to", "9000"});
    REQUIRE(c.code == cli::exit_ok);
    const XmlNode root = parse_xml(read_file(out));
    // The axis: 1 µs (3000 cycles) at the left edge (x 70), 3 µs at the right (x 1170).
    std::map<std::string, std::string> tick_x;
    for (const auto* t : root.all("text")) {
        if (t->attrs.count("text-anchor") == 1 && t->attrs.at("text-anchor") == "middle") {
            tick_x[t->text] = t->attrs.at("x");
        }
    }
    CHECK(tick_x.at("1.0") == "70.00");
    CHECK(tick_x.at("2.0") == "620.00");
    CHECK(tick_x.at("3.0") == "1170.00");
    CHECK(tick_x.count("0.0") == 0);
    // Every lane's first slice starts at the left edge (cut at --from).
    for (const auto* g : root.all("g")) {
        CHECK(g->all("rect").front()->attrs.at("x") == "70.00");
    }
}

TEST_CASE("a window after the end of the run is reported, not silently empty", "[cli][views]") {
    const Cmd c = tlbsim({"run", membarrier_d(), "--policy", "v5.10", "-v", "--from", "99999999"});
    CHECK(c.code == cli::exit_ok);
    CHECK(narrated(c.out).empty());
    CHECK(c.err.find("run: --from 99999999 is at or after the end of membarrier-d under v5.10") !=
          std::string::npos);
}
