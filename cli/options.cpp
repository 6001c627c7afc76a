#include "cli/options.h"

#include "cli/command.h"

#include <fmt/format.h>

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
    desc.add_options()                                                               //
        ("seed", po::value<std::uint64_t>(), "root seed (overrides [machine] seed)") //
        ("jitter", po::value<int>(), "percent jitter 0..100 (overrides [machine] jitter)");
}

run::RunOptions seed_options(const po::variables_map& vm, const char* command) {
    run::RunOptions options;
    if (vm.count("seed")) {
        options.seed = vm["seed"].as<std::uint64_t>();
    }
    if (vm.count("jitter")) {
        const int j = vm["jitter"].as<int>();
        if (j < 0 || j > 100) {
            throw UsageError(fmt::format("{}: --jitter must be in 0..100", command));
        }
        options.jitter = j;
    }
    return options;
}

} // namespace cli
