#pragma once
// Option parsing shared by the commands (Boost.Program_options): one description per command,
// `--help` printing it, and the options several commands take (--seed, --jitter).

#include "run/runner.h"

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cli {

namespace po = boost::program_options;

/// `desc` as --help prints it.
std::string help_text(const po::options_description& desc);

po::variables_map parse(const po::options_description& desc,
                        const po::positional_options_description& pos,
                        const std::vector<std::string>& args);

/// Parses a command whose positional arguments are scenario files or directories (`file`);
/// nullopt when --help was asked for (the caller prints its help).
std::optional<po::variables_map> parse_file_command(const po::options_description& desc,
                                                    const std::vector<std::string>& args);

struct Io;

/// parse_file_command and what each file command does with it: on --help, prints `desc`'s help
/// and `help_suffix` to io.out and returns nullopt; a command line without a file is refused
/// with UsageError(`missing`).
std::optional<po::variables_map> parse_files_or_help(const po::options_description& desc,
                                                     const std::vector<std::string>& args,
                                                     const Io& io, const std::string& missing,
                                                     const std::string& help_suffix = "");

/// A repeatable or positional option's values (empty when absent).
std::vector<std::string> strings(const po::variables_map& vm, const char* key);
std::optional<std::string> string_opt(const po::variables_map& vm, const char* key);

/// A decimal whole number in min..max from option `option`'s text. A minus sign, a sign, spaces
/// or trailing junk are refused (Boost.Program_options would wrap "-5" around to 2^64 - 5).
std::uint64_t parse_whole_number(const std::string& text, const char* option, const char* command,
                                 std::uint64_t min, std::uint64_t max);
/// --seed: the domain of [machine] seed (a TOML integer >= 0).
std::uint64_t parse_seed(const std::string& text, const char* command);

/// --seed and --jitter, shared by run, diff and explain.
void add_seed_options(po::options_description& desc);
/// Their values as run options; throws UsageError for a jitter outside 0..100.
run::RunOptions seed_options(const po::variables_map& vm, const char* command);

} // namespace cli
