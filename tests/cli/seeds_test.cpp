// `run --seeds`, `diff --seeds`, `--shard K/N` and `tlbsim merge` (docs/seeds.md,
// docs/sharding.md): the statistics against known values, the attribution of a difference to
// the policy or to noise, the refusals, the JSON against its schema and against the runs it
// carries, and shards merged back into the one-machine output byte for byte.

#include "support.h"

#include "cli/command.h"
#include "cli/schedule_divergence.h"
#include "cli/seed_stats.h"
#include "cli/shard.h"

#include <cmath>

using namespace clitest;

namespace {

/// violation_scenario with jitter, so that seeds move its timing.
std::string jittered_violation() {
    std::string s = violation_scenario;
    const std::string machine = "[machine]\ncpus = 2\n";
    s.replace(s.find(machine), machine.size(), machine + "jitter = 20\n");
    return s;
}

void require_valid(const Json& doc) {
    const auto errors = schema_validator().validate(doc);
    for (const auto& e : errors) {
        UNSCOPED_INFO(e);
    }
    REQUIRE(errors.empty());
}

Cmd require_code(const std::vector<std::string>& args, int code) {
    const Cmd c = tlbsim(args);
    INFO(c.out << c.err);
    REQUIRE(c.code == code);
    return c;
}

/// The one-line usage error of `args` (exit 2), without the "tlbsim: " prefix.
std::string usage_error(const std::vector<std::string>& args) {
    const Cmd c = require_code(args, cli::exit_usage);
    REQUIRE(lines(c.err).size() == 1);
    return c.err;
}

std::string fmt_shard(int k, int n) {
    return std::to_string(k) + "/" + std::to_string(n);
}

Json without_wall_seconds(Json doc) {
    for (auto& r : doc["runs"]) {
        r.erase("wall_seconds");
    }
    return doc;
}

} // namespace

TEST_CASE("Student's t quantiles match the tables", "[cli][seeds][stats]") {
    // Two-sided 95%: t_{0.975, df} (any statistics table).
    CHECK(cli::student_t_quantile(1) == Approx(12.706205).epsilon(1e-6));
    CHECK(cli::student_t_quantile(4) == Approx(2.776445).epsilon(1e-6));
    CHECK(cli::student_t_quantile(10) == Approx(2.228139).epsilon(1e-6));
    CHECK(cli::student_t_quantile(49) == Approx(2.009575).epsilon(1e-6));
    CHECK(cli::student_t_quantile(100000) == Approx(1.959985).epsilon(1e-5)); // the normal's
}

TEST_CASE("sample statistics: mean, sample sd, range and the t interval", "[cli][seeds][stats]") {
    const auto s = cli::sample_stats({1, 2, 3, 4, 5});
    CHECK(s.n == 5);
    CHECK(*s.mean == Approx(3.0));
    CHECK(*s.sd == Approx(std::sqrt(2.5))); // divides by n - 1
    CHECK(*s.min == 1);
    CHECK(*s.max == 5);
    const double half = 2.776445 * std::sqrt(2.5) / std::sqrt(5.0);
    CHECK(*s.ci_low == Approx(3.0 - half).epsilon(1e-5));
    CHECK(*s.ci_high == Approx(3.0 + half).epsilon(1e-5));

    const auto one = cli::sample_stats({7});
    CHECK(*one.mean == Approx(7.0));
    CHECK(!one.sd);
    CHECK(!one.ci_low);
    CHECK(!cli::sample_stats({}).mean);
}

TEST_CASE("a difference is the policy's when the intervals separate", "[cli][seeds][stats]") {
    using cli::Attribution;
    // Far apart: the intervals separate.
    auto p = cli::paired_stats({10, 11, 12, 13, 14}, {20, 21, 22, 23, 24});
    CHECK(p.separate);
    CHECK(p.attribution == Attribution::policy);
    CHECK(*p.difference.mean == Approx(10.0));
    // B is A + 1 on every seed, but the seeds spread A over 0..40: the intervals overlap, the
    // per-seed differences (all 1) exclude 0.
    p = cli::paired_stats({0, 10, 20, 30, 40}, {1, 11, 21, 31, 41});
    CHECK(!p.separate);
    CHECK(p.paired_excludes_zero);
    CHECK(p.attribution == Attribution::paired_only);
    // The same values shuffled between seeds: noise.
    p = cli::paired_stats({1, 2, 3, 4, 5}, {2, 1, 4, 3, 5});
    CHECK(!p.separate);
    CHECK(!p.paired_excludes_zero);
    CHECK(p.attribution == Attribution::noise);
    // Constant under both, different: the (empty) intervals separate.
    CHECK(cli::paired_stats({3, 3, 3}, {2, 2, 2}).attribution == Attribution::policy);
}

