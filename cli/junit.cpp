#include "cli/junit.h"

#include <fmt/format.h>

#include <map>

namespace cli {

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') {
                out += '?';
            } else {
                out += ch;
            }
        }
    }
    return out;
}

namespace {

/// The cases of one scenario file.
struct Suite {
    std::string name;
    std::string file;
    std::vector<const JunitCase*> cases;
};

/// Cases grouped by file, in first-seen order.
std::vector<Suite> group_suites(const std::vector<JunitCase>& cases) {
    std::vector<Suite> suites;
    std::map<std::string, std::size_t> index;
    for (const auto& c : cases) {
        auto [it, fresh] = index.emplace(c.file, suites.size());
        if (fresh) {
            suites.push_back({c.scenario, c.file, {}});
        }
        suites[it->second].cases.push_back(&c);
    }
    return suites;
}

bool is_error(const JunitCase& c) {
    return !c.error.empty();
}

bool is_failure(const JunitCase& c) {
    return c.error.empty() && !c.failures.empty();
}

/// How many cases are failures, how many errors, and their seconds.
struct Counts {
    std::size_t failures = 0;
    std::size_t errors = 0;
    double seconds = 0;

    void add(const JunitCase& c) {
        failures += is_failure(c) ? 1 : 0;
        errors += is_error(c) ? 1 : 0;
        seconds += c.seconds;
    }
};

std::string failure_xml(const JunitCase& c) {
    std::string text;
    for (const auto& f : c.failures) {
        text += f + "\n";
    }
    const std::string message = c.failures.size() == 1
                                    ? c.failures.front()
                                    : fmt::format("{} expectations failed; first: {}",
                                                  c.failures.size(), c.failures.front());
    return fmt::format("      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                       xml_escape(message), xml_escape(text));
}

std::string testcase_xml(const JunitCase& c) {
    std::string out =
        fmt::format("    <testcase name=\"{}\" classname=\"tlbsim.{}\" file=\"{}\" "
                    "time=\"{:.6f}\"",
                    xml_escape(c.name), xml_escape(c.scenario), xml_escape(c.file), c.seconds);
    if (!is_error(c) && !is_failure(c)) {
        return out + "/>\n";
    }
    out += ">\n";
    if (is_error(c)) {
        out += fmt::format("      <error message=\"{}\" type=\"scenario-error\">{}</error>\n",
                           xml_escape(c.error.substr(0, c.error.find('\n'))), xml_escape(c.error));
    } else {
        out += failure_xml(c);
    }
    return out + "    </testcase>\n";
}

std::string testsuite_xml(const Suite& suite, std::size_t id) {
    Counts n;
    for (const auto* c : suite.cases) {
        n.add(*c);
    }
    std::string out = fmt::format("  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" "
                                  "errors=\"{}\" skipped=\"0\" time=\"{:.6f}\" file=\"{}\">\n",
                                  xml_escape(suite.name), id, suite.cases.size(), n.failures,
                                  n.errors, n.seconds, xml_escape(suite.file));
    for (const auto* c : suite.cases) {
        out += testcase_xml(*c);
    }
    return out + "  </testsuite>\n";
}

} // namespace

std::string junit_xml(const std::vector<JunitCase>& cases) {
    Counts n;
    for (const auto& c : cases) {
        n.add(c);
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"tlbsim check\" tests=\"{}\" failures=\"{}\" "
                       "errors=\"{}\" time=\"{:.6f}\">\n",
                       cases.size(), n.failures, n.errors, n.seconds);
    const std::vector<Suite> suites = group_suites(cases);
    for (std::size_t s = 0; s < suites.size(); ++s) {
        out += testsuite_xml(suites[s], s);
    }
    out += "</testsuites>\n";
    return out;
}

} // namespace cli
