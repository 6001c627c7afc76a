// `run --summary` and the main job (scripts/run-seed-comparison) that ends with it.

#include "support.h"

#include "cli/run_summary.h"

#include <fstream>
#include <sstream>

using namespace clitest;

namespace {

std::string source_file(const std::string& rel) {
    std::ifstream in(std::string(TLBSIM_SOURCE_DIR) + "/" + rel);
    REQUIRE(in.good());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("run --summary: each policy against the first, violations named", "[cli][summary]") {
    using cli::RunDigest;
    std::vector<RunDigest> runs(4);
    runs[0] = {.scenario = "a",
               .policy = "base",
               .sync_cores = 3,
               .sync_core_cycles = 990,
               .unneeded = 2,
               .violations = {}};
    runs[1] = {.scenario = "a",
               .policy = "new",
               .sync_cores = 1,
               .sync_core_cycles = 330,
               .unneeded = 0,
               .warnings = 2,
               .violations = {{"G-SC", 1, 500, "t2", 3}}};
    runs[2] = {.scenario = "b",
               .policy = "base",
               .sync_cores = 1,
               .sync_core_cycles = 330,
               .unneeded = 1,
               .violations = {}};
    runs[3] = {.scenario = "b",
               .policy = "new",
               .sync_cores = 1,
               .sync_core_cycles = 330,
               .unneeded = 1,
               .violations = {}};
    const auto policies = cli::summarize(runs);
    REQUIRE(policies.size() == 2);
    CHECK(policies[0].sync_cores == 4);
    CHECK(policies[1].sync_cores == 2);
    CHECK(policies[0].unneeded == 3); // 2 + 1
    CHECK(policies[1].unneeded == 1); // 0 + 1
    CHECK(cli::format_summary(policies, 2) ==
          "summary: 2 scenarios, each policy against base\n"
          "  policy  sync_core   unneeded  sync_core cycles  warnings  violations\n"
          "  base            4          3              1320         0  none\n"
          "  new        2 (-2)     1 (-2)        660 (-660)         2  G-SC in a on cpu1 at t=500 "
          "(t2), 3 in all\n");
}

TEST_CASE("the main job shows rfc-v2's G-SC violation with its chain, and the summary",
          "[cli][summary]") {
    // The files and policies scripts/run-seed-comparison runs.
    const std::string script = source_file("scripts/run-seed-comparison");
    for (const char* arg : {"scenarios/seed/", "scenarios/history/idle-return.toml",
                            "scenarios/history/kthread-use-mm.toml", "--policy v5.10",
                            "--policy rfc-v2", "--policy rfc-v2-intended", "--summary"}) {
        INFO(arg);
        CHECK(script.find(arg) != std::string::npos);
    }
    const std::string root = TLBSIM_SOURCE_DIR;
    const Cmd c =
        tlbsim({"run", root + "/scenarios/seed/", root + "/scenarios/history/idle-return.toml",
                root + "/scenarios/history/kthread-use-mm.toml", "--policy", "v5.10", "--policy",
                "rfc-v2", "--policy", "rfc-v2-intended", "--summary"});
    INFO(c.err);
    REQUIRE(c.code == cli::exit_ok);
    CHECK(c.out.find("violation (rfc-v2): G-SC on cpu1") != std::string::npos);
    CHECK(c.out.find("rq->curr was swapper/1 (mm NULL) when the caller read it") !=
          std::string::npos);
    const auto summary =
        c.out.substr(c.out.find("summary: 6 scenarios, each policy against v5.10"));
    CHECK(summary.find("G-SC in idle-return on cpu1") != std::string::npos);
    CHECK(summary.find("G-SC in kthread-use-mm on cpu1") != std::string::npos);
    // v5.10: 7 sync_cores = the finish_task_switch sync of three seed scenarios (same-mm-switch
    // has none: no SYNC_CORE registration) + idle-return's and kthread-use-mm's
    // finish_task_switch and ipi_sync_core. rfc-v2 drops every finish_task_switch sync (-5) and
    // adds kthread-use-mm's in switch_mm_irqs_off (+1): 3. As intended it also syncs in
    // idle-return's switch_mm_irqs_off and twice in kthread-use-mm's: 5. 330 cycles each.
    // Unneeded (discharged no G-SC / G-SC-SELF obligation, docs/properties.md): under v5.10 the
    // three seed syncs (those runs make no membarrier call) and kthread-use-mm's
    // finish_task_switch sync, which came after cpu1's G-SC was already violated: 4; idle-return's
    // finish_task_switch sync was load-bearing, and it is the one rfc-v2's removal breaks. rfc-v2's
    // three all discharge something: 0. As intended, kthread-use-mm's second switch_mm_irqs_off
    // sync (t2's exit) comes after the first discharged cpu1's G-SC: 1.
    CHECK(summary.find("  v5.10                    7          4              2310") !=
          std::string::npos);
    CHECK(summary.find("  rfc-v2              3 (-4)     0 (-4)       990 (-1320)") !=
          std::string::npos);
    CHECK(
        summary.find("  rfc-v2-intended     5 (-2)     1 (-3)       1650 (-660)         0  none") !=
        std::string::npos);
}