TEST_CASE("--shard K/N owns the indices i % N == K-1", "[cli][seeds][shard]") {
    const cli::Shard s = cli::parse_shard("2/4", "run");
    CHECK(s.k == 2);
    CHECK(s.n == 4);
    std::vector<std::uint64_t> owned;
    for (std::uint64_t i = 0; i < 12; ++i) {
        if (s.owns(i)) {
            owned.push_back(i);
        }
    }
    CHECK(owned == std::vector<std::uint64_t>{1, 5, 9});
    CHECK(s.owned_of(10) == 3);
    CHECK(cli::Shard{4, 4}.owned_of(10) == 2);
    CHECK(cli::Shard{4, 4}.owned_of(3) == 0);
    CHECK(cli::parse_shard("1/1", "run").whole());
    for (const char* bad : {"0/4", "5/4", "a/b", "1/", "/2", "-1/2", "2", "1/2/3", "1/2x", ""}) {
        INFO(bad);
        CHECK_THROWS_AS(cli::parse_shard(bad, "run"), cli::UsageError);
    }
}

TEST_CASE("--seeds refuses what cannot give a distribution", "[cli][seeds]") {
    TempDir dir;
    const std::string plain = dir.write("v.toml", violation_scenario); // jitter 0
    const std::string jittered = dir.write("j.toml", jittered_violation());
    CHECK(usage_error({"run", plain, "--seeds", "5"}).find("pass --jitter") != std::string::npos);
    CHECK(usage_error({"diff", plain, "-p", "v5.10", "-p", "rfc-v2", "--seeds", "5"})
              .find("jitter is 0") != std::string::npos);
    // With --jitter it runs.
    require_code({"run", plain, "--seeds", "2", "--jitter", "5"}, cli::exit_ok);
    CHECK(usage_error({"run", jittered, "--seeds", "1"}).find("from 2 to") != std::string::npos);
    CHECK(usage_error({"run", jittered, "--seeds", "-3"}).find("--seeds") != std::string::npos);
    CHECK(usage_error({"run", jittered, "--seeds", "4x"}).find("--seeds") != std::string::npos);
    CHECK(usage_error({"run", jittered, "--seeds", "3", "--seed", "9223372036854775806"})
              .find("2^63-1") != std::string::npos);
    require_code({"run", jittered, "--seeds", "2", "--seed", "9223372036854775806"}, cli::exit_ok);
    CHECK(usage_error({"run", jittered, "--shard", "1/2"}).find("--seeds") != std::string::npos);
    CHECK(usage_error({"run", jittered, "--seeds", "3", "--shard", "1/4"})
              .find("more shards than seeds") != std::string::npos);
    for (const char* one_run : {"-v", "--summary", "--per-cpu"}) {
        INFO(one_run);
        CHECK(usage_error({"run", jittered, "--seeds", "3", one_run})
                  .find("does not combine with --seeds") != std::string::npos);
    }
    CHECK(
        usage_error({"run", jittered, "--seeds", "3", "--svg", dir.file("x.svg")}).find("--svg") !=
        std::string::npos);
}

TEST_CASE("diff --seeds: per-policy statistics from the runs it carries, and the attribution",
          "[cli][seeds][json]") {
    TempDir dir;
    const std::string file = dir.write("j.toml", jittered_violation());
    const Cmd c = require_code({"diff", file, "-p", "v5.10", "-p", "rfc-v2", "--seeds", "6",
                                "--seed", "40", "--json", dir.file("d.json")},
                               cli::exit_ok);
    CHECK(c.out.starts_with("scenario mb-lazy (" + file +
                            "): v5.10 -> rfc-v2 over 6 seeds 40..45, jitter 20%\n"));
    const Json doc = Json::parse(read_file(dir.file("d.json")));
    require_valid(doc);
    REQUIRE(doc["runs"].size() == 12);
    const auto& sc = doc["seeds"]["scenarios"][0];
    CHECK(doc["seeds"]["count"] == 6);
    CHECK(doc["seeds"]["shard"].is_null());
    REQUIRE(sc["samples"].size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        const auto& s = sc["samples"][i];
        CHECK(s["seed"] == 40 + i);
        CHECK(doc["runs"][s["runs"][0].get<std::size_t>()]["policy"] == "v5.10");
        CHECK(doc["runs"][s["runs"][1].get<std::size_t>()]["policy"] == "rfc-v2");
        CHECK(doc["runs"][s["runs"][1].get<std::size_t>()]["seed"] == 40 + i);
    }
    // Every row's statistics are those of the counter's values in the runs of the document.
    REQUIRE(!sc["counters"].empty());
    for (const auto& row : sc["counters"]) {
        const std::string name = row["name"];
        if (name.starts_with("derived.")) {
            continue;
        }
        for (std::size_t p = 0; p < 2; ++p) {
            double sum = 0;
            for (const auto& s : sc["samples"]) {
                sum += doc["runs"][s["runs"][p].get<std::size_t>()]["counters"]["totals"][name]
                           .get<double>();
            }
            INFO(name << " policy " << p);
            CHECK(row["policies"][p]["mean"].get<double>() == Approx(sum / 6));
        }
    }
    // v5.10 core-syncs in finish_task_switch on every seed, rfc-v2 never: the policy's. And G-SC
    // is violated under rfc-v2 on every seed.
    bool found = false;
    for (const auto& row : sc["counters"]) {
        if (row["name"] == "ser.sync_core@finish_task_switch") {
            found = true;
            CHECK(row["difference"]["verdict"] == "policy");
            CHECK(row["policies"][1]["max"] == 0);
        }
    }
    CHECK(found);
    for (const auto& p : sc["properties"]) {
        CHECK(p["runs"] == (p["property"] == "G-SC" ? Json::array({0, 6}) : Json::array({0, 0})));
    }
    CHECK(c.out.find("    G-SC       v5.10 0  rfc-v2 6 (first: seed 40)\n") != std::string::npos);
    // diff's own object has one entry per seed.
    CHECK(doc["diff"]["scenarios"].size() == 6);
}

