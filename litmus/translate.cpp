// A litmus test as the scenario file it stands for (docs/litmus.md).

#include "litmus/litmus.h"

#include <fmt/format.h>

#include <set>

namespace litmus {

namespace {

std::string quoted_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", items[i]);
    }
    return out + "]";
}

/// The variables, all in process p: "{ x = 0, y = 1 }".
std::string variables_table(const LitmusTest& t) {
    std::string out = "{ ";
    for (std::size_t i = 0; i < t.variables.size(); ++i) {
        out += fmt::format("{}{} = {}", i == 0 ? "" : ", ", t.variables[i].first,
                           t.variables[i].second);
    }
    return out + " }";
}

std::string processes(const LitmusTest& t) {
    std::string out = fmt::format("[[process]]\nname = \"p\"\n");
    if (!t.registration.empty()) {
        out += fmt::format("register = {}\n", quoted_list(t.registration));
    }
    if (!t.variables.empty()) {
        out += fmt::format("variables = {}\n", variables_table(t));
    }
    std::set<std::string> others;
    for (const LitmusThread& th : t.threads) {
        if (th.process != "p" && others.insert(th.process).second) {
            out += fmt::format("\n[[process]]\nname = \"{}\"\n", th.process);
        }
    }
    return out;
}

std::string thread(const LitmusThread& th) {
    std::string out = fmt::format("\n[[thread]]\nname = \"{}\"\nprocess = \"{}\"\ncpu = {}\n",
                                  th.name, th.process, th.cpu);
    if (th.start != 0) {
        out += fmt::format("start = {}\n", th.start);
    }
    // The last step is user code: an exhaustive search may hold the thread there until the
    // others have gone on, since its exit's locked operations would drain its store buffer.
    std::vector<std::string> program = th.program;
    program.emplace_back("user 1");
    return out + fmt::format("program = {}\n", quoted_list(program));
}

} // namespace

std::string to_toml(const LitmusTest& t) {
    std::string out = fmt::format("# {} ({}), as tlbsim litmus reads it\nname = \"{}\"\n\n", t.name,
                                  t.file, t.name);
    out += fmt::format("[machine]\ncpus = {}\nmemory = \"tso\"\n\n", t.cpus);
    out += processes(t);
    for (const LitmusThread& th : t.threads) {
        out += thread(th);
    }
    return out;
}

} // namespace litmus
