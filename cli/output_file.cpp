#include "cli/output_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
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

} // namespace cli