TEST_CASE("--seeds output is deterministic", "[cli][seeds]") {
    TempDir dir;
    const std::string file = dir.write("j.toml", jittered_violation());
    const std::vector<std::string> args = {"run", file, "--seeds", "4"};
    const Cmd a = require_code(args, cli::exit_ok);
    const Cmd b = require_code(args, cli::exit_ok);
    CHECK(a.out == b.out);
    // Different seeds give different runs (the jitter is real), so the range is not a point.
    CHECK(a.out.find("ser.total") != std::string::npos);
}

namespace {

/// Runs `args` whole and as `shards` shards, merges the shards (in reverse order) and checks that
/// the merged text and JSON are the one-machine ones.
void check_merge_equals_one_machine(const TempDir& dir, std::vector<std::string> args, int shards) {
    std::vector<std::string> one = args;
    one.insert(one.end(), {"--json", dir.file("one.json")});
    const Cmd whole = require_code(one, cli::exit_ok);
    std::vector<std::string> merge = {"merge"};
    for (int k = shards; k >= 1; --k) {
        const std::string out = dir.file("shard" + std::to_string(k) + ".json");
        std::vector<std::string> a = args;
        a.insert(a.end(), {"--shard", fmt_shard(k, shards), "--json", out});
        const Cmd part = require_code(a, cli::exit_ok);
        CHECK(part.out.find("shard " + fmt_shard(k, shards)) != std::string::npos);
        merge.push_back(out);
    }
    merge.insert(merge.end(), {"--json", dir.file("merged.json")});
    const Cmd merged = require_code(merge, cli::exit_ok);
    CHECK(merged.out == whole.out);
    const Json merged_doc = Json::parse(read_file(dir.file("merged.json")));
    require_valid(merged_doc);
    const Json a = without_wall_seconds(Json::parse(read_file(dir.file("one.json"))));
    const Json b = without_wall_seconds(merged_doc);
    CHECK(a == b);
    CHECK(a.dump() == b.dump());
}

} // namespace

TEST_CASE("shards of diff --seeds merge into the one-machine output", "[cli][seeds][merge]") {
    TempDir dir;
    const std::string file = dir.write("j.toml", jittered_violation());
    check_merge_equals_one_machine(
        dir, {"diff", file, "-p", "v5.10", "-p", "rfc-v2", "--seeds", "7", "--seed", "3"}, 3);
}

TEST_CASE("shards of run --seeds over two scenarios merge into the one-machine output",
          "[cli][seeds][merge]") {
    TempDir dir;
    const std::string a = dir.write("j.toml", jittered_violation());
    const std::string b = dir.write("busy.toml", busy_scenario);
    check_merge_equals_one_machine(dir, {"run", a, b, "--seeds", "5", "--jitter", "10"}, 2);
}

