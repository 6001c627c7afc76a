// `--trace`: Chrome trace-event JSON checked against the format's rules as Perfetto and
// chrome://tracing apply them: per track, B/E properly nested and matched, X events never
// overlapping unless nested, timestamps non-decreasing; every flow start has exactly one matching
// finish that binds to an enclosing slice; and against the run: one instant per [SER]/[FB], one
// flow per IPI, the violation on the violating CPU.

#include "support.h"

#include "cli/chrome_trace.h"
#include "cli/output_file.h"
#include "cli/svg_timeline.h"
#include "cli/timeline.h"

#include <cmath>

using namespace clitest;

namespace {

/// Every rule the trace breaks, as text; empty when it is valid.
std::vector<std::string> trace_errors(const Json& doc) {
    std::vector<std::string> errors;
    const auto err = [&](const std::string& e) {
        if (errors.size() < 50) {
            errors.push_back(e);
        }
    };
    if (!doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array()) {
        return {"no traceEvents array"};
    }
    if (doc.value("displayTimeUnit", "") != "ns" && doc.value("displayTimeUnit", "") != "ms") {
        err("displayTimeUnit must be \"ms\" or \"ns\"");
    }
    struct Open {
        std::string name;
        double end; // X events: their end; B: +inf
    };
    struct Track {
        double last_ts = -1;
        std::vector<Open> stack;
    };
    std::map<std::pair<long long, long long>, Track> tracks;
    struct FlowEnds {
        int starts = 0;
        int finishes = 0;
        double start_ts = 0;
        double finish_ts = 0;
        std::string name;
    };
    std::map<std::string, FlowEnds> flows;
    std::size_t i = 0;
    for (const auto& e : doc["traceEvents"]) {
        const std::string where = "event " + std::to_string(i++) + " " + e.dump().substr(0, 100);
        if (!e.contains("ph") || !e["ph"].is_string()) {
            err(where + ": no ph");
            continue;
        }
        const std::string ph = e["ph"];
        if (!e.contains("pid") || !e["pid"].is_number_integer()) {
            err(where + ": no integer pid");
            continue;
        }
        if (ph == "M") {
            if (!e.contains("name") || !e.contains("args")) {
                err(where + ": metadata without name or args");
            }
            continue;
        }
        if (!e.contains("tid") || !e["tid"].is_number_integer() || !e.contains("ts") ||
            !e["ts"].is_number()) {
            err(where + ": no integer tid or numeric ts");
            continue;
        }
        const double ts = e["ts"].get<double>();
        Track& t = tracks[{e["pid"].get<long long>(), e["tid"].get<long long>()}];
        if (ts < t.last_ts) {
            err(where + ": timestamp goes back on its track");
        }
        t.last_ts = ts;
        // X events that ended by now are closed implicitly.
        while (!t.stack.empty() && t.stack.back().end <= ts && std::isfinite(t.stack.back().end)) {
            t.stack.pop_back();
        }
        if (ph == "B") {
            if (!e.contains("name")) {
                err(where + ": B without name");
            }
            t.stack.push_back({e.value("name", ""), INFINITY});
        } else if (ph == "E") {
            if (t.stack.empty() || std::isfinite(t.stack.back().end)) {
                err(where + ": E without an open B on its track");
                continue;
            }
            if (e.contains("name") && e["name"] != t.stack.back().name) {
                err(where + ": E closes \"" + t.stack.back().name + "\", not its own name");
            }
            t.stack.pop_back();
        } else if (ph == "X") {
            if (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0) {
                err(where + ": X without a non-negative dur");
                continue;
            }
            const double end = ts + e["dur"].get<double>();
            if (!t.stack.empty() && end > t.stack.back().end) {
                err(where + ": X overlaps its enclosing slice without nesting");
            }
            t.stack.push_back({e.value("name", ""), end});
        } else if (ph == "i" || ph == "I") {
            const std::string scope = e.value("s", "t");
            if (scope != "t" && scope != "p" && scope != "g") {
                err(where + ": instant with a bad scope");
            }
        } else if (ph == "s" || ph == "f" || ph == "t") {
            if (!e.contains("id")) {
                err(where + ": flow event without id");
                continue;
            }
            const std::string id =
                e["id"].dump() + "/" + e.value("cat", "") + "/" + e.value("name", "");
            auto& f = flows[id];
            if (ph == "s") {
                ++f.starts;
                f.start_ts = ts;
            } else if (ph == "f") {
                ++f.finishes;
                f.finish_ts = ts;
                if (e.value("bp", "") != "e") {
                    err(where + ": flow finish does not bind to its enclosing slice (bp \"e\")");
                }
            }
            if (t.stack.empty()) {
                err(where + ": flow event outside any slice on its track");
            }
        } else if (ph != "C") {
            err(where + ": unexpected phase " + ph);
        }
    }
    for (const auto& [key, t] : tracks) {
        for (const auto& o : t.stack) {
            if (!std::isfinite(o.end)) {
                err("track " + std::to_string(key.second) + ": B \"" + o.name + "\" never ended");
            }
        }
    }
    for (const auto& [id, f] : flows) {
        if (f.starts != 1 || f.finishes != 1) {
            err("flow " + id + ": " + std::to_string(f.starts) + " start(s), " +
                std::to_string(f.finishes) + " finish(es)");
        } else if (f.finish_ts < f.start_ts) {
            err("flow " + id + ": finishes before it starts");
        }
    }
    return errors;
}

struct Traced {
    Json trace;
    Json run; // the run object of --json
};

Traced traced_run(const TempDir& dir, const std::string& scenario_text, const std::string& policy) {
    const std::string file = dir.write("sc.toml", scenario_text);
    const Cmd c = tlbsim({"run", file, "--policy", policy, "--trace", dir.file("t.json"), "--json",
                          dir.file("r.json")});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    return {Json::parse(read_file(dir.file("t.json"))),
            Json::parse(read_file(dir.file("r.json")))["runs"][0]};
}

std::vector<Json> events(const Json& trace, const std::string& ph, const std::string& cat = "") {
    std::vector<Json> out;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] == ph && (cat.empty() || e.value("cat", "") == cat)) {
            out.push_back(e);
        }
    }
    return out;
}

} // namespace

