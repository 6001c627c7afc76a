#pragma once
// `check --junit OUT`: JUnit XML as GitLab and Jenkins read it. One <testsuite> per scenario
// file, one <testcase> per scenario x policy (name = policy, classname = "tlbsim.<scenario>"),
// a <failure> per failed case with every mismatch in its text, an <error> for a scenario error
// (load error, deadlock, unknown policy).

#include <string>
#include <string_view>
#include <vector>

namespace cli {

struct JunitCase {
    std::string file;     ///< the scenario file (groups cases into suites, in first-seen order)
    std::string scenario; ///< scenario name (the file name when it could not be loaded)
    std::string name;     ///< the policy, or "load" for a file that could not be loaded
    double seconds = 0;
    std::vector<std::string> failures; ///< expectation mismatches
    std::string error;                 ///< non-empty: a scenario error
};

/// Escapes text for XML attributes and content; drops characters XML 1.0 does not allow.
std::string xml_escape(std::string_view s);

std::string junit_xml(const std::vector<JunitCase>& cases);

} // namespace cli
