#pragma once
// User errors of the command line, and the one way reports reach files.

#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>

namespace cli {

/// The user's mistake or their environment's (a bad option, a missing input, an output file that
/// cannot be written): exit status 2. Anything else that escapes a command is an internal error.
struct UserError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Writes what `write` streams into `path`; throws UserError when the file cannot be opened or
/// written.
void write_output_file(const std::string& path, const std::function<void(std::ostream&)>& write);

} // namespace cli
