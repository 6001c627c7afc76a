#include "cli/json_report.h"
#include "cli/obligation_text.h"
#include "cli/output_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#ifndef TLBSIM_VERSION
#define TLBSIM_VERSION "unknown"
#endif

namespace cli {

Json result_value_json(const scenario::ResultValue& v) {
    if (v.is_errno) {
        return v.errno_name;
    }
    return v.value;
}

namespace {

/// {"totals": {name: value}, "per_cpu": [{name: value}, ...]}, every declared counter.
Json counters_json(const sim::CounterRegistry& counters) {
    Json totals = Json::object();
    Json per_cpu = Json::array();
    const auto& decls = counters.declared();
    for (const auto& d : decls) {
        totals[d.name] = counters.value(d.name).value_or(0);
    }
    for (int c = 0; c < counters.cpus(); ++c) {
        Json cpu = Json::object();
        for (const auto& d : decls) {
            cpu[d.name] = counters.value(fmt::format("cpu{}.{}", c, d.name)).value_or(0);
        }
        per_cpu.push_back(std::move(cpu));
    }
    return {{"totals", std::move(totals)}, {"per_cpu", std::move(per_cpu)}};
}

Json violation_json(const check::Violation& v) {
    return {{"property", v.property},
            {"cpu", v.cpu},
            {"time", v.time},
            {"task", v.task},
            {"call", v.call},
            {"t_a", v.t_a},
            {"t_b", v.t_b},
            {"t_r", v.t_r},
            {"chain", v.chain},
            {"cause", v.cause == check::Cause::none
                          ? Json(nullptr)
                          : Json(std::string(check::cause_name(v.cause)))}};
}

Json warning_json(const check::Warning& w) {
    return {{"rule", std::string(check::name(w.rule))},
            {"cpu", w.cpu},
            {"time", w.time},
            {"task", w.task.empty() ? Json(nullptr) : Json(w.task)},
            {"text", w.text},
            {"chain", w.chain}};
}

} // namespace

Json run_json(const run::RunResult& r, const RunInfo& info) {
    Json j;
    j["scenario"] = r.scenario;
    j["file"] = info.file;
    j["policy"] = r.policy;
    j["seed"] = r.seed;
    j["jitter"] = r.jitter;
    j["ghz"] = info.ghz;
    j["cpus"] = r.counters.cpus();
    j["error"] = r.error.empty() ? Json(nullptr) : Json(r.error);
    j["internal_error"] = r.internal_error.empty() ? Json(nullptr) : Json(r.internal_error);
    j["reached_max_cycles"] = r.reached_max_cycles;
    j["cycles"] = r.cycles;
    j["events"] = r.events;
    j["wall_seconds"] = r.wall_seconds;
    j["counters"] = counters_json(r.counters);
    j["derived"] = {{"redundant_cycles", info.redundant_cycles}};
    j["violated"] = r.violations;
    j["violations"] = Json::array();
    for (const auto& v : r.violation_reports) {
        j["violations"].push_back(violation_json(v));
    }
    j["warning_count"] = r.warning_count;
    j["warnings"] = Json::array();
    for (const auto& w : r.warnings) {
        j["warnings"].push_back(warning_json(w));
    }
    Json results = Json::object();
    for (const auto& [label, value] : r.results) {
        results[label] = result_value_json(value);
    }
    j["results"] = std::move(results);
    j["expectation_failures"] =
        info.expectation_failures ? Json(*info.expectation_failures) : Json(nullptr);
    j["obligations"] = obligations_json(r.obligations);
    return j;
}

Json json_document(std::string_view command) {
    Json doc;
    doc["schema"] = json_schema_version;
    doc["generator"] = {{"name", "tlbsim"}, {"version", TLBSIM_VERSION}};
    doc["command"] = command;
    doc["runs"] = Json::array();
    doc["errors"] = Json::array();
    return doc;
}

Json error_json(const std::string& file, const std::string& message) {
    return {{"file", file}, {"message", message}};
}

void write_json_file(const std::string& path, const Json& doc) {
    write_output_file(path, [&doc](std::ostream& os) {
        os << doc.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    });
}

} // namespace cli
