// The run pipeline (cli/run_pipeline.h): a request collects exactly the reports it asks for, and
// asking for them does not change the run; loading applies the scenario's policies and rejects
// unknown ones.

#include "support.h"

#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/run_pipeline.h"
#include "scenario/loader.h"

using namespace clitest;

namespace {

scenario::Scenario busy() {
    return scenario::load_string(busy_scenario, "busy.toml", cli::scenario_catalog());
}

/// Every counter of `r`, totals and per CPU, by name.
std::map<std::string, std::int64_t> counter_values(const run::RunResult& r) {
    std::map<std::string, std::int64_t> out;
    for (const auto& d : r.counters.declared()) {
        out[d.name] = r.counters.value(d.name).value_or(0);
        for (int c = 0; c < r.counters.cpus(); ++c) {
            const std::string name = "cpu" + std::to_string(c) + "." + d.name;
            out[name] = r.counters.value(name).value_or(0);
        }
    }
    return out;
}

} // namespace

TEST_CASE("a run request collects the reports it asks for, and only those", "[cli][pipeline]") {
    const scenario::Scenario sc = busy();
    const run::RunResult direct = run::run_scenario(sc, "v5.10", {});

    const cli::RunReport plain = cli::run_request({&sc, "busy.toml", "v5.10", {}, {}});
    CHECK(plain.file == "busy.toml");
    CHECK(plain.ghz == sc.machine.ghz);
    CHECK_FALSE(plain.timeline.has_value());
    CHECK(plain.redundant_cycles == 0);
    CHECK(plain.explained.empty());
    CHECK(counter_values(plain.result) == counter_values(direct));

    std::FILE* narrative = std::tmpfile();
    REQUIRE(narrative != nullptr);
    cli::RunRequest all{&sc, "busy.toml", "v5.10", {}, {}};
    all.needs.redundant_cycles = true;
    all.needs.timeline = true;
    all.needs.explain_counter = "ser.total";
    all.needs.narrate_to = narrative;
    const cli::RunReport full = cli::run_request(all);
    const std::string narrated = slurp(narrative);
    std::fclose(narrative);

    // The observers watch the run; they do not change it.
    CHECK(counter_values(full.result) == counter_values(direct));
    CHECK(full.result.events == direct.events);
    // Under v5.10 the busy scenario has one redundant sync_core: its cycles are collected.
    REQUIRE(direct.counters.value("ser.redundant") == 1);
    CHECK(full.redundant_cycles > 0);
    REQUIRE(full.timeline.has_value());
    CHECK(full.timeline->cpus() == sc.machine.cpus);
    CHECK(full.timeline->policy == "v5.10");
    CHECK(full.timeline->file == "busy.toml");
    CHECK(static_cast<std::int64_t>(full.explained.size()) ==
          direct.counters.value("ser.total").value_or(-1));
    CHECK(lines(narrated).size() > full.explained.size()); // every record, not only [SER]
}

TEST_CASE("loading runs each scenario under its own policies unless told otherwise",
          "[cli][pipeline]") {
    TempDir dir;
    dir.write("a/busy.toml", busy_scenario);
    dir.write("a/v.toml", violation_scenario);
    const auto own = cli::load_scenarios({dir.file("a")}, {}, "run");
    REQUIRE(own.size() == 2);
    CHECK(own[0].file == dir.file("a/busy.toml")); // sorted
    CHECK(own[0].policies == std::vector<std::string>{"v5.10", "rfc-v2"});
    const auto given = cli::load_scenarios({dir.file("a")}, {"mainline"}, "run");
    CHECK(given[1].policies == std::vector<std::string>{"mainline"});
    CHECK_THROWS_AS(cli::load_scenarios({dir.file("a")}, {"no-such-policy"}, "run"),
                    cli::UsageError);
    dir.write("empty/readme.txt", "not a scenario");
    CHECK_THROWS_WITH(cli::load_scenarios({dir.file("empty")}, {}, "diff"),
                      "diff: no scenario files (*.toml) found in " + dir.file("empty"));
}
