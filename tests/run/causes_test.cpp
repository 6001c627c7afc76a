// The checker's causes on the bundled scenarios that show each known gap, and on violations
// that are neither: the cause comes from the records, so it must be right on real runs too.

#include "cli/catalog.h"
#include "run/runner.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

/// Runs scenarios/FOLDER/NAME (FOLDER "history" unless NAME has a folder) under `policy`.
run::RunResult run_history(const std::string& name, const std::string& policy) {
    const std::string rel = name.find('/') == std::string::npos ? "history/" + name : name;
    const auto sc = cli::load_scenario(std::string(TLBSIM_SOURCE_DIR) + "/scenarios/" + rel);
    return run::run_scenario(sc, policy, {});
}

/// The causes of `r`'s reports of `property` (all of them must be present).
std::vector<check::Cause> causes(const run::RunResult& r, const std::string& property) {
    std::vector<check::Cause> out;
    for (const auto& v : r.violation_reports) {
        if (v.property == property) {
            out.push_back(v.cause);
        }
    }
    return out;
}

} // namespace

TEST_CASE("causes: kthread-use-mm.toml fails G-SC through the kthread_use_mm gap", "[causes]") {
    for (const char* policy : {"v5.10", "mainline", "neg-no-post-switch-fb"}) {
        INFO(policy);
        const auto r = run_history("kthread-use-mm.toml", policy);
        CHECK(causes(r, "G-SC") == std::vector{check::Cause::kthread_use_mm});
    }
}

TEST_CASE("causes: registration-race.toml fails G-MB through the registration race", "[causes]") {
    for (const char* policy : {"v5.10", "rfc-v2", "rfc-v2-intended"}) {
        INFO(policy);
        const auto r = run_history("registration-race.toml", policy);
        CHECK(causes(r, "G-MB") == std::vector{check::Cause::registration_race});
    }
}

TEST_CASE("causes: violations through other mechanisms have none", "[causes]") {
    // P3d: after an EFI call the switch to t2 takes the same-mm return (no kthread_use_mm).
    CHECK(causes(run_history("efi-call.toml", "rfc-v2-intended"), "G-SC") ==
          std::vector{check::Cause::none});
    // v4.16 trusts the IPI's IRET and never syncs the caller's CPU.
    const auto r = run_history("caller-cpu.toml", "v4.16");
    CHECK(causes(r, "G-SC") == std::vector{check::Cause::none});
    CHECK(causes(r, "G-SC-SELF") == std::vector{check::Cause::none});
}

TEST_CASE("causes: the stress suite's findings are recognised on their scenarios", "[causes]") {
    for (const char* policy : {"v5.10", "rfc-v2-intended", "luto-2021", "mainline"}) {
        INFO(policy);
        CHECK(causes(run_history("stress/registration-lazy-cpu.toml", policy), "G-MB") ==
              std::vector{check::Cause::registration_lazy_cpu});
    }
    for (const char* policy : {"luto-2021", "mainline"}) {
        INFO(policy);
        CHECK(causes(run_history("stress/cleared-lazy-cpu.toml", policy), "G-MB") ==
              std::vector{check::Cause::cleared_lazy_cpu});
    }
    // v5.10 does not clear the runqueue in exit_mm.
    CHECK(run_history("stress/cleared-lazy-cpu.toml", "v5.10").violations.empty());
    CHECK(causes(run_history("stress/use-mm-lazy-cpu.toml", "v5.10"), "G-MB") ==
          std::vector{check::Cause::use_mm_lazy_cpu});
    CHECK(causes(run_history("stress/use-mm-lazy-cpu.toml", "mainline"), "G-MB") ==
          std::vector{check::Cause::cleared_lazy_cpu});
}
