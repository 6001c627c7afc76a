// exec's de_thread() against siblings that are exiting or sleeping uninterruptibly (fs/exec.c,
// kernel/signal.c zap_other_threads, kernel/exit.c __exit_signal, v5.10.13). Both cases were
// deadlocks found by scripts/stress (docs/stress.md, "Model bugs").

#include "kernel/support.h"

#include <fmt/format.h>

#include <string>

namespace {

/// a execs at about t=13,000; s1..s4 wait for an event only a signals (after its exec), so
/// de_thread must wake each; s5 runs `user N` and exits by itself.
std::string exec_with_exiting_sibling(int n) {
    std::string s = R"(
[machine]
cpus = 6

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 5000", "exec", "signal never"]
)";
    for (int i = 1; i <= 4; ++i) {
        s += fmt::format("[[thread]]\nname = \"s{}\"\nprocess = \"p\"\ncpu = {}\nprogram = "
                         "[\"wait never\"]\n",
                         i, i);
    }
    return s + fmt::format("[[thread]]\nname = \"s5\"\nprocess = \"p\"\ncpu = 5\nprogram = "
                           "[\"user {}\"]\n",
                           n);
}

} // namespace

TEST_CASE("exec: a sibling leaving the thread group while de_thread signals the others is not "
          "waited for",
          "[lifecycle][exec]") {
    // For N in 9,700..11,200 s5 passes __exit_signal() while de_thread is still signalling
    // s1..s4 (about t=13,100..14,700). zap_other_threads() counts under siglock, which
    // __exit_signal() takes too: s5 is either counted and drops the count, or not counted.
    for (int n = 9500; n <= 11500; n += 100) {
        INFO("user " << n);
        const auto r = run::run_scenario(test::load(exec_with_exiting_sibling(n)), "v5.10", {});
        CHECK(r.error.empty());
    }
}

TEST_CASE("exec: a sibling in synchronize_rcu finishes its grace period before it dies",
          "[lifecycle][exec][rcu]") {
    // b's registration (two users) waits for a grace period in wait_for_completion(), which
    // is TASK_UNINTERRUPTIBLE: a's exec at about t=10,000 kills b, but b sleeps on until the
    // grace period ends, completes the registration, and dies on its way back to user mode.
    const auto r = test::run(R"(
[machine]
cpus = 2

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 10000", "exec", "user 100"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000", "membarrier register_private_expedited label=reg", "user 100"]
)");
    CHECK(test::counter(r, "rcu.sync") == 1);
    REQUIRE(r.results.count("reg") == 1);
    CHECK(r.results.at("reg").value == 0);
    CHECK(r.cycles > 3000000); // rcu_grace_period: b's wait was not cut short
}
