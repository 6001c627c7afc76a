#include "cli/options.h"

#include "cli/command.h"

#include <fmt/format.h>

#include "scenario/limits.h"
#include <charconv>

#include <limits>

#include <sstream>

namespace cli {

std::string help_text(const po::options_description& desc) {
    std::ostringstream os;
    os << desc;
    return os.str();
}

po::variables_map parse(const po::options_description& desc,
                        const po::positional_options_description& pos,
                        const std::vector<std::string>& args) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
    return vm;
}

std::optional<po::variables_map> parse_file_command(const po::options_description& desc,
                                                    const std::vector<std::string>& args) {
    po::positional_options_description pos;
    pos.add("file", -1);
    po::variables_map vm = parse(desc, pos, args);
    if (vm.count("help")) {
        return std::nullopt;
    }
    return vm;
}

std::optional<po::variables_map> parse_files_or_help(const po::options_description& desc,
                                                     const std::vector<std::string>& args,
                                                     const Io& io, const std::string& missing,
                                                     const std::string& help_suffix) {
    auto parsed = parse_file_command(desc, args);
    if (!parsed) {
        fmt::print(io.out, "{}{}", help_text(desc), help_suffix);
        return std::nullopt;
    }
    if (!parsed->count("file")) {
        throw UsageError(missing);
    }
    return parsed;
}

std::vector<std::string> strings(const po::variables_map& vm, const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
}

std::optional<std::string> string_opt(const po::variables_map& vm, const char* key) {
    if (!vm.count(key)) {
        return std::nullopt;
    }
    return vm[key].as<std::string>();
}

void add_seed_options(po::options_description& desc) {
    desc.add_options() //
        ("seed", po::value<std::string>(),
         "root seed, 0..2^63-1 as in a scenario file (overrides [machine] seed)")          //
        ("jitter", po::value<int>(), "percent jitter 0..100 (overrides [machine] jitter)") //
        ("delay", po::value<std::vector<std::string>>()->value_name("CPU@AT+EXTRA"),
         "stretch CPU's first step at or after cycle AT by EXTRA cycles (repeatable; replaces "
         "[machine] delays, `none` clears them; what explore prints to replay a finding)");
}

std::uint64_t parse_whole_number(const std::string& text, const char* option, const char* command,
                                 std::uint64_t min, std::uint64_t max) {
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max) {
        throw UsageError(fmt::format("{}: {} must be a whole number from {} to {}, got \"{}\"",
                                     command, option, min, max, text));
    }
    return v;
}

std::uint64_t parse_seed(const std::string& text, const char* command) {
    return parse_whole_number(text, "--seed", command, 0,
                              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
}

run::RunOptions seed_options(const po::variables_map& vm, const char* command) {
    run::RunOptions options;
    if (vm.count("seed")) {
        options.seed = parse_seed(vm["seed"].as<std::string>(), command);
    }
    if (vm.count("jitter")) {
        const int j = vm["jitter"].as<int>();
        if (j < 0 || j > 100) {
            throw UsageError(fmt::format("{}: --jitter must be in 0..100", command));
        }
        options.jitter = j;
    }
    if (vm.count("delay")) {
        options.delays.emplace();
        const auto texts = vm["delay"].as<std::vector<std::string>>();
        if (texts.size() == 1 && texts[0] == "none") {
            return options; // no delays, whatever [machine] delays says
        }
        for (const auto& text : texts) {
            const auto d = scenario::parse_delay(text);
            if (!d || d->at > scenario::limits::cycles || d->extra > scenario::limits::cycles) {
                throw UsageError(fmt::format("{}: --delay expects CPU@AT+EXTRA (e.g. 1@5000+300, "
                                             "EXTRA >= 1, times up to 2^50), got \"{}\"",
                                             command, text));
            }
            options.delays->push_back(*d);
        }
    }
    return options;
}

} // namespace cli
