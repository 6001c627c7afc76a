// The reports of the obligation accounting (docs/properties.md, Obligations): `run`'s summary,
// `explain FILE obligations`, `explain ... ser.sync_core.unneeded` and the JSON "obligations".

#include "support.h"

using namespace clitest;

namespace {

/// scenarios/history/text-poke-unlazy.toml: b's SYNC_CORE call on cpu1 sends cpu0 no IPI (the
/// patcher kthread runs there with mm NULL); the patcher's use_temporary_mm writes CR3 on cpu0
/// (switch_mm_irqs_off) after t_a, long before a returns there; under v5.10 a's switch back then
/// writes CR3 again and finish_task_switch core-syncs.
std::string text_poke_unlazy() {
    return (source_dir() / ".." / ".." / "scenarios" / "history" / "text-poke-unlazy.toml")
        .string();
}

} // namespace

TEST_CASE("run prints which records discharged the obligations", "[cli][obligations]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Cmd c = tlbsim({"run", file});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    // mb-lazy: a waits and cpu0 idles lazily on jit, b's SYNC_CORE call on cpu1 sends cpu0 no
    // IPI. Under v5.10, a's switch back on cpu0 core-syncs in finish_task_switch: the first [SER]
    // on cpu0 since t_a. cpu1 runs no thread of jit but b: G-SC there was not needed. b's own
    // return is served by ipi_sync_core on its CPU (G-SC-SELF). Both sync_cores did work.
    CHECK(c.out.find("  obligations (v5.10): 1 membarrier call\n") != std::string::npos);
    CHECK(c.out.find("    G-SC       1 discharged (1 by sync_core [finish_task_switch]), 1 not "
                     "needed\n") != std::string::npos);
    CHECK(c.out.find("    G-SC-SELF  1 discharged (1 by sync_core [ipi_sync_core])\n") !=
          std::string::npos);
    CHECK(c.out.find("    sync_core  2 executed, 2 discharged an obligation, 0 discharged none") !=
          std::string::npos);
    // rfc-v2 moved that sync_core behind a guard that fails here: G-SC violated on cpu0.
    CHECK(c.out.find("    G-SC       1 violated, 1 not needed\n") != std::string::npos);
}

TEST_CASE("explain lists each call's dischargers and the sync_cores that discharged none",
          "[cli][obligations][explain]") {
    const std::string file = text_poke_unlazy();
    const Cmd o = tlbsim({"explain", file, "--policy", "v5.10", "obligations"});
    INFO(o.out << o.err);
    REQUIRE(o.code == cli::exit_ok);
    CHECK(o.out.rfind("obligations in text-poke-unlazy under v5.10: 1 membarrier call\n", 0) == 0);
    // cpu0's first [SER] since t_a: the patcher's CR3 write in switch_mm_irqs_off.
    CHECK(o.out.find("    cpu0 G-SC: discharged by write_cr3 [switch_mm_irqs_off] at t=") !=
          std::string::npos);
    CHECK(o.out.find("    cpu1 G-SC-SELF: discharged by sync_core [ipi_sync_core]") !=
          std::string::npos);
    // So a's finish_task_switch sync_core on cpu0 (after the patcher's CR3 writes) did nothing.
    const Cmd u = tlbsim({"explain", file, "--policy", "v5.10", "ser.sync_core.unneeded"});
    INFO(u.out << u.err);
    REQUIRE(u.code == cli::exit_ok);
    CHECK(u.out.rfind("ser.sync_core.unneeded = 1 in text-poke-unlazy under v5.10 (1 record)\n",
                      0) == 0);
    CHECK(u.out.find(" cpu0 a: sync_core") != std::string::npos);
    CHECK(u.out.find("sync_core ← finish_task_switch") != std::string::npos);
    // Per CPU and per site: none on cpu1, none in ipi_sync_core.
    const Cmd cpu1 = tlbsim({"explain", file, "--policy", "v5.10", "cpu1.ser.sync_core.unneeded"});
    CHECK(cpu1.out.rfind("cpu1.ser.sync_core.unneeded = 0", 0) == 0);
    const Cmd ipi =
        tlbsim({"explain", file, "--policy", "v5.10", "ser.sync_core.unneeded@ipi_sync_core"});
    CHECK(ipi.out.find("(0 records)") != std::string::npos);
    // discharged.G-SC: the one obligation, cpu0's.
    const Cmd d = tlbsim({"explain", file, "--policy", "v5.10", "discharged.G-SC"});
    CHECK(d.out.rfind("discharged.G-SC = 1 in text-poke-unlazy under v5.10\n", 0) == 0);
    CHECK(d.out.find("    cpu0 G-SC: discharged by write_cr3") != std::string::npos);
}

TEST_CASE("run --json carries the obligations", "[cli][obligations][json]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Cmd c = tlbsim({"run", file, "--json", dir.file("out.json")});
    REQUIRE(c.code == cli::exit_ok);
    const Json doc = Json::parse(read_file(dir.file("out.json")));
    REQUIRE(schema_validator().validate(doc).empty());
    REQUIRE(doc["runs"].size() == 2);
    // v5.10 then rfc-v2; properties are G-MB, G-SC, G-SC-SELF (the story of the run test above).
    const Json& v510 = doc["runs"][0]["obligations"];
    const Json& rfc = doc["runs"][1]["obligations"];
    CHECK(v510["calls"] == 1);
    CHECK(v510["properties"][1]["property"] == "G-SC");
    CHECK(v510["properties"][1]["discharged"] == 1);
    CHECK(v510["properties"][1]["by"] ==
          Json::parse(R"([{"kind": "sync_core", "site": "finish_task_switch", "count": 1}])"));
    CHECK(rfc["properties"][1]["violated"] == 1);
    CHECK(rfc["properties"][1]["by"] == Json::array());
    CHECK(v510["sync_core"]["executed"] == 2);
    CHECK(v510["sync_core"]["unneeded"] == 0);
    // The call, kept in full: cpu0's G-SC discharger precedes a's user code that needed it.
    const Json& call = v510["kept_calls"][0];
    CHECK(call["call"] == "membarrier(private_expedited_sync_core) by b on cpu1 for mm jit");
    bool found = false;
    for (const auto& e : call["obligations"]) {
        if (e["cpu"] == 0 && e["property"] == "G-SC") {
            found = true;
            CHECK(e["status"] == "discharged");
            CHECK(e["needed_by"] == "a");
            CHECK(e["by"]["kind"] == "sync_core");
            CHECK(e["by"]["task"] == "a");
            CHECK(e["by"]["time"].get<std::int64_t>() > call["t_r"].get<std::int64_t>());
            CHECK(e["by"]["time"].get<std::int64_t>() < e["needed_at"].get<std::int64_t>());
        }
    }
    CHECK(found);
}
