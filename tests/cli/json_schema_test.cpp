// `--json` for run, diff and check: real output is validated against tests/cli/schema.json (the
// documented schema "tlbsim/2"), and the schema check itself is shown to fail when a field goes
// missing, changes type or appears unannounced.

#include "support.h"

#include "check/counter_catalog.h"

using namespace clitest;

namespace {

Json run_json_doc(const TempDir& dir, const std::vector<std::string>& extra, int expected_code) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--json");
    args.push_back(dir.file("out.json"));
    const Cmd c = tlbsim(args);
    INFO(c.out << c.err);
    REQUIRE(c.code == expected_code);
    return Json::parse(read_file(dir.file("out.json")));
}

void require_valid(const Json& doc) {
    const auto errors = schema_validator().validate(doc);
    for (const auto& e : errors) {
        UNSCOPED_INFO(e);
    }
    REQUIRE(errors.empty());
}

} // namespace

TEST_CASE("run --json matches the schema and carries every counter", "[cli][json]") {
    TempDir dir;
    const std::string file = dir.write("busy.toml", busy_scenario);
    const Json doc = run_json_doc(dir, {file}, cli::exit_ok);
    require_valid(doc);
    CHECK(doc["schema"] == "tlbsim/2");
    CHECK(doc["command"] == "run");
    REQUIRE(doc["runs"].size() == 2);
    for (const auto& r : doc["runs"]) {
        CHECK(r["scenario"] == "busy");
        CHECK(r["file"] == file);
        CHECK(r["error"].is_null());
        CHECK(r["cpus"] == 3);
        CHECK(r["cycles"].get<std::int64_t>() > 0);
        CHECK(r["events"].get<std::int64_t>() > 0);
        CHECK(r["results"]["mb"] == 0);
        CHECK(r["expectation_failures"] == Json::array());
        const auto& totals = r["counters"]["totals"];
        const auto& per_cpu = r["counters"]["per_cpu"];
        REQUIRE(per_cpu.size() == 3);
        // "A counter that never fired is 0, not absent": every declared counter is there, and
        // the per-CPU values add up to the total.
        for (const auto& d : check::counter_catalog().declared()) {
            INFO(d.name);
            REQUIRE(totals.contains(d.name));
            std::int64_t sum = 0;
            for (const auto& cpu : per_cpu) {
                REQUIRE(cpu.contains(d.name));
                sum += cpu[d.name].get<std::int64_t>();
            }
            CHECK(sum == totals[d.name].get<std::int64_t>());
        }
        CHECK(totals["ipi.sent"].get<int>() > 0);
    }
    CHECK(doc["runs"][0]["policy"] == "v5.10");
    CHECK(doc["runs"][1]["policy"] == "rfc-v2");
    // The redundant sync_core of v5.10 costs what cycles.sync_core@finish_task_switch says for
    // one sync (330 by default); rfc-v2 has none.
    CHECK(doc["runs"][0]["counters"]["totals"]["ser.redundant"] == 1);
    CHECK(doc["runs"][0]["derived"]["redundant_cycles"].get<int>() > 0);
    CHECK(doc["runs"][1]["derived"]["redundant_cycles"] == 0);
}

TEST_CASE("run --json reports violations with their explanation chains", "[cli][json]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Json doc = run_json_doc(dir, {file, "--policy", "rfc-v2"}, cli::exit_ok);
    require_valid(doc);
    const auto& r = doc["runs"][0];
    CHECK(r["violated"] == Json::array({"G-SC"}));
    REQUIRE(!r["violations"].empty());
    const auto& v = r["violations"][0];
    CHECK(v["property"] == "G-SC");
    CHECK(v["cpu"] == 0);
    CHECK(v["task"] == "a");
    CHECK(v["t_a"].get<std::int64_t>() <= v["time"].get<std::int64_t>());
    CHECK(!v["chain"].empty());
    CHECK(r["counters"]["totals"]["violation.G-SC"].get<int>() >= 1);
}

