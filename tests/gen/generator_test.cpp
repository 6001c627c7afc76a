// The scenario generator: what it writes loads through the strict loader at every size from 1 to
// 4,096 CPUs, is the same for the same parameters, covers every kind of step it promises, and
// runs to completion (no deadlock, no run error) under every preset, with and without jitter.

#include "cli/catalog.h"
#include "cli/commands.h"
#include "gen/generator.h"
#include "policy/presets.h"
#include "run/runner.h"
#include "scenario/steps.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace {

scenario::Scenario load(const gen::GenParams& p) {
    const std::string text = gen::generate(p);
    INFO("cpus " << p.cpus << " seed " << p.seed);
    try {
        return scenario::load_string(text, "gen.toml", cli::scenario_catalog());
    } catch (const scenario::ScenarioError& e) {
        FAIL(e.what());
    }
    return {};
}

gen::GenParams mix(int cpus, std::uint64_t seed, int steps = 10) {
    gen::GenParams p;
    p.cpus = cpus;
    p.seed = seed;
    p.steps = steps;
    return p;
}

/// Every step's first word, and every membarrier command, in `steps` (repeat bodies included).
void collect(const std::vector<scenario::Step>& steps, std::set<std::string>& words) {
    for (const scenario::Step& st : steps) {
        if (st.op == scenario::Op::membarrier) {
            words.insert("membarrier " + st.notes().cmd_name);
        }
        if (st.op == scenario::Op::flush_tlb) {
            words.insert(st.freed_tables ? "flush_tlb freed_tables" : "flush_tlb");
        }
        words.insert(std::string(scenario::step_info(st.op).name));
        collect(st.body, words);
    }
}

struct Captured {
    int code = 0;
    std::string out, err;
};

std::string slurp(std::FILE* f) {
    std::rewind(f);
    std::string text;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, f)) {
        text.append(buf, n);
    }
    std::fclose(f);
    return text;
}

Captured tlbsim(const std::vector<std::string>& args) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Captured c;
    c.code = cli::run_command_line(args, out, err);
    c.out = slurp(out);
    c.err = slurp(err);
    return c;
}

} // namespace

TEST_CASE("gen: scenarios of 1 to 4,096 CPUs load through the strict loader", "[gen]") {
    for (const int cpus : {1, 2, 3, 4, 5, 8, 13, 16, 64, 256, 1024, 4096}) {
        const int seeds = cpus <= 16 ? 40 : cpus <= 256 ? 8 : 2;
        for (int s = 0; s < seeds; ++s) {
            const scenario::Scenario sc = load(mix(cpus, static_cast<std::uint64_t>(s) * 7919));
            CHECK(sc.machine.cpus == cpus);
            CHECK_FALSE(sc.threads.empty());
        }
    }
}

TEST_CASE("gen: the jit profile has the workload it names", "[gen]") {
    gen::GenParams p;
    p.profile = gen::Profile::jit;
    p.cpus = 64;
    p.threads = 1000;
    p.seed = 5;
    const scenario::Scenario sc = load(p);
    CHECK(sc.threads.size() == 1000);
    CHECK(sc.machine.timeslice > 0);
    REQUIRE(sc.processes.size() >= 3);
    CHECK(sc.processes[0].registrations ==
          std::vector{scenario::Registration::private_expedited_sync_core});
    CHECK(sc.processes[1].registrations == std::vector{scenario::Registration::private_expedited});
    std::set<std::string> words;
    for (const auto& t : sc.threads) {
        collect(t.program, words);
    }
    CHECK(words.count("membarrier private_expedited_sync_core") == 1);
    CHECK(words.count("membarrier private_expedited") == 1);
    CHECK(words.count("flush_tlb") == 1);
    CHECK(words.count("flush_tlb freed_tables") == 1);
}

TEST_CASE("gen: the same parameters give the same text, another seed another", "[gen]") {
    for (const auto profile : {gen::Profile::mix, gen::Profile::jit}) {
        gen::GenParams p = mix(8, 42);
        p.profile = profile;
        const std::string a = gen::generate(p);
        CHECK(a == gen::generate(p));
        p.seed = 43;
        CHECK(a != gen::generate(p));
    }
}