TEST_CASE("the trace follows the trace-event rules and matches the run", "[cli][trace]") {
    TempDir dir;
    for (const std::string policy : {"v5.10", "rfc-v2"}) {
        INFO(policy);
        const auto [trace, run] = traced_run(dir, busy_scenario, policy);
        const auto errors = trace_errors(trace);
        for (const auto& e : errors) {
            UNSCOPED_INFO(e);
        }
        REQUIRE(errors.empty());
        CHECK(trace["displayTimeUnit"] == "ns");

        // One named track per CPU, in a process named after the scenario and policy.
        std::map<int, std::string> threads;
        std::string process;
        for (const auto& m : events(trace, "M")) {
            if (m["name"] == "thread_name") {
                threads[m["tid"].get<int>()] = m["args"]["name"];
            } else if (m["name"] == "process_name") {
                process = m["args"]["name"];
            }
        }
        CHECK(process == "tlbsim busy " + policy);
        CHECK(threads == std::map<int, std::string>{{0, "cpu0"}, {1, "cpu1"}, {2, "cpu2"}});
        for (const auto& e : trace["traceEvents"]) {
            if (e["ph"] != "M") {
                CHECK(e["pid"] == 0);
                CHECK(e["tid"].get<int>() < 3);
            }
        }

        // One instant per [SER] and per [FB], named after the site.
        const auto& totals = run["counters"]["totals"];
        const auto ser = events(trace, "i", "ser");
        const auto fb = events(trace, "i", "fb");
        CHECK(ser.size() == totals["ser.total"].get<std::size_t>());
        CHECK(ser.size() + fb.size() == totals["fb.total"].get<std::size_t>());
        std::size_t sync_core_at_ipi = 0;
        for (const auto& e : ser) {
            CHECK(e["s"] == "t");
            CHECK(e["name"].get<std::string>().rfind("[SER] ", 0) == 0);
            if (e["name"].get<std::string>().find("sync_core @ipi_sync_core") !=
                std::string::npos) {
                ++sync_core_at_ipi;
                CHECK(e["args"]["site"] == "ipi_sync_core");
            }
        }
        CHECK(sync_core_at_ipi == totals["ser.sync_core@ipi_sync_core"].get<std::size_t>());

        // A flow from each IPI send to its handler, on the right tracks.
        const auto starts = events(trace, "s", "ipi");
        const auto finishes = events(trace, "f", "ipi");
        CHECK(starts.size() == totals["ipi.sent"].get<std::size_t>());
        CHECK(finishes.size() == starts.size());

        // Slices of every kind: user spans named after the task, kernel, idle, handlers.
        std::set<std::string> cats;
        std::set<std::string> user_names;
        std::set<std::string> handlers;
        for (const auto& b : events(trace, "B")) {
            cats.insert(b["cat"].get<std::string>());
            if (b["cat"] == "user") {
                user_names.insert(b["name"].get<std::string>());
            }
            if (b["cat"] == "irq") {
                handlers.insert(b["name"].get<std::string>());
            }
        }
        CHECK(cats.count("user") == 1);
        CHECK(cats.count("kernel") == 1);
        CHECK(cats.count("idle") == 1);
        CHECK(cats.count("irq") == 1);
        CHECK(user_names == std::set<std::string>{"a", "b", "c"});
        CHECK(handlers.count("sysvec_call_function") == 1);
        CHECK(handlers.count("sysvec_apic_timer_interrupt") == 1);
        CHECK(handlers.count("common_interrupt") == 1);

        // Timestamps: microseconds from cycles and ghz; the last end is the end of the run.
        const double end_us = cli::trace_us(run["cycles"].get<std::int64_t>(), 3.0);
        double last = 0;
        for (const auto& e : trace["traceEvents"]) {
            if (e.contains("ts")) {
                last = std::max(last, e["ts"].get<double>());
            }
        }
        CHECK(last == Approx(end_us).margin(1e-9));
        CHECK(trace["otherData"]["cycles"] == run["cycles"]);
    }
}

