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

std::string junit_xml(const std::vector<JunitCase>& cases) {
    struct Suite {
        std::string name;
        std::string file;
        std::vector<const JunitCase*> cases;
    };
    std::vector<Suite> suites;
    std::map<std::string, std::size_t> index;
    for (const auto& c : cases) {
        auto [it, fresh] = index.emplace(c.file, suites.size());
        if (fresh) {
            suites.push_back({c.scenario, c.file, {}});
        }
        suites[it->second].cases.push_back(&c);
    }
    auto count = [](const std::vector<const JunitCase*>& cs, bool errors) {
        std::size_t n = 0;
        for (const auto* c : cs) {
            n += errors ? !c->error.empty() : (c->error.empty() && !c->failures.empty());
        }
        return n;
    };
    double total_seconds = 0;
    std::size_t failures = 0;
    std::size_t errors = 0;
    for (const auto& c : cases) {
        total_seconds += c.seconds;
        failures += c.error.empty() && !c.failures.empty();
        errors += !c.error.empty();
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"tlbsim check\" tests=\"{}\" failures=\"{}\" "
                       "errors=\"{}\" time=\"{:.6f}\">\n",
                       cases.size(), failures, errors, total_seconds);
    for (std::size_t s = 0; s < suites.size(); ++s) {
        const auto& suite = suites[s];
        double seconds = 0;
        for (const auto* c : suite.cases) {
            seconds += c->seconds;
        }
        out += fmt::format("  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" "
                           "errors=\"{}\" skipped=\"0\" time=\"{:.6f}\" file=\"{}\">\n",
                           xml_escape(suite.name), s, suite.cases.size(), count(suite.cases, false),
                           count(suite.cases, true), seconds, xml_escape(suite.file));
        for (const auto* c : suite.cases) {
            out += fmt::format("    <testcase name=\"{}\" classname=\"tlbsim.{}\" file=\"{}\" "
                               "time=\"{:.6f}\"",
                               xml_escape(c->name), xml_escape(c->scenario), xml_escape(c->file),
                               c->seconds);
            if (c->error.empty() && c->failures.empty()) {
                out += "/>\n";
                continue;
            }
            out += ">\n";
            if (!c->error.empty()) {
                out += fmt::format(
                    "      <error message=\"{}\" type=\"scenario-error\">{}</error>\n",
                    xml_escape(c->error.substr(0, c->error.find('\n'))), xml_escape(c->error));
            } else {
                std::string text;
                for (const auto& f : c->failures) {
                    text += f + "\n";
                }
                out += fmt::format(
                    "      <failure message=\"{}\" type=\"expectation\">{}</failure>\n",
                    xml_escape(c->failures.size() == 1
                                   ? c->failures.front()
                                   : fmt::format("{} expectations failed; first: {}",
                                                 c->failures.size(), c->failures.front())),
                    xml_escape(text));
            }
            out += "    </testcase>\n";
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    return out;
}

} // namespace cli