TEST_CASE("run --json carries each mechanism warning with its CPU, time and records",
          "[cli][json]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Json doc = run_json_doc(dir, {file, "--policy", "rfc-v2"}, cli::exit_ok);
    require_valid(doc);
    const auto& r = doc["runs"][0];
    // warning_count is every warning; the warning.* counters count the same ones.
    std::int64_t counted = 0;
    for (const auto& [name, value] : r["counters"]["totals"].items()) {
        counted += name.starts_with("warning.") ? value.get<std::int64_t>() : 0;
    }
    CHECK(r["warning_count"].get<std::int64_t>() == counted);
    REQUIRE(!r["warnings"].empty());
    const auto& w = r["warnings"][0];
    // rfc-v2 drops the switch-in sync_core: a's return to jit on cpu0 after the call finds no
    // [SER] since rq->curr became a (K2), at the time of that return.
    CHECK(w["rule"] == "K2");
    CHECK(w["cpu"] == 0);
    CHECK(w["task"] == "a");
    const auto t = w["time"].get<std::int64_t>();
    CHECK(w["text"].get<std::string>().starts_with("K2 on cpu0 at t=" + std::to_string(t) + ": "));
    const auto& chain = w["chain"];
    REQUIRE(chain.size() >= 2);
    CHECK(chain.front().get<std::string>().find("rq->curr = a") != std::string::npos);
    CHECK(chain.back().get<std::string>().find("t=" + std::to_string(t) + " a: return to user") !=
          std::string::npos);
}

TEST_CASE("a deadlocked run has its error in the JSON and exits 2", "[cli][json]") {
    TempDir dir;
    const std::string file = dir.write("d.toml", deadlock_scenario);
    const Json doc = run_json_doc(dir, {file}, cli::exit_usage);
    require_valid(doc);
    REQUIRE(doc["runs"].size() == 1);
    REQUIRE(doc["runs"][0]["error"].is_string());
    CHECK(doc["runs"][0]["error"].get<std::string>().find("deadlock") != std::string::npos);
}

TEST_CASE("diff --json matches the schema", "[cli][json][diff]") {
    TempDir dir;
    const std::string busy = dir.write("busy.toml", busy_scenario);
    const std::string viol = dir.write("v.toml", violation_scenario);
    const Cmd c = tlbsim({"diff", busy, viol, "--policy", "v5.10", "--policy", "rfc-v2", "--json",
                          dir.file("d.json")});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    const Json doc = Json::parse(read_file(dir.file("d.json")));
    require_valid(doc);
    CHECK(doc["command"] == "diff");
    CHECK(doc["diff"]["policies"] == Json::array({"v5.10", "rfc-v2"}));
    REQUIRE(doc["diff"]["scenarios"].size() == 2);
    REQUIRE(doc["runs"].size() == 4);
    for (const auto& s : doc["diff"]["scenarios"]) {
        const auto a = s["runs"][0].get<std::size_t>();
        const auto b = s["runs"][1].get<std::size_t>();
        CHECK(doc["runs"][a]["policy"] == "v5.10");
        CHECK(doc["runs"][b]["policy"] == "rfc-v2");
        CHECK(doc["runs"][a]["scenario"] == s["scenario"]);
        CHECK(doc["runs"][a]["expectation_failures"].is_null()); // diff ignores expectations
        for (const auto& row : s["counters"]) {
            CHECK(row["delta"].get<std::int64_t>() ==
                  row["b"].get<std::int64_t>() - row["a"].get<std::int64_t>());
            CHECK(row["a"] != row["b"]);
        }
    }
    const auto& verdicts = doc["diff"]["scenarios"][1]["verdicts"];
    bool gsc = false;
    for (const auto& v : verdicts) {
        if (v["property"] == "G-SC") {
            gsc = true;
            CHECK(v["a"] == "holds");
            CHECK(v["b"] == "violated");
            CHECK(v["changed"] == true);
        }
    }
    CHECK(gsc);
    CHECK(doc["diff"]["summary"]["verdict_changes"] == 1);
    CHECK(doc["diff"]["summary"]["scenarios"] == 2);
}