TEST_CASE("the violation is marked at the violating CPU and time", "[cli][trace]") {
    TempDir dir;
    const auto [trace, run] = traced_run(dir, violation_scenario, "rfc-v2");
    REQUIRE(trace_errors(trace).empty());
    const auto marks = events(trace, "i", "violation");
    REQUIRE(marks.size() == run["violations"].size());
    REQUIRE(!marks.empty());
    const auto& v = run["violations"][0];
    CHECK(marks[0]["name"] == "VIOLATION G-SC");
    CHECK(marks[0]["tid"] == v["cpu"]);
    CHECK(marks[0]["ts"].get<double>() == cli::trace_us(v["time"].get<std::int64_t>(), 3.0));
    CHECK(marks[0]["args"]["chain"] == v["chain"]);
    // The violating instruction is user code: the mark sits inside a user span of task a.
    std::vector<std::string> open;
    bool inside_user_a = false;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] == "M" || e["tid"] != v["cpu"]) {
            continue;
        }
        if (e["ph"] == "B") {
            open.push_back(e["cat"].get<std::string>() + ":" + e["name"].get<std::string>());
        } else if (e["ph"] == "E") {
            open.pop_back();
        } else if (e.value("cat", "") == "violation") {
            inside_user_a = !open.empty() && open.front() == "user:a";
        }
    }
    CHECK(inside_user_a);
}

TEST_CASE("each mechanism warning is marked at its CPU and time with its records", "[cli][trace]") {
    TempDir dir;
    const auto [trace, run] = traced_run(dir, violation_scenario, "rfc-v2");
    REQUIRE(trace_errors(trace).empty());
    const auto marks = events(trace, "i", "warning");
    REQUIRE(!run["warnings"].empty());
    REQUIRE(marks.size() == run["warnings"].size());
    for (std::size_t i = 0; i < marks.size(); ++i) {
        const auto& w = run["warnings"][i];
        CHECK(marks[i]["name"] == "WARNING " + w["rule"].get<std::string>());
        CHECK(marks[i]["tid"] == w["cpu"]);
        CHECK(marks[i]["ts"].get<double>() == cli::trace_us(w["time"].get<std::int64_t>(), 3.0));
        CHECK(marks[i]["args"]["text"] == w["text"]);
        CHECK(marks[i]["args"]["chain"] == w["chain"]);
    }
    CHECK(trace["otherData"]["warnings"] == run["warnings"].size());
}

