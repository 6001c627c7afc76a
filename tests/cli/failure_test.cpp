// When tlbsim itself fails: one policy's internal error leaves the other runs printed and in the
// JSON, -v output comes before the error, and the exit status is 3, never 2. And what `check`
// fails on beyond [[expect]]: a violation nobody expected, and with --strict a mechanism warning.
// std::terminate (an exception escaping a noexcept function) is an internal error too.

#include "support.h"

#include "sim/panic.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <exception>

using namespace clitest;

namespace {

/// Sets TLBSIM_TEST_INTERNAL_ERROR for one scope (cli/fault_injection.h).
struct InjectedFault {
    explicit InjectedFault(const std::string& spec) {
        ::setenv("TLBSIM_TEST_INTERNAL_ERROR", spec.c_str(), 1);
    }
    ~InjectedFault() { ::unsetenv("TLBSIM_TEST_INTERNAL_ERROR"); }
    InjectedFault(const InjectedFault&) = delete;
    InjectedFault& operator=(const InjectedFault&) = delete;
};

/// violation_scenario without its [[expect]] blocks.
std::string without_expectations(const std::string& toml) {
    return toml.substr(0, toml.find("[[expect]]"));
}

/// A SIM_ASSERT that fails in a noexcept function: its InternalError cannot leave it, so the
/// runtime calls std::terminate (as for a failed assertion in a destructor).
void fail_in_noexcept(int x) noexcept {
    SIM_ASSERT(x == 0, "forced in a noexcept function ({})", x);
}

struct Terminated {
    int status = -1; ///< the exit status, or -1 when the child did not exit (a signal)
    std::string err;
};

/// Runs `body` in a child process with cli::exit_internal_on_terminate() installed, as main()
/// does, and returns how the child ended and what it wrote to stderr.
template <class Body>
Terminated in_child(Body body) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(pipe_fds[1], STDERR_FILENO);
        ::close(pipe_fds[0]);
        std::signal(SIGABRT, SIG_DFL); // not Catch2's fatal-signal report, from the child
        cli::exit_internal_on_terminate();
        body();
        std::_Exit(0);
    }
    ::close(pipe_fds[1]);
    Terminated t;
    char buf[512];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) {
        t.err.append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    int wstatus = 0;
    REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
    t.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    return t;
}

} // namespace

TEST_CASE("std::terminate is an internal error: one line and exit 3, not SIGABRT",
          "[cli][failure]") {
    // Without the handler both children would die of SIGABRT (status -1 here).
    const Terminated assertion = in_child([] { fail_in_noexcept(7); });
    CHECK(assertion.status == cli::exit_internal);
    CHECK(assertion.err.rfind("tlbsim: internal error at ", 0) == 0);
    CHECK(assertion.err.find("forced in a noexcept function (7) (std::terminate)\n") !=
          std::string::npos);
    CHECK(std::count(assertion.err.begin(), assertion.err.end(), '\n') == 1);

    const Terminated bare = in_child([] { std::terminate(); });
    CHECK(bare.status == cli::exit_internal);
    CHECK(bare.err == "tlbsim: internal error: std::terminate called with no exception in flight "
                      "(std::terminate)\n");
}

TEST_CASE("an internal error in one policy leaves the other runs and their JSON intact",
          "[cli][failure]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const std::string json = dir.file("out.json");
    const Cmd clean = tlbsim({"run", file, "--json", json});
    REQUIRE(clean.code == cli::exit_ok);
    const Json before = Json::parse(read_file(json));

    const InjectedFault fault("rfc-v2:40");
    const Cmd c = tlbsim({"run", file, "--json", json, "-v"});
    INFO(c.out << c.err);
    CHECK(c.code == cli::exit_internal);
    CHECK(c.err.find("rfc-v2: internal error at ") != std::string::npos);
    CHECK(c.err.find("forced at record 40") != std::string::npos);
    CHECK(c.err.find("state at t=") != std::string::npos); // the state dump
    // -v output of both runs was printed, and the table with both columns.
    CHECK(c.out.find("-- mb-lazy under v5.10") != std::string::npos);
    CHECK(c.out.find("-- mb-lazy under rfc-v2") != std::string::npos);
    const Json after = Json::parse(read_file(json));
    REQUIRE(after["runs"].size() == 2);
    CHECK(schema_validator().validate(after).empty());
    // v5.10's run is the same as without the fault (but for the host time it took).
    Json a = after["runs"][0], b = before["runs"][0];
    a.erase("wall_seconds");
    b.erase("wall_seconds");
    CHECK(a == b);
    CHECK(after["runs"][0]["internal_error"].is_null());
    // rfc-v2's run stopped at its 40th record and says why; its counts are partial.
    const Json& broken = after["runs"][1];
    REQUIRE(broken["internal_error"].is_string());
    CHECK(broken["internal_error"].get<std::string>().find("forced at record 40") !=
          std::string::npos);
    CHECK(broken["events"].get<std::int64_t>() < before["runs"][1]["events"].get<std::int64_t>());
}