TEST_CASE("check --json matches the schema", "[cli][json][check]") {
    TempDir dir;
    dir.write("s/busy.toml", busy_scenario);
    dir.write("s/v.toml", violation_scenario);
    dir.write("s/broken.toml", "[machine]\ncpus = \"two\"\n");
    const Cmd c = tlbsim({"check", dir.file("s"), "--json", dir.file("c.json")});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_usage);
    const Json doc = Json::parse(read_file(dir.file("c.json")));
    require_valid(doc);
    const auto& chk = doc["check"];
    CHECK(chk["passed"] == 4);
    CHECK(chk["failed"] == 1);
    CHECK(chk["errors"] == 1);
    REQUIRE(chk["cases"].size() == 5);
    CHECK(chk["cases"][0]["status"] == "error"); // broken.toml sorts first
    CHECK(chk["cases"][0]["run"].is_null());
    REQUIRE(doc["errors"].size() == 1);
    for (std::size_t i = 1; i < 5; ++i) {
        CHECK(chk["cases"][i]["status"] == "pass");
        const auto run = chk["cases"][i]["run"].get<std::size_t>();
        CHECK(doc["runs"][run]["policy"] == chk["cases"][i]["policy"]);
    }
}

TEST_CASE("the schema check fails when a field is missing, mistyped or unknown", "[cli][json]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Json doc = run_json_doc(dir, {file, "--policy", "rfc-v2"}, cli::exit_ok);
    const auto validator = schema_validator();
    REQUIRE(validator.validate(doc).empty());

    const Json schema = Json::parse(read_file((source_dir() / "schema.json").string()));
    for (const auto& field : schema["$defs"]["run"]["required"]) {
        Json broken = doc;
        broken["runs"][0].erase(field.get<std::string>());
        INFO("without " << field);
        CHECK(!validator.validate(broken).empty());
    }
    for (const auto& field : schema["$defs"]["violation"]["required"]) {
        Json broken = doc;
        broken["runs"][0]["violations"][0].erase(field.get<std::string>());
        INFO("violation without " << field);
        CHECK(!validator.validate(broken).empty());
    }
    Json broken = doc;
    broken["runs"][0]["cycles"] = "many";
    CHECK(!validator.validate(broken).empty());
    broken = doc;
    broken["runs"][0]["counters"]["totals"]["ser.total"] = 1.5;
    CHECK(!validator.validate(broken).empty());
    broken = doc;
    broken["runs"][0]["surprise"] = 1;
    CHECK(!validator.validate(broken).empty());
    broken = doc;
    broken["schema"] = "tlbsim/1"; // the old version is another schema
    CHECK(!validator.validate(broken).empty());
    broken = doc;
    broken["command"] = "diff"; // a diff document must have "diff"
    CHECK(!validator.validate(broken).empty());
}

TEST_CASE("docs/json-schema.md documents every field of the schema", "[cli][json][docs]") {
    const std::string md =
        read_file((source_dir() / ".." / ".." / "docs" / "json-schema.md").string());
    const Json schema = Json::parse(read_file((source_dir() / "schema.json").string()));
    CHECK(md.find("tlbsim/2") != std::string::npos);
    const auto documented = [&](const std::string& name) {
        return md.find("`" + name + "`") != std::string::npos;
    };
    for (const auto& [name, unused] : schema["properties"].items()) {
        (void)unused;
        INFO(name);
        CHECK(documented(name));
    }
    for (const auto& [def, body] : schema["$defs"].items()) {
        if (!body.contains("properties")) {
            continue;
        }
        for (const auto& [name, unused] : body["properties"].items()) {
            (void)unused;
            INFO(def << "." << name);
            CHECK(documented(name));
        }
    }
}

TEST_CASE("JSON output is deterministic except wall_seconds", "[cli][json]") {
    TempDir dir;
    const std::string file = dir.write("busy.toml", busy_scenario);
    Json a = run_json_doc(dir, {file}, cli::exit_ok);
    Json b = run_json_doc(dir, {file}, cli::exit_ok);
    for (auto* doc : {&a, &b}) {
        for (auto& r : (*doc)["runs"]) {
            r.erase("wall_seconds");
        }
    }
    CHECK(a.dump() == b.dump());
}