TEST_CASE("the trace checker rejects broken traces", "[cli][trace]") {
    const auto t = [](const char* events) {
        return Json::parse(std::string(R"({"displayTimeUnit":"ns","traceEvents":[)") + events +
                           "]}");
    };
    CHECK(trace_errors(t(R"({"ph":"B","name":"a","pid":0,"tid":0,"ts":1},
                             {"ph":"E","name":"a","pid":0,"tid":0,"ts":2})"))
              .empty());
    // Crossed, not nested.
    CHECK(!trace_errors(t(R"({"ph":"B","name":"a","pid":0,"tid":0,"ts":1},
                              {"ph":"B","name":"b","pid":0,"tid":0,"ts":2},
                              {"ph":"E","name":"a","pid":0,"tid":0,"ts":3},
                              {"ph":"E","name":"b","pid":0,"tid":0,"ts":4})"))
               .empty());
    // Never ended.
    CHECK(!trace_errors(t(R"({"ph":"B","name":"a","pid":0,"tid":0,"ts":1})")).empty());
    // Time going back.
    CHECK(!trace_errors(t(R"({"ph":"i","name":"a","pid":0,"tid":0,"ts":2},
                              {"ph":"i","name":"b","pid":0,"tid":0,"ts":1})"))
               .empty());
    // Overlapping X events.
    CHECK(!trace_errors(t(R"({"ph":"X","name":"a","pid":0,"tid":0,"ts":1,"dur":5},
                              {"ph":"X","name":"b","pid":0,"tid":0,"ts":2,"dur":10})"))
               .empty());
    // A flow start without a finish.
    CHECK(!trace_errors(t(R"({"ph":"B","name":"a","pid":0,"tid":0,"ts":1},
                              {"ph":"s","name":"f","cat":"c","id":1,"pid":0,"tid":0,"ts":1},
                              {"ph":"E","name":"a","pid":0,"tid":0,"ts":2})"))
               .empty());
}

TEST_CASE("every CPU is in exactly one of user, kernel and idle from 0 to the end",
          "[cli][trace]") {
    TempDir dir;
    const auto [trace, run] = traced_run(dir, busy_scenario, "v5.10");
    std::map<int, std::vector<std::pair<double, double>>> top; // level-0 spans per CPU
    std::map<int, std::vector<std::pair<std::string, double>>> open;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "B" && e["ph"] != "E") {
            continue;
        }
        const int tid = e["tid"];
        auto& o = open[tid];
        if (e["ph"] == "B") {
            o.emplace_back(e["cat"].get<std::string>(), e["ts"].get<double>());
        } else {
            if (o.size() == 1) {
                top[tid].emplace_back(o.back().second, e["ts"].get<double>());
            }
            o.pop_back();
        }
    }
    const double end = cli::trace_us(run["cycles"].get<std::int64_t>(), 3.0);
    REQUIRE(top.size() == 3);
    for (const auto& [cpu, spans] : top) {
        INFO("cpu" << cpu);
        REQUIRE(!spans.empty());
        CHECK(spans.front().first == 0.0);
        for (std::size_t i = 1; i < spans.size(); ++i) {
            CHECK(spans[i].first == spans[i - 1].second);
        }
        CHECK(spans.back().second == Approx(end).margin(1e-9));
    }
}

TEST_CASE("several runs write one trace file each; traces are deterministic", "[cli][trace]") {
    TempDir dir;
    const std::string file = dir.write("busy.toml", busy_scenario);
    for (int round = 0; round < 2; ++round) {
        const std::string sub = "r" + std::to_string(round);
        std::filesystem::create_directories(dir.path / sub);
        const Cmd c = tlbsim(
            {"run", file, "--trace", dir.file(sub + "/t.json"), "--svg", dir.file(sub + "/t.svg")});
        INFO(c.out << c.err);
        REQUIRE(c.code == cli::exit_ok);
        for (const char* p : {"v5.10", "rfc-v2"}) {
            const std::string name = std::string("t-busy-") + p;
            CHECK(std::filesystem::exists(dir.path / sub / (name + ".json")));
            CHECK(std::filesystem::exists(dir.path / sub / (name + ".svg")));
        }
        CHECK(!std::filesystem::exists(dir.path / sub / "t.json"));
    }
    for (const char* name : {"t-busy-v5.10.json", "t-busy-rfc-v2.json", "t-busy-v5.10.svg"}) {
        CHECK(read_file(dir.file(std::string("r0/") + name)) ==
              read_file(dir.file(std::string("r1/") + name)));
    }
    CHECK(cli::per_run_path("out/t.json", "my scenario", "v5.10") ==
          "out/t-my_scenario-v5.10.json");
}

TEST_CASE("a violation found at the end of the run is drawn at the end", "[cli][trace][svg]") {
    // A reference leak is reported with time -1 (no instruction, the end of the run).
    cli::TimelineRecorder recorder(2);
    run::RunResult result;
    result.scenario = "leak";
    result.policy = "v5.10";
    result.cycles = 3000;
    check::Violation v;
    v.property = "G-REF";
    v.cpu = 1;
    v.time = -1;
    v.call = "mm jit";
    v.chain = {"at the end of the run mm jit has mm_count 1 but 2 holder(s)"};
    result.violation_reports.push_back(v);
    const cli::Timeline tl = recorder.build(result, "leak.toml", 3.0);
    std::ostringstream os;
    cli::write_chrome_trace(tl, os);
    const Json trace = Json::parse(os.str());
    const auto errors = trace_errors(trace);
    for (const auto& e : errors) {
        UNSCOPED_INFO(e);
    }
    REQUIRE(errors.empty());
    const auto marks = events(trace, "i", "violation");
    REQUIRE(marks.size() == 1);
    CHECK(marks[0]["tid"] == 1);
    CHECK(marks[0]["ts"].get<double>() == cli::trace_us(3000, 3.0));
    CHECK(marks[0]["args"]["time"] == -1);
    const XmlNode svg = parse_xml(cli::render_svg(tl));
    CHECK(svg.name == "svg");
}

TEST_CASE("IPI flows end inside the handler on the target CPU", "[cli][trace]") {
    TempDir dir;
    const auto [trace, run] = traced_run(dir, busy_scenario, "v5.10");
    std::map<int, std::vector<std::string>> open; // per tid, categories of open slices
    std::size_t finishes = 0;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] == "M") {
            continue;
        }
        auto& o = open[e["tid"].get<int>()];
        if (e["ph"] == "B") {
            o.push_back(e["cat"]);
        } else if (e["ph"] == "E") {
            o.pop_back();
        } else if (e["ph"] == "f") {
            ++finishes;
            REQUIRE(!o.empty());
            CHECK(o.back() == "irq");
        } else if (e["ph"] == "s") {
            REQUIRE(!o.empty());
            CHECK(o.front() == "kernel"); // sent from kernel code
        }
    }
    CHECK(finishes == run["counters"]["totals"]["ipi.received"].get<std::size_t>());
}

