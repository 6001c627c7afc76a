// `tlbsim check FILE_OR_DIR...`: every scenario under the policies its [[expect]] blocks name,
// compared with what they expect; one verdict line per case as it is decided, then a summary;
// --junit and --json write every case.

#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/expectations.h"
#include "cli/json_report.h"
#include "cli/junit.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "cli/run_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace cli {

namespace {

const char* const check_help = R"(
Runs every scenario (directories recursively, sorted) under every policy its [[expect]] blocks
name (a scenario without [[expect]]: its `policies`), prints PASS or each mismatch, then
"N passed, N failed". A run fails when an expectation does not hold, and when it violates a
property although no [[expect]] block for its policy states `violations`: nobody expected it.
With --strict, a mechanism warning (K1-K5) fails too unless a block for the policy pins its
warning.Kn counter. Exit 0 all passed, 1 a run failed, 2 a scenario or run error (deadlock),
3 an internal error.
)";

struct CheckCommandLine {
    std::vector<std::string> files; ///< expanded
    ExpectationRules rules;
    std::optional<std::string> junit_out;
    std::optional<std::string> json_out;
};

po::options_description check_options() {
    po::options_description desc(
        "tlbsim check FILE_OR_DIR... [--strict] [--junit OUT] [--json OUT]");
    desc.add_options()("help,h", "this help")                                               //
        ("strict", "mechanism warnings fail unless an [[expect]] block pins their counter") //
        ("junit", po::value<std::string>(),
         "write JUnit XML (one testcase per scenario x policy)") //
        ("json", po::value<std::string>(),
         "write the runs and the verdicts as JSON (docs/json-schema.md)") //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    return desc;
}

/// The command line, or nullopt when --help was printed.
std::optional<CheckCommandLine> parse_check(const Args& args, const Io& io) {
    const po::options_description desc = check_options();
    const auto parsed = parse_files_or_help(
        desc, args, io, "check: no scenario file or directory given", check_help);
    if (!parsed) {
        return std::nullopt;
    }
    const po::variables_map& vm = *parsed;
    CheckCommandLine cl;
    cl.junit_out = string_opt(vm, "junit");
    cl.json_out = string_opt(vm, "json");
    cl.files = expand_paths(strings(vm, "file"));
    if (cl.files.empty()) {
        throw UsageError(fmt::format("check: no scenario files (*.toml) found in {}",
                                     fmt::join(strings(vm, "file"), ", ")));
    }
    cl.rules = ExpectationRules{.violations_must_be_expected = true,
                                .warnings_must_be_expected = vm.count("strict") > 0};
    return cl;
}

/// The policies `check` runs a scenario under: those its [[expect]] blocks name, in order of
/// first mention; a scenario without [[expect]] runs under its `policies` (step `expect=` and
/// run errors are still checked).
std::vector<std::string> check_policies_of(const scenario::Scenario& sc) {
    std::vector<std::string> out;
    for (const auto& e : sc.expectations) {
        for (const auto& p : e.policies) {
            if (std::find(out.begin(), out.end(), p) == out.end()) {
                out.push_back(p);
            }
        }
    }
    return out.empty() ? sc.policies : out;
}

/// One case: a scenario file that did not load, or a scenario under one policy.
struct CheckCase {
    std::string file;
    std::string scenario; ///< empty when the file did not load
    std::string policy;   ///< empty when the file did not load
    bool has_expect = false;
    bool loaded = true;
    std::optional<RunReport> run;      ///< absent when nothing ran
    std::string error;                 ///< non-empty: a load, scenario, run or internal error
    bool internal_error = false;       ///< the error is tlbsim's own (exit 3)
    std::vector<std::string> failures; ///< expectation mismatches

    bool passed() const { return error.empty() && failures.empty(); }
};

CheckCase load_error_case(const std::string& file, const std::string& message) {
    CheckCase c;
    c.file = file;
    c.loaded = false;
    c.error = message;
    return c;
}

/// Runs `sc` under `policy` and compares it with what it expects.
CheckCase check_case(const scenario::Scenario& sc, const std::string& file,
                     const std::string& policy, const ExpectationRules& rules) {
    CheckCase c;
    c.file = file;
    c.scenario = sc.name;
    c.policy = policy;
    c.has_expect = !sc.expectations.empty();
    if (!run::resolve_policy(sc, policy)) {
        c.error = fmt::format("unknown policy \"{}\"", policy);
        return c;
    }
    RunRequest req{&sc, file, policy, {}, {}};
    req.needs.redundant_cycles = true;
    c.run = run_request(req);
    const run::RunResult& r = c.run->result;
    if (!r.internal_error.empty()) {
        c.error = r.internal_error;
        c.internal_error = true;
    } else if (!r.error.empty()) {
        c.error = r.error;
    } else {
        c.failures = check_expectations(sc, r, rules);
    }
    return c;
}