TEST_CASE("gen: over a few seeds, the mix has every kind of step it promises", "[gen]") {
    std::set<std::string> words;
    for (std::uint64_t s = 0; s < 30; ++s) {
        gen::GenParams p = mix(4, s);
        p.efi = true;
        for (const auto& t : load(p).threads) {
            collect(t.program, words);
        }
    }
    // Every step of the step table (`end` closes a repeat), and every membarrier command.
    for (const scenario::StepInfo& step : scenario::step_table()) {
        INFO(step.name);
        CHECK((step.closes_repeat || words.count(std::string(step.name)) == 1));
    }
    CHECK(words.count("flush_tlb freed_tables") == 1);
    for (const scenario::MembarrierCommand& cmd : scenario::membarrier_commands()) {
        INFO(cmd.name);
        CHECK(words.count("membarrier " + std::string(cmd.name)) == 1);
    }
}

TEST_CASE("gen: scenarios run to completion under every preset, with and without jitter", "[gen]") {
    for (std::uint64_t s = 0; s < 12; ++s) {
        const int cpus = 1 + static_cast<int>(s % 6);
        const scenario::Scenario sc = load(mix(cpus, s, 8));
        for (const auto& preset : policy::presets()) {
            for (const int jitter : {0, 30}) {
                run::RunOptions o;
                o.jitter = jitter;
                const run::RunResult r = run::run_scenario(sc, std::string(preset.name), o);
                INFO("seed " << s << " cpus " << cpus << " " << preset.name << " jitter "
                             << jitter);
                CHECK(r.error.empty());
                CHECK_FALSE(r.reached_max_cycles);
            }
        }
    }
}

TEST_CASE("gen: parameters out of range are usage errors", "[gen]") {
    CHECK(gen::check_params(mix(1, 0)).empty());
    CHECK(gen::check_params(mix(4096, 0)).empty());
    CHECK(gen::check_params(mix(0, 0)) == "--cpus must be in 1..4096 (got 0)");
    CHECK(gen::check_params(mix(4097, 0)) == "--cpus must be in 1..4096 (got 4097)");
    gen::GenParams p = mix(4, 0);
    p.threads = 2;
    p.processes = 3;
    CHECK(gen::check_params(p) ==
          "--processes (3) must not exceed --threads (2): every process has a thread");
    p = mix(4, 0, 0);
    CHECK(gen::check_params(p) == "--steps must be in 1..1000 (got 0)");
    p = mix(4, 0);
    p.profile = gen::Profile::jit;
    p.processes = 2;
    CHECK(gen::check_params(p) == "--processes must be 0 or at least 3 with --profile jit (jit, "
                                  "pe and the mappers; got 2)");
}

TEST_CASE("tlbsim gen writes the file, validates its options", "[gen][cli]") {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("tlbsim-gen-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "g.toml").string();
    const Captured ok = tlbsim({"gen", "--cpus", "16", "--seed", "9", "-o", file});
    CHECK(ok.code == cli::exit_ok);
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == gen::generate(mix(16, 9)));
    CHECK(text.str().find("tlbsim gen --profile mix --cpus 16 --steps 10 --seed 9") !=
          std::string::npos);
    std::filesystem::remove_all(dir);

    const Captured out = tlbsim({"gen", "--cpus", "2", "--seed", "1"});
    CHECK(out.code == cli::exit_ok);
    CHECK(out.out == gen::generate(mix(2, 1)));

    const Captured bad = tlbsim({"gen", "--cpus", "5000"});
    CHECK(bad.code == cli::exit_usage);
    CHECK(bad.err == "tlbsim: gen: --cpus must be in 1..4096 (got 5000)\n");
    const Captured profile = tlbsim({"gen", "--profile", "jitt"});
    CHECK(profile.code == cli::exit_usage);
    CHECK(profile.err == "tlbsim: gen: unknown profile \"jitt\" (expected one of: mix, jit)\n");
    CHECK(tlbsim({"gen", "--help"}).code == cli::exit_ok);
    const Captured unwritable = tlbsim({"gen", "-o", "/nonexistent-dir/g.toml"});
    CHECK(unwritable.code == cli::exit_usage);
    CHECK(unwritable.err.rfind("tlbsim: /nonexistent-dir/g.toml: cannot write", 0) == 0);
}
