#pragma once
// `tlbsim gen`: writes a random valid scenario (gen/generator.h, docs/stress.md).

#include <cstdio>
#include <string>
#include <vector>

namespace cli {

/// Runs `tlbsim gen ARGS...`. Returns the exit code; throws UserError (or a
/// boost::program_options error) for a usage error.
int gen_command(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

/// The same, for the command table (any I/O pair with `out` and `err`).
template <typename IoPair>
int cmd_gen(const std::vector<std::string>& args, const IoPair& io) {
    return gen_command(args, io.out, io.err);
}

} // namespace cli
