#include "cli/output_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace cli {

void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
    std::ofstream os(path, std::ios::binary);
    if (!os) {
        throw UserError(fmt::format("{}: cannot write ({})", path, std::strerror(errno)));
    }
    write(os);
    os.flush();
    if (!os) {
        throw UserError(fmt::format("{}: write failed", path));
    }
}

std::string per_run_path(const std::string& out, const std::string& scenario,
                         const std::string& policy) {
    const auto clean = [](std::string s) {
        for (char& c : s) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) {
                c = '_';
            }
        }
        return s;
    };
    const std::filesystem::path p(out);
    std::filesystem::path name = p.stem();
    name += "-" + clean(scenario) + "-" + clean(policy);
    name += p.extension();
    return (p.parent_path() / name).string();
}

std::string RunOutputPaths::next(const std::string& out, const std::string& scenario,
                                 const std::string& policy) {
    std::string path = one_run_ ? out : per_run_path(out, scenario, policy);
    for (int n = 2; written_.count(path) > 0; ++n) {
        path = per_run_path(out, fmt::format("{}-{}", scenario, n), policy);
    }
    written_.insert(path);
    return path;
}

} // namespace cli