TEST_CASE("merge refuses shards that do not fit, naming the file", "[cli][seeds][merge]") {
    TempDir dir;
    const std::string file = dir.write("j.toml", jittered_violation());
    const auto shard = [&](const std::string& k_n, const std::string& seeds,
                           const std::string& out) {
        require_code({"diff", file, "-p", "v5.10", "-p", "rfc-v2", "--seeds", seeds, "--shard", k_n,
                      "--json", dir.file(out)},
                     cli::exit_ok);
        return dir.file(out);
    };
    const std::string s1 = shard("1/3", "6", "s1.json");
    const std::string s2 = shard("2/3", "6", "s2.json");
    const std::string s3 = shard("3/3", "6", "s3.json");
    const std::string other = shard("3/3", "9", "other.json");
    CHECK(usage_error({"merge", s1, s2}) == "tlbsim: merge: " + s1 + ": shard 3/3 is missing\n");
    CHECK(usage_error({"merge", s1, s2, s2}).find(s2 + ": shard 2/3 again") != std::string::npos);
    CHECK(usage_error({"merge", s1, s2, other}).find(other + ": --seeds 9") != std::string::npos);
    require_code({"run", file, "--json", dir.file("plain.json")}, cli::exit_ok);
    CHECK(usage_error({"merge", dir.file("plain.json")}).find("without \"seeds\"") !=
          std::string::npos);
    require_code({"run", file, "--seeds", "6", "--shard", "3/3", "--json", dir.file("run.json")},
                 cli::exit_ok);
    CHECK(usage_error({"merge", s1, s2, dir.file("run.json")}).find("a run document") !=
          std::string::npos);
    dir.write("broken.json", "{\"schema\": ");
    CHECK(usage_error({"merge", dir.file("broken.json")}).find("not a JSON document") !=
          std::string::npos);
    CHECK(usage_error({"merge", dir.file("absent.json")}).find("cannot be read") !=
          std::string::npos);
    // A shard whose runs were tampered with is refused by name, not merged.
    Json doc = Json::parse(read_file(s3));
    doc["runs"][0].erase("counters");
    dir.write("s3-bad.json", doc.dump());
    CHECK(usage_error({"merge", s1, s2, dir.file("s3-bad.json")}).find("s3-bad.json: ") !=
          std::string::npos);
    require_code({"merge", s1, s2, s3}, cli::exit_ok);
}

TEST_CASE("the first divergence of two schedules", "[cli][diff][divergence]") {
    cli::Schedule a{
        "A", {{100, 0, 1, 2}, {200, 1, 3, 4}, {300, 0, 2, 1}}, {"s0", "t1", "t2", "t3", "t4"}};
    cli::Schedule b = a;
    b.policy = "B";
    CHECK(!cli::first_divergence(a, b));
    CHECK(cli::format_divergence(a, b, std::nullopt) == "schedules identical (3 context switches)");
    // B's second switch comes later on cpu1: the schedules part at A's, t=200 on cpu1.
    b.switches[1].time = 250;
    auto d = cli::first_divergence(a, b);
    REQUIRE(d);
    CHECK(d->time == 200);
    CHECK(d->cpu == 1);
    CHECK(cli::format_divergence(a, b, d) ==
          "schedules first diverge at t=200 on cpu1: A switches t3 -> t4, B switches t3 -> t4 "
          "at t=250");
    // Same time, other task; then one schedule ends first.
    b = a;
    b.policy = "B";
    b.switches[2].next = 0;
    CHECK(cli::format_divergence(a, b, cli::first_divergence(a, b)) ==
          "schedules first diverge at t=300 on cpu0: A switches t2 -> t1, B switches t2 -> s0");
    b.switches.pop_back();
    CHECK(cli::format_divergence(a, b, cli::first_divergence(a, b)) ==
          "schedules first diverge at t=300 on cpu0: A switches t2 -> t1, B makes no further "
          "switch on cpu0");
}

TEST_CASE("diff of one seed says where the schedules first diverge", "[cli][diff][divergence]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Cmd c = require_code(
        {"diff", file, "-p", "v5.10", "-p", "rfc-v2", "--json", dir.file("d.json")}, cli::exit_ok);
    const Json doc = Json::parse(read_file(dir.file("d.json")));
    require_valid(doc);
    const auto& div = doc["diff"]["scenarios"][0]["schedule_divergence"];
    // v5.10 spends a sync_core in finish_task_switch that rfc-v2 does not: a runs its remaining
    // work later under v5.10, so the switch to the idle task at its exit moves.
    REQUIRE(div["identical"] == false);
    const std::string line =
        "  schedules first diverge at t=" + std::to_string(div["time"].get<std::int64_t>()) +
        " on cpu" + std::to_string(div["cpu"].get<int>()) + ": v5.10 switches ";
    CHECK(c.out.find(line) != std::string::npos);
    CHECK(div["a"]["time"] != div["b"]["time"]);

    // The same policy twice: identical schedules.
    const Cmd same = require_code({"diff", file, "-p", "v5.10", "-p", "v5.10"}, cli::exit_ok);
    CHECK(same.out.find("  schedules identical (") != std::string::npos);
}
