#include "cli/explore_shrink.h"

#include "cli/catalog.h"
#include "run/found_scenario.h"
#include "run/shrink.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace cli {

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
        throw UserError(fmt::format("explore: cannot read {} again to shrink it", path));
    }
    return text.str();
}

void make_directory(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) {
        throw UserError(fmt::format("explore: --shrink: cannot create directory {}: {}", dir,
                                    ec ? ec.message() : "not a directory"));
    }
}

/// DIR/NAME.toml, or DIR/NAME-K.toml for the K-th finding (K >= 2); characters outside
/// [A-Za-z0-9._-] of NAME replaced by '_'.
std::string found_path(const std::string& dir, std::string name, std::size_t k) {
    for (char& c : name) {
        const bool plain =
            std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
        c = plain ? c : '_';
    }
    const std::string file = k < 2 ? name + ".toml" : fmt::format("{}-{}.toml", name, k);
    return (std::filesystem::path(dir) / file).string();
}

run::FoundOrigin origin_of(const LoadedScenario& l, const run::ExploreResult& res,
                           const run::Finding& f) {
    run::FoundOrigin o;
    o.file = l.file;
    o.scenario = l.sc.name;
    o.policy = res.policy;
    o.explore_seed = res.options.seed;
    o.run_index = f.plan.index;
    o.signature = f.signature;
    o.policies = l.sc.policies;
    return o;
}

} // namespace

void shrink_findings(const LoadedScenario& l, const run::ExploreResult& res, const std::string& dir,
                     const Io& io) {
    std::size_t k = 0;
    for (std::size_t n = 0; n < res.findings.size(); ++n) {
        const run::Finding& f = res.findings[n];
        if (f.kind != run::Finding::Kind::violation) {
            continue;
        }
        if (k == 0) {
            make_directory(dir);
        }
        const run::ShrinkResult s = run::shrink(read_text(l.file), l.file, scenario_catalog(),
                                                res.policy, f.plan, f.violation());
        const run::FoundOrigin origin = origin_of(l, res, f);
        const std::string path = found_path(dir, run::found_name(origin), ++k);
        const std::string text = run::found_scenario(s, origin, scenario_catalog());
        write_output_file(path, [&](std::ostream& os) { os << text; });
        fmt::print(io.out,
                   "  finding {} shrunk: {} ({} thread{}, {} steps; from {} and {}; {} "
                   "candidates{})\n",
                   n + 1, path, s.threads, s.threads == 1 ? "" : "s", s.steps, s.threads_before,
                   s.steps_before, s.candidates, s.bounded ? ", stopped at the bound" : "");
    }
}

} // namespace cli
