#include "cli/gen_command.h"

#include "cli/catalog.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output_file.h"
#include "gen/generator.h"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sstream>
#include <stdexcept>

namespace po = boost::program_options;

namespace cli {

namespace {

po::options_description gen_options() {
    po::options_description desc("usage: tlbsim gen [OPTIONS]\n\n"
                                 "Writes a random valid scenario: the same options and seed give "
                                 "the same file.\n\noptions");
    desc.add_options()          //
        ("help,h", "this help") //
        ("profile", po::value<std::string>()->default_value("mix"),
         "mix (every kind of step, for fuzzing) or jit (a JIT process, a PRIVATE_EXPEDITED "
         "process and page-unmapping threads under a tick)")                                    //
        ("cpus", po::value<int>()->default_value(4), "CPUs, 1..4096")                           //
        ("threads", po::value<int>()->default_value(0), "user threads (0: chosen from --cpus)") //
        ("processes", po::value<int>()->default_value(0), "processes (0: chosen)")              //
        ("kthreads", po::value<int>()->default_value(-1), "kernel threads (-1: chosen; mix)")   //
        ("steps", po::value<int>()->default_value(10), "mean program length in steps")          //
        ("efi", "also efi_call in kernel threads (mix)")                                        //
        ("seed", po::value<std::string>()->default_value("0"), "seed, 0..2^63-1")               //
        ("output,o", po::value<std::string>(), "write to this file instead of stdout");
    return desc;
}

gen::GenParams params_of(const po::variables_map& vm) {
    gen::GenParams p;
    const std::string profile = vm["profile"].as<std::string>();
    const auto named = gen::profile_named(profile);
    if (!named) {
        throw UserError(fmt::format("gen: unknown profile \"{}\" (expected one of: {})", profile,
                                    fmt::join(gen::profile_names(), ", ")));
    }
    p.profile = *named;
    p.cpus = vm["cpus"].as<int>();
    p.threads = vm["threads"].as<int>();
    p.processes = vm["processes"].as<int>();
    p.kthreads = vm["kthreads"].as<int>();
    p.steps = vm["steps"].as<int>();
    p.efi = vm.count("efi") > 0;
    p.seed = parse_seed(vm["seed"].as<std::string>(), "gen");
    if (const std::string why = gen::check_params(p); !why.empty()) {
        throw UserError("gen: " + why);
    }
    return p;
}

} // namespace

int gen_command(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    const po::options_description desc = gen_options();
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::ostringstream os;
        os << desc;
        fmt::print(out, "{}", os.str());
        return exit_ok;
    }
    const gen::GenParams p = params_of(vm);
    const std::string text = gen::generate(p);
    const std::string file = vm.count("output") ? vm["output"].as<std::string>() : "<generated>";
    // The generator's contract: whatever it writes loads through the strict loader.
    try {
        (void)scenario::load_string(text, file, scenario_catalog());
    } catch (const scenario::ScenarioError& e) {
        fmt::print(err, "tlbsim: internal error: the generated scenario does not load: {}\n",
                   e.what());
        return exit_internal;
    }
    if (vm.count("output")) {
        write_output_file(file, [&](std::ostream& os) { os << text; });
    } else {
        fmt::print(out, "{}", text);
    }
    return exit_ok;
}

} // namespace cli