TEST_CASE("internal errors exit 3 in every command, user errors 2", "[cli][failure]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    {
        const InjectedFault fault("v5.10:10");
        CHECK(tlbsim({"run", file, "--policy", "v5.10"}).code == cli::exit_internal);
        CHECK(tlbsim({"diff", file, "--policy", "v5.10", "--policy", "rfc-v2"}).code ==
              cli::exit_internal);
        CHECK(tlbsim({"explain", file, "--policy", "v5.10", "ser.total"}).code ==
              cli::exit_internal);
        const Cmd check = tlbsim({"check", file});
        CHECK(check.code == cli::exit_internal);
        CHECK(check.out.find("ERROR mb-lazy v5.10 (" + file + "): internal error at ") !=
              std::string::npos);
        CHECK(check.out.find("PASS mb-lazy rfc-v2") != std::string::npos); // the other still ran
    }
    // An output file that cannot be written is the user's problem: exit 2.
    const Cmd unwritable = tlbsim({"run", file, "--json", dir.file("no/such/dir/out.json")});
    CHECK(unwritable.code == cli::exit_usage);
    CHECK(unwritable.err.find("cannot write") != std::string::npos);
}

TEST_CASE("check fails on a violation that no [[expect]] block states", "[cli][check]") {
    TempDir dir;
    // rfc-v2 violates G-SC; with no [[expect]] at all the run is a FAIL, v5.10's a PASS.
    const std::string bare = dir.write("bare.toml", without_expectations(violation_scenario));
    const Cmd c = tlbsim({"check", bare});
    INFO(c.out);
    CHECK(c.code == cli::exit_expectation);
    CHECK(c.out.find("PASS mb-lazy v5.10") != std::string::npos);
    CHECK(c.out.find("FAIL mb-lazy rfc-v2 (" + bare +
                     "): violations: none expected (no [[expect]] block for rfc-v2 states "
                     "`violations`), actual [G-SC]") != std::string::npos);
    CHECK(c.out.find("1 passed, 1 failed") != std::string::npos);
    // A block that pins counters but states no violations does not make the violation expected.
    const std::string counters_only = dir.write(
        "counters.toml", without_expectations(violation_scenario) +
                             "[[expect]]\npolicy = \"rfc-v2\"\ncounters = { \"ser.total\" = "
                             "6 }\n");
    const Cmd d = tlbsim({"check", counters_only});
    CHECK(d.out.find("FAIL mb-lazy rfc-v2") != std::string::npos);
    // Stating it, as the negative controls do, passes.
    CHECK(tlbsim({"check", dir.write("full.toml", violation_scenario)}).code == cli::exit_ok);
}

TEST_CASE("check --strict fails on a mechanism warning no [[expect]] block pins", "[cli][check]") {
    TempDir dir;
    // Under rfc-v2 the missing switch-in sync shows as a K2 warning besides the violation.
    const std::string file = dir.write("v.toml", violation_scenario);
    const Cmd plain = tlbsim({"check", file});
    REQUIRE(plain.code == cli::exit_ok);
    const Cmd strict = tlbsim({"check", "--strict", file});
    INFO(strict.out);
    CHECK(strict.code == cli::exit_expectation);
    CHECK(strict.out.find("FAIL mb-lazy rfc-v2 (" + file + "): warning.K2 = ") !=
          std::string::npos);
    // The FAIL line names the first such warning, so the log says where to look.
    CHECK(strict.out.find("pins (--strict); first: K2 on cpu0 at t=") != std::string::npos);
    CHECK(strict.out.find("PASS mb-lazy v5.10") != std::string::npos);
}
