// `tlbsim check`: one line per scenario x policy, the closing "N passed, N failed" line, the exit
// codes (0 all pass, 1 an expectation failed, 2 a scenario error), and JUnit XML that parses and
// whose counts match its testcase and failure elements.

#include "support.h"

#include "cli/junit.h"

#include <regex>

using namespace clitest;

namespace {

std::string with_wrong_expectation(const std::string& text) {
    // One more [[expect]] block for v5.10 that cannot hold.
    return text + "\n[[expect]]\npolicy = \"v5.10\"\ncounters = { \"ser.redundant\" = 99 }\n";
}

const std::regex closing_line(R"(^\d+ passed, \d+ failed$)");

std::string last_line(const std::string& out) {
    const auto ls = lines(out);
    return ls.empty() ? std::string() : ls.back();
}

void check_junit_counts(const XmlNode& root) {
    REQUIRE(root.name == "testsuites");
    const auto cases = root.all("testcase");
    const auto failures = root.all("failure");
    const auto errors = root.all("error");
    CHECK(root.attrs.at("tests") == std::to_string(cases.size()));
    CHECK(root.attrs.at("failures") == std::to_string(failures.size()));
    CHECK(root.attrs.at("errors") == std::to_string(errors.size()));
    for (const auto* suite : root.all("testsuite")) {
        std::size_t n = 0, f = 0, e = 0;
        for (const auto& c : suite->children) {
            REQUIRE(c.name == "testcase");
            ++n;
            CHECK(c.attrs.count("name") == 1);
            CHECK(c.attrs.count("classname") == 1);
            CHECK(c.attrs.count("time") == 1);
            for (const auto& x : c.children) {
                f += x.name == "failure";
                e += x.name == "error";
                CHECK(x.attrs.count("message") == 1);
                CHECK(x.attrs.count("type") == 1);
            }
        }
        CHECK(suite->attrs.at("tests") == std::to_string(n));
        CHECK(suite->attrs.at("failures") == std::to_string(f));
        CHECK(suite->attrs.at("errors") == std::to_string(e));
    }
}

} // namespace

TEST_CASE("check: all pass, exit 0, closing line", "[cli][check]") {
    TempDir dir;
    dir.write("s/a/v.toml", violation_scenario);
    dir.write("s/b/busy.toml", busy_scenario);
    const Cmd c = tlbsim({"check", dir.file("s"), "--junit", dir.file("j.xml")});
    INFO(c.out << c.err);
    CHECK(c.code == cli::exit_ok);
    CHECK(last_line(c.out) == "4 passed, 0 failed");
    CHECK(std::regex_match(last_line(c.out), closing_line));
    // Directories recursively, sorted: a/v.toml before b/busy.toml; policies as the
    // [[expect]] blocks name them.
    CHECK(lines(c.out) == std::vector<std::string>{"PASS mb-lazy v5.10", "PASS mb-lazy rfc-v2",
                                                   "PASS busy v5.10", "PASS busy rfc-v2",
                                                   "4 passed, 0 failed"});
    const XmlNode root = parse_xml(read_file(dir.file("j.xml")));
    check_junit_counts(root);
    CHECK(root.all("testcase").size() == 4);
    CHECK(root.all("testsuite").size() == 2);
    CHECK(root.all("failure").empty());
}

TEST_CASE("check: a failed expectation prints expected and actual and exits 1", "[cli][check]") {
    TempDir dir;
    dir.write("s/v.toml", violation_scenario);
    dir.write("s/wrong.toml", with_wrong_expectation(busy_scenario));
    const Cmd c = tlbsim({"check", dir.file("s"), "--junit", dir.file("j.xml")});
    INFO(c.out << c.err);
    CHECK(c.code == cli::exit_expectation);
    CHECK(last_line(c.out) == "3 passed, 1 failed");
    // FAIL lines name the scenario, the policy and the file.
    CHECK(c.out.find("FAIL busy v5.10 (" + dir.file("s/wrong.toml") +
                     "): expect[1]: counter ser.redundant: expected 99, actual 1") !=
          std::string::npos);
    CHECK(c.out.find("PASS busy rfc-v2") != std::string::npos);
    const XmlNode root = parse_xml(read_file(dir.file("j.xml")));
    check_junit_counts(root);
    const auto failures = root.all("failure");
    REQUIRE(failures.size() == 1);
    CHECK(failures[0]->text.find("expected 99, actual 1") != std::string::npos);
    CHECK(root.attrs.at("failures") == "1");
}

TEST_CASE("check: a deadlock or a load error is a scenario error, exit 2", "[cli][check]") {
    TempDir dir;
    dir.write("s/d.toml", deadlock_scenario);
    dir.write("s/e.toml", "[machine]\ncpu_count = 2\n");
    dir.write("s/v.toml", violation_scenario);
    const Cmd c = tlbsim({"check", dir.file("s"), "--junit", dir.file("j.xml")});
    INFO(c.out << c.err);
    CHECK(c.code == cli::exit_usage);
    CHECK(last_line(c.out) == "2 passed, 2 failed");
    CHECK(c.out.find("ERROR deadlock v5.10 (" + dir.file("s/d.toml") + "): deadlock") !=
          std::string::npos);
    CHECK(c.out.find("ERROR " + dir.file("s/e.toml") + ": " + dir.file("s/e.toml") +
                     ":2:1: machine.cpu_count: unknown key") != std::string::npos);
    const XmlNode root = parse_xml(read_file(dir.file("j.xml")));
    check_junit_counts(root);
    CHECK(root.all("error").size() == 2);
    CHECK(root.all("failure").empty());
}

TEST_CASE("check: a failure and an error together still exit 2", "[cli][check]") {
    TempDir dir;
    dir.write("s/d.toml", deadlock_scenario);
    dir.write("s/wrong.toml", with_wrong_expectation(busy_scenario));
    const Cmd c = tlbsim({"check", dir.file("s")});
    CHECK(c.code == cli::exit_usage);
    CHECK(std::regex_match(last_line(c.out), closing_line));
}

TEST_CASE("check: usage errors", "[cli][check]") {
    TempDir dir;
    CHECK(tlbsim({"check"}).code == cli::exit_usage);
    CHECK(tlbsim({"check", dir.file("nothing-here")}).code == cli::exit_usage);
    std::filesystem::create_directories(dir.path / "empty");
    CHECK(tlbsim({"check", dir.file("empty")}).code == cli::exit_usage);
    CHECK(tlbsim({"check", "--help"}).code == cli::exit_ok);
}

TEST_CASE("JUnit XML escapes what it must", "[cli][junit]") {
    cli::JunitCase c;
    c.file = "a&b/<x>.toml";
    c.scenario = "quote\"'s";
    c.name = "v5.10";
    c.failures = {"expected <1> & got \"2\"", std::string("control\x01char")};
    const std::string xml = cli::junit_xml({c});
    const XmlNode root = parse_xml(xml);
    check_junit_counts(root);
    const auto tc = root.all("testcase");
    REQUIRE(tc.size() == 1);
    CHECK(tc[0]->attrs.at("file") == "a&b/<x>.toml");
    CHECK(tc[0]->attrs.at("classname") == "tlbsim.quote\"'s");
    REQUIRE(root.all("failure").size() == 1);
    CHECK(root.all("failure")[0]->text.find("expected <1> & got \"2\"") != std::string::npos);
    CHECK(cli::xml_escape("a<b") == "a&lt;b");
}
