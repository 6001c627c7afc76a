// The fuzz harness's oracles and budget (fuzz/harness.h, fuzz/budget.h): what counts as a
// finding, and what fuzz_run runs.

#include "cli/catalog.h"
#include "cli/fault_injection.h"
#include "fuzz/budget.h"
#include "fuzz/dictionary.h"
#include "fuzz/harness.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

const char* const kTwoThreads = R"(policies = ["v5.10", "rfc-v2", "rfc-v2-intended"]
[machine]
cpus = 2
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000", "yield", "user 1000"]
[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 500", "exit"]
)";

// Each thread waits for the event only the other signals, after its wait.
const char* const kDeadlock = R"([machine]
cpus = 1
[[process]]
name = "p"
[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["wait x", "signal y"]
[[thread]]
name = "b"
process = "p"
cpu = 0
program = ["wait y", "signal x"]
)";

scenario::Scenario load(const std::string& text) {
    return scenario::load_string(text, std::string(fuzz::kInputName), cli::scenario_catalog());
}

std::string error_of(const std::string& text) {
    try {
        load(text);
    } catch (const scenario::ScenarioError& e) {
        return e.what();
    }
    FAIL("loaded without an error:\n" << text);
    return "";
}

} // namespace

TEST_CASE("the loader's own errors are not findings", "[fuzz]") {
    const std::vector<std::string> bad = {
        "",        "[machine]\ncpus = \"x\"\n", "\xff\xfe",
        "a = [1,", "[machine]\ncpus = 5000\n",  std::string(kDeadlock) + "x = 1\n"};
    for (const std::string& text : bad) {
        const std::string message = error_of(text);
        INFO(message);
        CHECK(fuzz::scenario_error_finding(message).empty());
    }
}

TEST_CASE("malformed scenario errors are findings", "[fuzz]") {
    CHECK(fuzz::scenario_error_finding("fuzz.toml:3:1: thread[0]: bad\nsecond line") ==
          "scenario error of more than one line");
    for (const char* message :
         {"thread[0]: no location", "other.toml:1:1: x: wrong file", "fuzz.toml:1: x: no column",
          "fuzz.toml:a:1: x: not a number", "fuzz.toml:1:1:no space"}) {
        INFO(message);
        CHECK(fuzz::scenario_error_finding(message) ==
              "scenario error not of the form file:line:column: message");
    }
}

TEST_CASE("a run error is not a finding; an internal error is", "[fuzz]") {
    const scenario::Scenario deadlocking = load(kDeadlock);
    const run::RunResult deadlock = run::run_scenario(deadlocking, "v5.10", {});
    REQUIRE(deadlock.error.starts_with("deadlock"));
    CHECK(fuzz::run_finding(deadlocking, deadlock).empty());

    cli::FaultInjection fault(3); // panics inside the model at the 3rd record
    run::RunOptions options;
    options.observers.push_back(&fault);
    const scenario::Scenario sc = load(kTwoThreads);
    const run::RunResult broken = run::run_scenario(sc, "v5.10", options);
    REQUIRE_FALSE(broken.internal_error.empty());
    CHECK(fuzz::run_finding(sc, broken) == "internal error");
}

TEST_CASE("an expected counter the run does not have is a finding", "[fuzz]") {
    scenario::Scenario sc = load(std::string(kTwoThreads) +
                                 "[[expect]]\npolicy = \"v5.10\"\n"
                                 "counters = { \"ser.total\" = 1, \"cpu1.ser.total\" = 0 }\n");
    const run::RunResult r = run::run_scenario(sc, "v5.10", {});
    CHECK(fuzz::run_finding(sc, r).empty());
    sc.expectations[0].counters[1].name = "cpu2.ser.total"; // what the loader must refuse
    CHECK(fuzz::run_finding(sc, r) ==
          "expect[0]: the loader accepted counter \"cpu2.ser.total\", the run has none");
}

TEST_CASE("the budget skips large machines and clips the time", "[fuzz]") {
    const fuzz::Budget budget;
    scenario::Scenario sc = load(kTwoThreads);
    REQUIRE_FALSE(sc.machine.max_cycles.has_value());
    CHECK(fuzz::fit_to_budget(sc, budget).empty());
    CHECK(sc.machine.max_cycles == budget.max_cycles);
    CHECK(sc.policies == std::vector<std::string>{"v5.10", "rfc-v2"});

    sc.machine.max_cycles = 50;
    CHECK(fuzz::fit_to_budget(sc, budget).empty());
    CHECK(sc.machine.max_cycles == 50);

    sc.machine.cpus = budget.max_cpus + 1;
    CHECK(fuzz::fit_to_budget(sc, budget) == "more than 4 CPUs");
    sc.machine.cpus = 2;
    sc.threads.resize(budget.max_threads + 1, sc.threads.front());
    CHECK(fuzz::fit_to_budget(sc, budget) == "more than 8 threads");
}

TEST_CASE("fuzz_run refuses, skips or runs", "[fuzz]") {
    CHECK(fuzz::fuzz_run("[machine]\n") == fuzz::Outcome::refused);
    CHECK(fuzz::fuzz_run(std::string(kTwoThreads)) == fuzz::Outcome::ran);
    CHECK(fuzz::fuzz_run(std::string(kDeadlock)) == fuzz::Outcome::ran);
    std::string big(kTwoThreads);
    big.replace(big.find("cpus = 2"), 8, "cpus = 5");
    CHECK(fuzz::fuzz_run(big) == fuzz::Outcome::skipped);
    CHECK(fuzz::fuzz_loader(big) == fuzz::Outcome::loaded);
}

TEST_CASE("the dictionary quotes every word on its own line", "[fuzz]") {
    const std::string dict = fuzz::libfuzzer_dictionary();
    for (const char* word :
         {"\"cpus\"\n", "\"[machine]\"\n", "\"v5.10\"\n", "\"syscall_entry\"\n", "\"ser.total\"\n",
          "\"9223372036854775807\"\n", "\"\\x22\\x22\\x22\"\n"}) {
        INFO(word);
        CHECK(dict.find(word) != std::string::npos);
    }
    std::size_t start = 0;
    while (start < dict.size()) {
        const std::size_t end = dict.find('\n', start);
        REQUIRE(end != std::string::npos);
        const std::string line = dict.substr(start, end - start);
        INFO(line);
        CHECK(line.size() >= 3);
        CHECK(line.front() == '"');
        CHECK(line.back() == '"');
        CHECK(line.substr(1, line.size() - 2).find('"') == std::string::npos);
        start = end + 1;
    }
}