TEST_CASE("a view's trace is valid, with absolute times and the real CPU ids", "[cli][trace]") {
    TempDir dir;
    const std::string file = dir.write("busy.toml", busy_scenario);
    const std::int64_t from = 3000;
    const std::int64_t to = 12000;
    const auto trace_of = [&](std::vector<std::string> view, const std::string& name) {
        std::vector<std::string> args{"run", file, "--policy", "v5.10", "--trace", dir.file(name)};
        args.insert(args.end(), view.begin(), view.end());
        const Cmd c = tlbsim(args);
        INFO(c.err);
        REQUIRE(c.code == cli::exit_ok);
        return Json::parse(read_file(dir.file(name)));
    };
    const Json whole = trace_of({}, "all.json");
    const Json trace = trace_of(
        {"--from", std::to_string(from), "--to", std::to_string(to), "--cpus", "1-2"}, "v.json");
    const auto errors = trace_errors(trace);
    for (const auto& e : errors) {
        UNSCOPED_INFO(e);
    }
    REQUIRE(errors.empty());
    std::map<int, std::string> threads;
    for (const auto& m : events(trace, "M")) {
        if (m["name"] == "thread_name") {
            threads[m["tid"].get<int>()] = m["args"]["name"];
        }
    }
    CHECK(threads == std::map<int, std::string>{{1, "cpu1"}, {2, "cpu2"}});
    const double lo = cli::trace_us(from, 3.0);
    const double hi = cli::trace_us(to, 3.0);
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "M") {
            CHECK(e["ts"].get<double>() >= lo);
            CHECK(e["ts"].get<double>() <= hi);
        }
    }
    CHECK(trace["otherData"]["view"] == "cycles 3000..12000, cpus 1-2");
    CHECK(trace["otherData"]["cycles"] == whole["otherData"]["cycles"]);
    CHECK(!whole["otherData"].contains("view"));
    // The instants are exactly the whole trace's on those CPUs inside the window.
    const auto instants = [&](const Json& t) {
        std::vector<std::string> out;
        for (const auto& e : events(t, "i")) {
            const int tid = e["tid"];
            const double ts = e["ts"];
            if ((tid == 1 || tid == 2) && ts >= lo && ts <= hi) {
                out.push_back(std::to_string(tid) + " " + e["ts"].dump() + " " +
                              e["name"].get<std::string>());
            }
        }
        return out;
    };
    CHECK(!instants(trace).empty());
    CHECK(instants(trace) == instants(whole));
}
