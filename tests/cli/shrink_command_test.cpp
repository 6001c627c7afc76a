// `tlbsim explore --shrink DIR` (docs/explore.md, Shrinking): writes each violation's shrunk
// scenario to DIR, prints its path and size, and the file passes `tlbsim check`.

#include "support.h"

using namespace clitest;

TEST_CASE("explore --shrink writes a scenario that check passes and run replays", "[shrink]") {
    const TempDir dir;
    const std::string src = std::string(TLBSIM_SOURCE_DIR) + "/scenarios/explore/jit-idle.toml";
    const std::string out = dir.file("found/deeper");
    const Cmd c = tlbsim({"explore", src, "--policy", "rfc-v2", "--runs", "2000", "--shrink", out});
    CHECK(c.code == cli::exit_expectation);
    const std::string file = out + "/jit-idle-rfc-v2-found.toml";
    CHECK(c.out.find("finding 1 shrunk: " + file + " (2 threads, ") != std::string::npos);

    const Cmd check = tlbsim({"check", file});
    CHECK(check.code == cli::exit_ok);
    CHECK(check.out.find("3 passed, 0 failed") != std::string::npos);
    const Cmd run = tlbsim({"run", file, "--policy", "rfc-v2"});
    CHECK(run.code == cli::exit_ok);
    CHECK(run.out.find("violation (rfc-v2): G-SC on cpu1") != std::string::npos);
}

TEST_CASE("explore --shrink: usage errors and no file when nothing is found", "[shrink]") {
    const TempDir dir;
    const std::string src = std::string(TLBSIM_SOURCE_DIR) + "/scenarios/explore/jit-idle.toml";
    const Cmd empty = tlbsim({"explore", src, "--policy", "rfc-v2", "--shrink", ""});
    CHECK(empty.code == cli::exit_usage);
    CHECK(lines(empty.err).size() == 1);
    const std::string not_dir = dir.write("file.txt", "x");
    const Cmd bad = tlbsim({"explore", src, "--policy", "rfc-v2", "--shrink", not_dir});
    CHECK(bad.code == cli::exit_usage);
    CHECK(lines(bad.err).size() == 1);

    const Cmd none =
        tlbsim({"explore", src, "--policy", "v5.10", "--runs", "50", "--shrink", dir.file("none")});
    CHECK(none.code == cli::exit_ok);
    CHECK_FALSE(std::filesystem::exists(dir.file("none")));
}
