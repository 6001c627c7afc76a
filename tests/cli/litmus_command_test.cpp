// `tlbsim litmus` as a user runs it: --witness narrates an execution that shows the answer (or
// says there is none), --check compares with the file's tlbsim-expect line, and a file the
// subset refuses exits with a usage error at its position (cli/litmus_command.cpp).

#include "support.h"

#include <algorithm>
#include <string>
#include <vector>

using namespace clitest;

namespace {

/// SB with membarrier() as P0's fence and a compiler barrier as P1's; the process registered
/// for private expedited membarrier unless `header` says otherwise.
std::string sb_membarrier(const std::string& name, const std::string& header = "") {
    return "C " + name + "\n" + header + R"(
{ x = 0; y = 0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); barrier(); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\ 1:r0=0)
)";
}

/// The same with the process unregistered, and `comment` before the header.
std::string sb_unregistered(const std::string& comment = "") {
    return sb_membarrier("SB+membarrier-unregistered", comment + "tlbsim { register = none; }");
}

const std::string kSbUnregistered = sb_unregistered();

/// The line of `out` that contains `text` and comes first; out.size() when none does.
std::size_t line_with(const std::vector<std::string>& out, const std::string& text) {
    return static_cast<std::size_t>(
        std::find_if(out.begin(), out.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; }) -
        out.begin());
}

} // namespace

TEST_CASE("litmus --witness: an unregistered caller's membarrier fails with EPERM, and the "
          "execution it narrates ends in the state the condition asks for",
          "[cli][litmus]") {
    TempDir dir;
    const Cmd c = tlbsim({"litmus", "--witness", dir.write("sb.litmus", kSbUnregistered)});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    const std::vector<std::string> out = lines(c.out);
    const std::size_t witness = line_with(out, "Witness: an execution that ends in P0:r0=0; "
                                               "P1:r0=0; x=1; y=1;");
    REQUIRE(witness < out.size());
    CHECK(line_with(out, "Observation SB+membarrier-unregistered Sometimes 1 3") < witness);
    // The narrative, after the witness line: the call returns -1 (-EPERM, the process never
    // registered), and both loads read 0 with both stores still buffered.
    const std::vector<std::string> narrative(out.begin() + static_cast<std::ptrdiff_t>(witness),
                                             out.end());
    const std::size_t fails = line_with(narrative, "membarrier(private_expedited) returns -1");
    REQUIRE(fails < narrative.size());
    CHECK(narrative[fails].find("cpu0") != std::string::npos);
    const std::size_t load_y = line_with(narrative, "load y -> 0");
    const std::size_t load_x = line_with(narrative, "load x -> 0");
    REQUIRE(load_y < narrative.size());
    REQUIRE(load_x < narrative.size());
    CHECK(narrative[load_y].find("cpu0") != std::string::npos);
    CHECK(narrative[load_x].find("cpu1") != std::string::npos);
    CHECK(fails < load_y);
    CHECK(line_with(narrative, "store x = 1 leaves the store buffer") > load_y);
    CHECK(line_with(narrative, "store y = 1 leaves the store buffer") > load_x);
}

TEST_CASE("litmus --witness: with the caller registered no execution shows the state, and the "
          "command says so",
          "[cli][litmus]") {
    TempDir dir;
    const Cmd c =
        tlbsim({"litmus", "--witness", dir.write("sb.litmus", sb_membarrier("SB+membarrier"))});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    const std::vector<std::string> out = lines(c.out);
    CHECK(line_with(out, "Observation SB+membarrier Never 0 3") < out.size());
    CHECK(line_with(out, "Witness: none (no state where the condition holds)") < out.size());
    CHECK(line_with(out, "returns") == out.size()); // no narrative
}

TEST_CASE("litmus --witness: a forall condition's witness is a state where it fails",
          "[cli][litmus]") {
    const Cmd c = tlbsim(
        {"litmus", "--witness",
         std::string(TLBSIM_SOURCE_DIR) + "/litmus/tests/CoRR+poonceonce+Once-forall.litmus"});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    const std::vector<std::string> out = lines(c.out);
    CHECK(line_with(out, "Observation CoRR+poonceonce+Once-forall Always 3 0") < out.size());
    CHECK(line_with(out, "Witness: none (no state where the condition fails)") < out.size());
}

TEST_CASE("litmus --check: a result other than the file's tlbsim-expect line exits 1 and names "
          "both",
          "[cli][litmus]") {
    TempDir dir;
    const std::string wrong =
        dir.write("sb.litmus", sb_unregistered("(* tlbsim-expect: Never *)\n"));
    const Cmd c = tlbsim({"litmus", "--check", wrong});
    CHECK(c.code == cli::exit_expectation);
    CHECK(c.err == wrong + ": SB+membarrier-unregistered under v5.10: Observation Sometimes, "
                           "expected Never\n");
    const std::string none = dir.write("none.litmus", kSbUnregistered);
    const Cmd d = tlbsim({"litmus", "--check", none});
    CHECK(d.code == cli::exit_expectation);
    CHECK(d.err.find("expected (no tlbsim-expect line)") != std::string::npos);
    const std::string right =
        dir.write("ok.litmus", sb_unregistered("(* tlbsim-expect: Sometimes *)\n"));
    CHECK(tlbsim({"litmus", "--check", right}).code == cli::exit_ok);
}

TEST_CASE("litmus: a primitive the subset does not model is a usage error at its position",
          "[cli][litmus]") {
    TempDir dir;
    const std::string file = dir.write("bad.litmus", R"(C bad
{ x = 0; }
P0(int *x) { rcu_read_lock(); WRITE_ONCE(*x, 1); }
exists (x=1)
)");
    const Cmd c = tlbsim({"litmus", file});
    CHECK(c.code == cli::exit_usage);
    CHECK(c.out.empty());
    REQUIRE(lines(c.err).size() == 1);
    CHECK(c.err.starts_with(file + ":3:14: 'rcu_read_lock' is not supported"));
}
