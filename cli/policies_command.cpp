// `tlbsim policies`: the presets and knobs (text or --markdown), how two presets differ
// (--diff A B), and which knobs flip a scenario's verdict between two policies (--bisect A B FILE).

#include "cli/catalog.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/run_pipeline.h"
#include "policy/presets.h"
#include "run/bisect.h"
#include "run/runner.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

namespace cli {

namespace {

std::string_view knob_type_name(policy::KnobType t) {
    return t == policy::KnobType::boolean ? "bool" : "enumeration";
}

/// Markdown table cells may not contain '|' or newlines.
std::string md_cell(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

void presets_markdown(const Io& io) {
    fmt::print(io.out, "### Presets\n\n| preset | history | models |\n|---|---|---|\n");
    for (const auto& p : policy::presets()) {
        fmt::print(io.out, "| `{}` | {} | {} |\n", p.name, md_cell(p.history), md_cell(p.models));
    }
}

void knobs_markdown(const Io& io) {
    fmt::print(io.out,
               "\n### Knobs\n\n| knob | type | values | description | kernels and sources |\n"
               "|---|---|---|---|---|\n");
    for (const auto& k : policy::knob_table()) {
        std::string values;
        for (const auto& v : k.values) {
            values += (values.empty() ? "" : ", ") + fmt::format("`{}`", v);
        }
        fmt::print(io.out, "| `{}` | {} | {} | {} | {} |\n", k.name, knob_type_name(k.type),
                   values.empty() ? "`true`, `false`" : values, md_cell(k.description),
                   md_cell(k.kernels));
    }
}

void knob_values_markdown(const Io& io) {
    fmt::print(io.out, "\n### Knob values per preset\n\n| knob |");
    for (const auto& p : policy::presets()) {
        fmt::print(io.out, " `{}` |", p.name);
    }
    fmt::print(io.out, "\n|---|");
    for (std::size_t i = 0; i < policy::presets().size(); ++i) {
        fmt::print(io.out, "---|");
    }
    fmt::print(io.out, "\n");
    for (const auto& k : policy::knob_table()) {
        fmt::print(io.out, "| `{}` |", k.name);
        for (const auto& p : policy::presets()) {
            fmt::print(io.out, " `{}` |", policy::knob_value(p.knobs, k.name));
        }
        fmt::print(io.out, "\n");
    }
}

void policies_text(const Io& io) {
    fmt::print(io.out, "presets:\n");
    for (const auto& p : policy::presets()) {
        fmt::print(io.out, "  {:<16} {}\n", p.name, p.models);
    }
    fmt::print(io.out, "\nknobs:\n");
    for (const auto& k : policy::knob_table()) {
        fmt::print(io.out, "  {}: {}\n    kernels: {}\n", k.name, k.description, k.kernels);
        for (const auto& p : policy::presets()) {
            fmt::print(io.out, "    {:<16} {}\n", p.name, policy::knob_value(p.knobs, k.name));
        }
    }
}

/// The one scenario file an option names (not a directory).
scenario::Scenario load_one_scenario(const std::string& path, const char* option) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw UsageError(
            fmt::format("policies {}: {} is a directory; give one scenario file", option, path));
    }
    return load_scenario(path);
}

/// --diff A B [FILE]: presets, or also FILE's [[policy]] definitions.
void diff_policies(const std::vector<std::string>& words, const Io& io) {
    if (words.size() != 2 && words.size() != 3) {
        throw UsageError("policies --diff takes A B [FILE]");
    }
    const scenario::Scenario sc =
        words.size() == 3 ? load_one_scenario(words[2], "--diff") : scenario::Scenario{};
    check_policies(sc, words.size() == 3 ? words[2] : "policies --diff", {words[0], words[1]});
    const policy::Knobs a = *run::resolve_policy(sc, words[0]);
    const policy::Knobs b = *run::resolve_policy(sc, words[1]);
    int differences = 0;
    for (const auto& k : policy::knob_table()) {
        const auto va = policy::knob_value(a, k.name);
        const auto vb = policy::knob_value(b, k.name);
        if (va != vb) {
            fmt::print(io.out, "{}: {} -> {}\n  {}\n", k.name, va, vb, k.description);
            ++differences;
        }
    }
    if (differences == 0) {
        fmt::print(io.out, "{} and {} set every knob alike\n", words[0], words[1]);
    }
}

void print_bisection(const run::BisectResult& b, const std::string& scenario,
                     const std::string& a_name, const std::string& b_name, const Io& io) {
    auto show = [](const std::vector<std::string>& v) {
        return v.empty() ? std::string("holds") : fmt::format("violates {}", fmt::join(v, ", "));
    };
    fmt::print(io.out, "{} under {}: {}\n{} under {}: {}\n", scenario, a_name, show(b.verdict_a),
               scenario, b_name, show(b.verdict_b));
    fmt::print(io.out, "knobs that differ: {}\n", fmt::join(b.differing, ", "));
    if (!b.flips) {
        fmt::print(io.out, "the verdict is the same: nothing to bisect\n");
    } else if (b.culprit.empty()) {
        fmt::print(io.out,
                   "no subset of the knobs reproduces {}'s verdict from {} within {} runs\n",
                   b_name, a_name, b.runs);
    } else {
        fmt::print(io.out, "smallest flipping set ({} runs): {}\n", b.runs,
                   fmt::join(b.culprit, ", "));
        for (const auto& k : b.culprit) {
            fmt::print(io.out, "  {}: {}\n", k, policy::find_knob(k)->description);
        }
    }
}

/// --bisect A B FILE: the runs first (run::bisect), then the answer.
void bisect_policies(const std::vector<std::string>& words, const Io& io) {
    if (words.size() != 3) {
        throw UsageError("policies --bisect takes A B FILE");
    }
    const scenario::Scenario sc = load_one_scenario(words[2], "--bisect");
    check_policies(sc, words[2], {words[0], words[1]});
    const run::BisectResult b = run::bisect(sc, words[0], words[1]);
    print_bisection(b, sc.name, words[0], words[1], io);
}

po::options_description policies_options() {
    po::options_description desc(
        "tlbsim policies [--diff A B [FILE]] [--bisect A B FILE] [--markdown]");
    desc.add_options()("help,h", "this help") //
        ("diff", po::value<std::vector<std::string>>()->multitoken(),
         "A B [FILE]: the knobs on which policies A and B differ (presets, or FILE's "
         "[[policy]] definitions too)") //
        ("bisect", po::value<std::vector<std::string>>()->multitoken(),
         "A B FILE: the smallest set of knobs that, moved from A's values to B's, flips "
         "FILE's verdict") //
        ("markdown", "print the presets, the knobs and their values per preset as Markdown");
    return desc;
}

} // namespace

int cmd_policies(const Args& args, const Io& io) {
    const po::options_description desc = policies_options();
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
    } else if (vm.count("bisect")) {
        bisect_policies(strings(vm, "bisect"), io);
    } else if (vm.count("diff")) {
        diff_policies(strings(vm, "diff"), io);
    } else if (vm.count("markdown")) {
        presets_markdown(io);
        knobs_markdown(io);
        knob_values_markdown(io);
    } else {
        policies_text(io);
    }
    return exit_ok;
}

} // namespace cli