/// The case's verdict line(s): ERROR (with a multi-line error in full on stderr), FAIL per
/// mismatch, or PASS.
void print_case(const CheckCase& c, const Io& io) {
    if (!c.loaded) {
        fmt::print(io.out, "ERROR {}: {}\n", c.file, c.error);
    } else if (!c.error.empty()) {
        fmt::print(io.out, "ERROR {} {} ({}): {}\n", c.scenario, c.policy, c.file,
                   first_line(c.error));
        if (c.error.find('\n') != std::string::npos) {
            fmt::print(io.err, "{}: {}: {}\n", c.file, c.policy, c.error);
        }
    } else if (!c.failures.empty()) {
        for (const auto& f : c.failures) {
            fmt::print(io.out, "FAIL {} {} ({}): {}\n", c.scenario, c.policy, c.file, f);
        }
    } else {
        fmt::print(io.out, "PASS {} {}{}\n", c.scenario, c.policy,
                   c.has_expect ? "" : " (no [[expect]] blocks: no violation, step expect= only)");
    }
    std::fflush(io.out);
}

/// Every case of one file, each printed as soon as it is decided.
void check_file(const std::string& file, const ExpectationRules& rules,
                std::vector<CheckCase>& cases, const Io& io) {
    std::optional<scenario::Scenario> sc;
    try {
        sc = load_scenario(file);
    } catch (const scenario::ScenarioError& e) {
        cases.push_back(load_error_case(file, e.what()));
        print_case(cases.back(), io);
        return;
    }
    for (const auto& policy : check_policies_of(*sc)) {
        cases.push_back(check_case(*sc, file, policy, rules));
        print_case(cases.back(), io);
    }
}

/// The counts of the summary line and the exit status.
struct CheckTally {
    std::size_t passed = 0;
    std::size_t failed = 0;          ///< including errors
    std::size_t errors = 0;          ///< load, scenario and run errors (exit 2)
    std::size_t internal_errors = 0; ///< tlbsim's own failures (exit 3)

    explicit CheckTally(const std::vector<CheckCase>& cases) {
        for (const auto& c : cases) {
            passed += c.passed() ? 1 : 0;
            failed += c.passed() ? 0 : 1;
            errors += c.error.empty() ? 0 : 1;
            internal_errors += c.internal_error ? 1 : 0;
        }
    }

    int status() const {
        if (internal_errors > 0) {
            return exit_internal;
        }
        if (errors > 0) {
            return exit_usage;
        }
        return failed > 0 ? exit_expectation : exit_ok;
    }
};

std::vector<JunitCase> junit_cases(const std::vector<CheckCase>& cases) {
    std::vector<JunitCase> out;
    for (const auto& c : cases) {
        if (!c.loaded) {
            out.push_back({c.file, c.file, "load", 0, {}, c.error});
        } else {
            out.push_back({c.file, c.scenario, c.policy, c.run ? c.run->result.wall_seconds : 0,
                           c.failures, c.error});
        }
    }
    return out;
}

const char* status_name(const CheckCase& c) {
    return !c.error.empty() ? "error" : !c.failures.empty() ? "fail" : "pass";
}

/// The case object of the JSON document; `run` is its index in "runs" (null when nothing ran).
Json case_json(const CheckCase& c, const Json& run) {
    if (!c.loaded) {
        return {{"scenario", nullptr},
                {"file", c.file},
                {"policy", nullptr},
                {"status", "error"},
                {"failures", Json::array()},
                {"error", c.error},
                {"run", nullptr}};
    }
    // "run" comes before "status" in a case that ran and last in one that did not, as the
    // documents have always had it (ordered keys: the bytes are part of the format).
    Json j;
    j["scenario"] = c.scenario;
    j["file"] = c.file;
    j["policy"] = c.policy;
    if (!run.is_null()) {
        j["run"] = run;
    }
    j["status"] = status_name(c);
    j["failures"] = c.failures;
    j["error"] = c.error.empty() ? Json(nullptr) : Json(c.error);
    if (run.is_null()) {
        j["run"] = nullptr;
    }
    return j;
}

Json check_document(const std::vector<CheckCase>& cases, const CheckTally& t) {
    Json doc = json_document("check");
    Json case_objects = Json::array();
    for (const auto& c : cases) {
        Json run = nullptr;
        if (c.run) {
            run = doc["runs"].size();
            doc["runs"].push_back(run_json(c.run->result, c.run->json_info(c.failures)));
        } else if (!c.loaded) {
            doc["errors"].push_back(error_json(c.file, c.error));
        }
        case_objects.push_back(case_json(c, run));
    }
    doc["check"] = {{"passed", t.passed},
                    {"failed", t.failed},
                    {"errors", t.errors},
                    {"cases", std::move(case_objects)}};
    return doc;
}

} // namespace

int cmd_check(const Args& args, const Io& io) {
    const auto cl = parse_check(args, io);
    if (!cl) {
        return exit_ok;
    }
    std::vector<CheckCase> cases;
    for (const auto& file : cl->files) {
        check_file(file, cl->rules, cases, io);
    }
    const CheckTally t(cases);
    fmt::print(io.out, "{} passed, {} failed\n", t.passed, t.failed);
    if (cl->junit_out) {
        const std::string xml = junit_xml(junit_cases(cases));
        write_output_file(*cl->junit_out, [&xml](std::ostream& os) { os << xml; });
    }
    if (cl->json_out) {
        write_json_file(*cl->json_out, check_document(cases, t));
    }
    return t.status();
}

} // namespace cli
