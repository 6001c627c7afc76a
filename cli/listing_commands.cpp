// The reference listings, each from the one table that declares its names: `tlbsim counters`
// (check/counter_catalog.h), `tlbsim costs` (kernel/cost_model.h), `tlbsim scenario-keys`
// (scenario/keys.h), `tlbsim steps` (scenario/steps.h, through steps_listing.h); text, or
// Markdown with --markdown (the docs are generated so).

#include "check/counter_catalog.h"
#include "cli/command.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/steps_listing.h"
#include "kernel/cost_model.h"
#include "scenario/keys.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

namespace {

/// The listings' options (`tlbsim NAME [--markdown]`): whether Markdown was asked for, or
/// nullopt when --help was printed instead.
std::optional<bool> listing_options(const char* usage, const Args& args, const Io& io) {
    po::options_description desc(usage);
    desc.add_options()("help,h", "this help")("markdown", "print Markdown");
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return std::nullopt;
    }
    return vm.count("markdown") > 0;
}

void counters_markdown(const Io& io) {
    fmt::print(io.out, "| counter | counts |\n|---|---|\n");
    for (const auto& d : check::counter_catalog().declared()) {
        fmt::print(io.out, "| `{}` | {} |\n", d.name, d.description);
    }
    fmt::print(io.out, "\nEvery counter also exists per CPU as `cpuN.<name>`.\n");
}

void counters_text(const Io& io) {
    const auto& decls = check::counter_catalog().declared();
    std::size_t w = 0;
    for (const auto& d : decls) {
        w = std::max(w, d.name.size());
    }
    for (const auto& d : decls) {
        fmt::print(io.out, "{:<{}}  {}\n", d.name, w, d.description);
    }
    fmt::print(io.out, "\nEvery counter also exists per CPU as cpuN.<name>.\n");
}

void key_table_markdown(const scenario::KeyTableInfo& t, const Io& io) {
    fmt::print(io.out, "### {}\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
               t.heading);
    for (const auto& k : t.keys) {
        fmt::print(io.out, "| `{}` | {} | {} | {} |\n", k.name, k.type, k.default_value, k.meaning);
    }
    fmt::print(io.out, "\n");
}

void key_table_text(const scenario::KeyTableInfo& t, const Io& io) {
    fmt::print(io.out, "{}\n", t.heading);
    for (const auto& k : t.keys) {
        fmt::print(io.out, "  {:<16} {:<28} default {:<10} {}\n", k.name, k.type, k.default_value,
                   k.meaning);
    }
}

} // namespace

int cmd_counters(const Args& args, const Io& io) {
    const auto md = listing_options("tlbsim counters [--markdown]", args, io);
    if (md) {
        *md ? counters_markdown(io) : counters_text(io);
    }
    return exit_ok;
}

int cmd_scenario_keys(const Args& args, const Io& io) {
    const auto md = listing_options("tlbsim scenario-keys [--markdown]", args, io);
    if (!md) {
        return exit_ok;
    }
    for (const auto& t : scenario::key_tables()) {
        *md ? key_table_markdown(t, io) : key_table_text(t, io);
    }
    return exit_ok;
}

int cmd_steps(const Args& args, const Io& io) {
    const auto md = listing_options("tlbsim steps [--markdown]", args, io);
    if (!md) {
        return exit_ok;
    }
    const std::vector<ReferenceTable> tables = steps_reference();
    if (*md) {
        print_markdown(io.out, tables);
    } else {
        print_text(io.out, tables);
    }
    return exit_ok;
}

int cmd_costs(const Args& args, const Io& io) {
    const auto md = listing_options("tlbsim costs [--markdown]", args, io);
    if (!md) {
        return exit_ok;
    }
    if (*md) {
        fmt::print(io.out, "| name | default (cycles) | source |\n|---|---|---|\n");
    }
    std::size_t w = 0;
    for (const auto& c : kernel::cost_table()) {
        w = std::max(w, c.name.size());
    }
    for (const auto& c : kernel::cost_table()) {
        if (*md) {
            fmt::print(io.out, "| `{}` | {} | {} |\n", c.name, c.default_value, c.source);
        } else {
            fmt::print(io.out, "{:<{}}  {:>8}  {}\n", c.name, w, c.default_value, c.source);
        }
    }
    return exit_ok;
}

} // namespace cli
