// tlbsim: the command line (DESIGN.md, Command line). Exit codes: 0 ok; 1 an expectation failed;
// 2 usage or scenario error (including deadlock); 3 internal error.

#include "cli/commands.h"

#include "check/counter_catalog.h"
#include "cli/catalog.h"
#include "cli/chrome_trace.h"
#include "cli/diff.h"
#include "cli/expectations.h"
#include "cli/explain.h"
#include "cli/fault_injection.h"
#include "cli/gen_command.h"
#include "cli/json_report.h"
#include "cli/junit.h"
#include "cli/narrative.h"
#include "cli/output_file.h"
#include "cli/redundancy.h"
#include "cli/report_table.h"
#include "cli/steps_listing.h"
#include "cli/svg_timeline.h"
#include "cli/timeline.h"
#include "kernel/cost_model.h"
#include "policy/presets.h"
#include "run/bisect.h"
#include "run/runner.h"
#include "scenario/keys.h"
#include "sim/panic.h"

#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#ifndef TLBSIM_VERSION
#define TLBSIM_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace cli {

std::string per_run_path(const std::string& out, const std::string& scenario,
                         const std::string& policy) {
    const auto clean = [](std::string s) {
        for (char& c : s) {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
            if (!ok) {
                c = '_';
            }
        }
        return s;
    };
    const std::filesystem::path p(out);
    std::filesystem::path name = p.stem();
    name += "-" + clean(scenario) + "-" + clean(policy);
    name += p.extension();
    return (p.parent_path() / name).string();
}

namespace {

const char* const usage_text = R"(usage: tlbsim COMMAND [OPTIONS]

Simulates x86 multicore CPUs and the Linux kernel paths that decide where cores serialize and
where full memory barriers happen, and counts them exactly, per kernel site.

commands:
  run FILE...        run scenarios (files or directories) under policies; print counters
                     (--json OUT, --trace OUT, --svg OUT, -v for a narrative)
  diff FILE... --policy A --policy B
                     the counters and verdicts that differ between two policies
  check FILE_OR_DIR...
                     run every scenario under the policies its [[expect]] blocks name and
                     compare (--junit OUT, --json OUT); exit 1 when an expectation fails
  explain FILE --policy P COUNTER
                     the records behind one counter, with their call paths
  policies           list policy presets and knobs (--diff A B: how two differ; --markdown)
  counters           list every counter with its description (--markdown)
  costs              list every cost-model entry, its default and its source (--markdown)
  scenario-keys      list every scenario key: type, default, meaning (--markdown)
  steps              list every step of a program: usage per thread kind, arguments,
                     options, meaning (--markdown)
  gen                write a random valid scenario (--cpus N, --seed S, --profile mix|jit, -o)

  tlbsim COMMAND --help    options of one command
  tlbsim --version

exit codes: 0 ok, 1 an expectation failed, 2 usage or scenario error (including deadlock),
3 internal error
)";

/// A bad command line: a user error (exit 2).
struct UsageError : UserError {
    using UserError::UserError;
};

struct Io {
    std::FILE* out;
    std::FILE* err;
};

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

std::vector<std::string> strings(const po::variables_map& vm, const char* key) {
    return vm.count(key) ? vm[key].as<std::vector<std::string>>() : std::vector<std::string>{};
}

std::optional<std::string> string_opt(const po::variables_map& vm, const char* key) {
    if (!vm.count(key)) {
        return std::nullopt;
    }
    return vm[key].as<std::string>();
}

/// --seed and --jitter, shared by run, diff and explain.
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

void check_policies(const scenario::Scenario& sc, const std::string& file,
                    const std::vector<std::string>& policies) {
    for (const auto& p : policies) {
        if (!run::resolve_policy(sc, p)) {
            throw UsageError(fmt::format("{}: unknown policy \"{}\" (tlbsim policies lists the "
                                         "presets; a scenario may define more with [[policy]])",
                                         file, p));
        }
    }
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

/// Prints why a run did not complete, after what the run printed on `out` (-v): an internal error
/// (exit 3: our bug) or a run error (exit 2: a deadlock, a step the scenario cannot do, the
/// watchdog). Returns the exit status the run calls for, exit_ok when it completed.
int report_run_failure(const run::RunResult& r, const std::string& file, const Io& io) {
    std::fflush(io.out);
    if (!r.internal_error.empty()) {
        fmt::print(io.err, "tlbsim: {}: {}: {}\n", file, r.policy, r.internal_error);
        return exit_internal;
    }
    if (!r.error.empty()) {
        fmt::print(io.err, "{}: {}: {}\n", file, r.policy, r.error);
        return exit_usage;
    }
    return exit_ok;
}

// counters, costs, policies, explain -------------------------------------------------------------

/// The reference listings (`tlbsim NAME [--markdown]`): whether Markdown was asked for, or
/// nullopt when --help was printed instead.
std::optional<bool> listing_options(const char* usage, const std::vector<std::string>& args,
                                    const Io& io) {
    po::options_description desc(usage);
    desc.add_options()("help,h", "this help")("markdown", "print Markdown");
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return std::nullopt;
    }
    return vm.count("markdown") > 0;
}

int cmd_counters(const std::vector<std::string>& args, const Io& io) {
    const auto md = listing_options("tlbsim counters [--markdown]", args, io);
    if (!md) {
        return exit_ok;
    }
    const auto& decls = check::counter_catalog().declared();
    if (*md) {
        fmt::print(io.out, "| counter | counts |\n|---|---|\n");
        for (const auto& d : decls) {
            fmt::print(io.out, "| `{}` | {} |\n", d.name, d.description);
        }
        fmt::print(io.out, "\nEvery counter also exists per CPU as `cpuN.<name>`.\n");
        return exit_ok;
    }
    std::size_t w = 0;
    for (const auto& d : decls) {
        w = std::max(w, d.name.size());
    }
    for (const auto& d : decls) {
        fmt::print(io.out, "{:<{}}  {}\n", d.name, w, d.description);
    }
    fmt::print(io.out, "\nEvery counter also exists per CPU as cpuN.<name>.\n");
    return exit_ok;
}

int cmd_scenario_keys(const std::vector<std::string>& args, const Io& io) {
    const auto markdown = listing_options("tlbsim scenario-keys [--markdown]", args, io);
    if (!markdown) {
        return exit_ok;
    }
    const bool md = *markdown;
    for (const auto& t : scenario::key_tables()) {
        if (md) {
            fmt::print(io.out, "### {}\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
                       t.heading);
            for (const auto& k : t.keys) {
                fmt::print(io.out, "| `{}` | {} | {} | {} |\n", k.name, k.type, k.default_value,
                           k.meaning);
            }
            fmt::print(io.out, "\n");
        } else {
            fmt::print(io.out, "{}\n", t.heading);
            for (const auto& k : t.keys) {
                fmt::print(io.out, "  {:<16} {:<28} default {:<10} {}\n", k.name, k.type,
                           k.default_value, k.meaning);
            }
        }
    }
    return exit_ok;
}

int cmd_steps(const std::vector<std::string>& args, const Io& io) {
    const auto markdown = listing_options("tlbsim steps [--markdown]", args, io);
    if (!markdown) {
        return exit_ok;
    }
    const std::vector<ReferenceTable> tables = steps_reference();
    if (*markdown) {
        print_markdown(io.out, tables);
    } else {
        print_text(io.out, tables);
    }
    return exit_ok;
}

int cmd_costs(const std::vector<std::string>& args, const Io& io) {
    const auto markdown = listing_options("tlbsim costs [--markdown]", args, io);
    if (!markdown) {
        return exit_ok;
    }
    const bool md = *markdown;
    if (md) {
        fmt::print(io.out, "| name | default (cycles) | source |\n|---|---|---|\n");
    }
    std::size_t w = 0;
    for (const auto& c : kernel::cost_table()) {
        w = std::max(w, c.name.size());
    }
    for (const auto& c : kernel::cost_table()) {
        if (md) {
            fmt::print(io.out, "| `{}` | {} | {} |\n", c.name, c.default_value, c.source);
        } else {
            fmt::print(io.out, "{:<{}}  {:>8}  {}\n", c.name, w, c.default_value, c.source);
        }
    }
    return exit_ok;
}

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

void policies_markdown(const Io& io) {
    fmt::print(io.out, "### Presets\n\n| preset | history | models |\n|---|---|---|\n");
    for (const auto& p : policy::presets()) {
        fmt::print(io.out, "| `{}` | {} | {} |\n", p.name, md_cell(p.history), md_cell(p.models));
    }
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

int cmd_policies(const std::vector<std::string>& args, const Io& io) {
    po::options_description desc("tlbsim policies [--diff A B] [--bisect A B FILE] [--markdown]");
    desc.add_options()("help,h", "this help") //
        ("diff", po::value<std::vector<std::string>>()->multitoken(),
         "show the knobs on which presets A and B differ") //
        ("bisect", po::value<std::vector<std::string>>()->multitoken(),
         "A B FILE: the smallest set of knobs that, moved from A's values to B's, flips "
         "FILE's verdict") //
        ("markdown", "print the presets, the knobs and their values per preset as Markdown");
    const auto vm = parse(desc, {}, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return exit_ok;
    }
    if (vm.count("bisect")) {
        const auto words = vm["bisect"].as<std::vector<std::string>>();
        if (words.size() != 3) {
            throw UsageError("policies --bisect takes A B FILE");
        }
        const scenario::Scenario sc = cli::load_scenario(words[2]);
        for (int i = 0; i < 2; ++i) {
            if (!run::resolve_policy(sc, words[static_cast<std::size_t>(i)])) {
                throw UsageError(fmt::format("{}: unknown policy \"{}\"", words[2],
                                             words[static_cast<std::size_t>(i)]));
            }
        }
        const run::BisectResult b = run::bisect(sc, words[0], words[1]);
        auto show = [](const std::vector<std::string>& v) {
            return v.empty() ? std::string("holds")
                             : fmt::format("violates {}", fmt::join(v, ", "));
        };
        fmt::print(io.out, "{} under {}: {}\n{} under {}: {}\n", sc.name, words[0],
                   show(b.verdict_a), sc.name, words[1], show(b.verdict_b));
        fmt::print(io.out, "knobs that differ: {}\n", fmt::join(b.differing, ", "));
        if (!b.flips) {
            fmt::print(io.out, "the verdict is the same: nothing to bisect\n");
        } else if (b.culprit.empty()) {
            fmt::print(io.out,
                       "no subset of the knobs reproduces {}'s verdict from {} within {} runs\n",
                       words[1], words[0], b.runs);
        } else {
            fmt::print(io.out, "smallest flipping set ({} runs): {}\n", b.runs,
                       fmt::join(b.culprit, ", "));
            for (const auto& k : b.culprit) {
                const auto* info = policy::find_knob(k);
                fmt::print(io.out, "  {}: {}\n", k, info->description);
            }
        }
        return exit_ok;
    }
    if (vm.count("diff")) {
        const auto names = vm["diff"].as<std::vector<std::string>>();
        if (names.size() != 2) {
            throw UsageError("policies --diff takes two preset names");
        }
        const auto* a = policy::find_preset(names[0]);
        const auto* b = policy::find_preset(names[1]);
        if (a == nullptr || b == nullptr) {
            throw UsageError(fmt::format("policies --diff: unknown preset \"{}\"",
                                         a == nullptr ? names[0] : names[1]));
        }
        int differences = 0;
        for (const auto& k : policy::knob_table()) {
            const auto va = policy::knob_value(a->knobs, k.name);
            const auto vb = policy::knob_value(b->knobs, k.name);
            if (va != vb) {
                fmt::print(io.out, "{}: {} -> {}\n  {}\n", k.name, va, vb, k.description);
                ++differences;
            }
        }
        if (differences == 0) {
            fmt::print(io.out, "{} and {} set every knob alike\n", a->name, b->name);
        }
        return exit_ok;
    }
    if (vm.count("markdown")) {
        policies_markdown(io);
        return exit_ok;
    }
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
    return exit_ok;
}

int cmd_explain(const std::vector<std::string>& args, const Io& io) {
    po::options_description desc("tlbsim explain FILE --policy P COUNTER");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::string>(), "the policy (default: the scenario's first)");
    add_seed_options(desc);
    desc.add_options()("args", po::value<std::vector<std::string>>(), "FILE COUNTER");
    po::positional_options_description pos;
    pos.add("args", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return exit_ok;
    }
    const auto positional = strings(vm, "args");
    if (positional.size() != 2) {
        throw UsageError("explain: expected FILE and COUNTER");
    }
    const std::string& file = positional[0];
    const std::string& counter = positional[1];
    const scenario::Scenario sc = load_scenario(file);
    if (!check::counter_catalog().is_name(counter)) {
        throw UsageError(
            fmt::format("explain: unknown counter \"{}\" (tlbsim counters lists them)", counter));
    }
    const std::string policy = string_opt(vm, "policy").value_or(sc.policies.front());
    check_policies(sc, file, {policy});
    if (const auto cpu = sim::split_cpu_prefix(counter).first; cpu >= sc.machine.cpus) {
        throw UsageError(fmt::format("explain: {} names cpu{}, but the machine has {} CPUs",
                                     counter, cpu, sc.machine.cpus));
    }
    run::RunOptions options = seed_options(vm, "explain");
    ExplainObserver explain(counter, sc.machine.cpus, sc.machine.ghz);
    options.observers.push_back(&explain);
    const run::RunResult r = run_scenario_checked(sc, policy, options);
    if (const int status = report_run_failure(r, file, io); status != exit_ok) {
        return status;
    }
    fmt::print(io.out, "{} = {} in {} under {} ({} record{})\n", counter,
               r.counters.value(counter).value_or(0), sc.name, policy, explain.lines().size(),
               explain.lines().size() == 1 ? "" : "s");
    for (const auto& line : explain.lines()) {
        fmt::print(io.out, "  {}\n", line);
    }
    return exit_ok;
}

// run --------------------------------------------------------------------------------------------

struct Loaded {
    std::string file;
    scenario::Scenario sc;
    std::vector<std::string> policies;
};

int cmd_run(const std::vector<std::string>& args, const Io& io) {
    po::options_description desc("tlbsim run FILE... [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "policy to run (repeatable); default: the scenario's `policies`");
    add_seed_options(desc);
    desc.add_options()                                                                        //
        ("per-cpu", "also show cpuN.* counters")                                              //
        ("verbose,v", "print every record as it happens (time, CPU, task, event, call path)") //
        ("json", po::value<std::string>(), "write every run as JSON (docs/json-schema.md)")   //
        ("trace", po::value<std::string>(),
         "write a Chrome trace-event file (ui.perfetto.dev); with several runs, one file per "
         "run: OUT-<scenario>-<policy>.EXT") //
        ("svg", po::value<std::string>(),
         "write an SVG timeline; with several runs, one file per run as for --trace") //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    po::positional_options_description pos;
    pos.add("file", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return exit_ok;
    }
    if (!vm.count("file")) {
        throw UsageError("run: no scenario file given");
    }
    const run::RunOptions options = seed_options(vm, "run");
    const bool per_cpu = vm.count("per-cpu") > 0;
    const bool verbose = vm.count("verbose") > 0;
    const auto json_out = string_opt(vm, "json");
    const auto trace_out = string_opt(vm, "trace");
    const auto svg_out = string_opt(vm, "svg");

    std::vector<Loaded> loaded;
    std::size_t total_runs = 0;
    for (const auto& file : expand_paths(strings(vm, "file"))) {
        Loaded l{file, load_scenario(file), {}};
        l.policies = vm.count("policy") ? strings(vm, "policy") : l.sc.policies;
        check_policies(l.sc, file, l.policies);
        total_runs += l.policies.size();
        loaded.push_back(std::move(l));
    }
    if (loaded.empty()) {
        throw UsageError("run: no scenario files (*.toml) found");
    }
    const bool one_run = total_runs == 1;
    std::set<std::string> written;
    const auto output_path = [&](const std::string& out, const run::RunResult& r) {
        std::string path = one_run ? out : per_run_path(out, r.scenario, r.policy);
        for (int n = 2; written.count(path) > 0; ++n) {
            path = per_run_path(out, fmt::format("{}-{}", r.scenario, n), r.policy);
        }
        written.insert(path);
        return path;
    };

    Json doc = json_document("run");
    int status = exit_ok;
    for (const auto& l : loaded) {
        const scenario::Scenario& sc = l.sc;
        std::vector<run::RunResult> runs;
        std::vector<std::int64_t> redundant_cycles;
        fmt::print(io.out, "scenario {} ({})\n", sc.name, l.file);
        std::fflush(io.out);
        for (const auto& p : l.policies) {
            Narrative narrative(io.out, sc.machine.ghz);
            RedundancyObserver redundancy(sc.machine.cpus);
            std::unique_ptr<TimelineRecorder> timeline;
            run::RunOptions o = options;
            if (verbose) {
                fmt::print(io.out, "-- {} under {}\n", sc.name, p);
                o.observers.push_back(&narrative);
            }
            if (json_out) {
                o.observers.push_back(&redundancy);
            }
            if (trace_out || svg_out) {
                timeline = std::make_unique<TimelineRecorder>(sc.machine.cpus);
                o.observers.push_back(timeline.get());
            }
            runs.push_back(run_scenario_checked(sc, p, o));
            redundant_cycles.push_back(redundancy.cycles());
            if (timeline) {
                const Timeline tl = timeline->build(runs.back(), l.file, sc.machine.ghz);
                timeline.reset();
                if (trace_out) {
                    const std::string path = output_path(*trace_out, runs.back());
                    write_chrome_trace_file(tl, path);
                    fmt::print(io.err, "trace: {} under {} written to {}\n", sc.name, p, path);
                }
                if (svg_out) {
                    const std::string path = output_path(*svg_out, runs.back());
                    write_svg_file(tl, path);
                    fmt::print(io.err, "svg: {} under {} written to {}\n", sc.name, p, path);
                }
            }
            std::fflush(io.out);
        }
        fmt::print(io.out, "{}", format_table(runs, per_cpu));
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const auto& r = runs[i];
            RunInfo info{l.file, sc.machine.ghz, std::nullopt, redundant_cycles[i]};
            if (const int failure = report_run_failure(r, l.file, io); failure != exit_ok) {
                status = std::max(status, failure);
                info.expectation_failures = std::vector<std::string>{};
                doc["runs"].push_back(run_json(r, info));
                continue;
            }
            for (const auto& v : r.violation_reports) {
                if (v.time < 0) { // found at the end of the run (a reference leak)
                    fmt::print(io.out, "  violation ({}): {} at the end of the run: {}\n", r.policy,
                               v.property, v.call);
                } else {
                    fmt::print(io.out,
                               "  violation ({}): {} on cpu{} at t={} by {}\n    call: {} (t_a={}, "
                               "t_b={}, t_r={})\n",
                               r.policy, v.property, v.cpu, v.time, v.task, v.call, v.t_a, v.t_b,
                               v.t_r);
                }
                for (const auto& line : v.chain) {
                    fmt::print(io.out, "      {}\n", line);
                }
            }
            for (const auto& w : r.warnings) {
                fmt::print(io.out, "  warning ({}): {}\n", r.policy, w);
            }
            if (r.warning_count > static_cast<std::int64_t>(r.warnings.size())) {
                fmt::print(io.out, "  ({} more warnings)\n",
                           r.warning_count - static_cast<std::int64_t>(r.warnings.size()));
            }
            const auto failures = check_expectations(sc, r);
            for (const auto& f : failures) {
                fmt::print(io.out, "  expectation failed ({}): {}\n", r.policy, f);
                status = std::max(status, exit_expectation);
            }
            info.expectation_failures = failures;
            doc["runs"].push_back(run_json(r, info));
        }
        fmt::print(io.out, "\n");
        std::fflush(io.out);
    }
    if (json_out) {
        write_json_file(*json_out, doc);
    }
    return status;
}

// diff -------------------------------------------------------------------------------------------

int cmd_diff(const std::vector<std::string>& args, const Io& io) {
    po::options_description desc("tlbsim diff FILE... --policy A --policy B [options]");
    desc.add_options()("help,h", "this help") //
        ("policy,p", po::value<std::vector<std::string>>(),
         "the two policies to compare, A then B (give --policy twice)");
    add_seed_options(desc);
    desc.add_options()                                           //
        ("per-cpu", "also show the cpuN.* counters that differ") //
        ("json", po::value<std::string>(),
         "write the runs and the diff as JSON (docs/json-schema.md)") //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    po::positional_options_description pos;
    pos.add("file", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}", help_text(desc));
        return exit_ok;
    }
    const auto json_out = string_opt(vm, "json");
    const auto policies = strings(vm, "policy");
    if (policies.size() != 2) {
        throw UsageError("diff: give exactly two policies: --policy A --policy B");
    }
    if (!vm.count("file")) {
        throw UsageError("diff: no scenario file given");
    }
    const run::RunOptions options = seed_options(vm, "diff");
    const bool per_cpu = vm.count("per-cpu") > 0;
    std::vector<Loaded> loaded;
    for (const auto& file : expand_paths(strings(vm, "file"))) {
        Loaded l{file, load_scenario(file), policies};
        check_policies(l.sc, file, policies);
        loaded.push_back(std::move(l));
    }
    if (loaded.empty()) {
        throw UsageError("diff: no scenario files (*.toml) found");
    }
    // Results are kept until the summary; pairs point into them.
    std::vector<std::unique_ptr<run::RunResult>> results;
    std::vector<DiffPair> pairs;
    std::vector<std::pair<std::size_t, std::size_t>> run_index;
    Json doc = json_document("diff");
    int status = exit_ok;
    for (const auto& l : loaded) {
        std::int64_t cycles[2] = {0, 0};
        for (int k = 0; k < 2; ++k) {
            RedundancyObserver redundancy(l.sc.machine.cpus);
            run::RunOptions o = options;
            o.observers.push_back(&redundancy);
            results.push_back(std::make_unique<run::RunResult>(
                run_scenario_checked(l.sc, policies[static_cast<std::size_t>(k)], o)));
            cycles[k] = redundancy.cycles();
            doc["runs"].push_back(run_json(
                *results.back(), RunInfo{l.file, l.sc.machine.ghz, std::nullopt, cycles[k]}));
        }
        DiffPair p;
        p.file = l.file;
        p.a = results[results.size() - 2].get();
        p.b = results.back().get();
        p.redundant_cycles_a = cycles[0];
        p.redundant_cycles_b = cycles[1];
        for (const auto* r : {p.a, p.b}) {
            status = std::max(status, report_run_failure(*r, l.file, io));
        }
        fmt::print(io.out, "{}\n", format_diff(p, per_cpu));
        std::fflush(io.out);
        run_index.emplace_back(results.size() - 2, results.size() - 1);
        pairs.push_back(p);
    }
    fmt::print(io.out, "{}", format_diff_summary(pairs, policies[0], policies[1]));
    if (json_out) {
        doc["diff"] = diff_json(pairs, run_index, policies[0], policies[1], per_cpu);
        write_json_file(*json_out, doc);
    }
    return status;
}

// check ------------------------------------------------------------------------------------------

/// The policies `check` runs a scenario under: those its [[expect]] blocks name, in order of
/// first mention; a scenario without [[expect]] runs under its `policies` (step `expect=` and
/// run errors are still checked).
std::vector<std::string> check_policies_of(const scenario::Scenario& sc) {
    std::vector<std::string> out;
    for (const auto& e : sc.expectations) {
        for (const auto& p : e.policies) {
            if (std::find(out.begin(), out.end(), p) == out.end()) {
                out.push_back(p);
            }
        }
    }
    return out.empty() ? sc.policies : out;
}

/// What `check` has seen so far, for the summary, JUnit and JSON.
struct CheckTally {
    Json doc = json_document("check");
    Json cases = Json::array();
    std::vector<JunitCase> junit;
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t errors = 0;          ///< scenario and run errors (exit 2)
    std::size_t internal_errors = 0; ///< tlbsim's own failures (exit 3)

    int status() const {
        if (internal_errors > 0) {
            return exit_internal;
        }
        if (errors > 0) {
            return exit_usage;
        }
        return failed > 0 ? exit_expectation : exit_ok;
    }
};

void check_load_error(const std::string& file, const std::string& message, CheckTally& t,
                      const Io& io) {
    fmt::print(io.out, "ERROR {}: {}\n", file, message);
    ++t.failed;
    ++t.errors;
    t.junit.push_back({file, file, "load", 0, {}, message});
    t.doc["errors"].push_back(error_json(file, message));
    t.cases.push_back({{"scenario", nullptr},
                       {"file", file},
                       {"policy", nullptr},
                       {"status", "error"},
                       {"failures", Json::array()},
                       {"error", message},
                       {"run", nullptr}});
}

/// Runs one scenario under one policy and compares; fills the JUnit case and the JSON case.
void check_run(const scenario::Scenario& sc, const std::string& file, const std::string& policy,
               const ExpectationRules& rules, JunitCase& jc, Json& c, CheckTally& t) {
    if (!run::resolve_policy(sc, policy)) {
        jc.error = fmt::format("unknown policy \"{}\"", policy);
        return;
    }
    RedundancyObserver redundancy(sc.machine.cpus);
    run::RunOptions o;
    o.observers.push_back(&redundancy);
    const run::RunResult r = run_scenario_checked(sc, policy, o);
    jc.seconds = r.wall_seconds;
    if (!r.internal_error.empty()) {
        jc.error = r.internal_error;
        ++t.internal_errors;
    } else if (!r.error.empty()) {
        jc.error = r.error;
    } else {
        jc.failures = check_expectations(sc, r, rules);
    }
    c["run"] = t.doc["runs"].size();
    t.doc["runs"].push_back(
        run_json(r, RunInfo{file, sc.machine.ghz, jc.failures, redundancy.cycles()}));
}

/// Prints a case's verdict and counts it.
void check_verdict(const std::string& file, const std::string& name, JunitCase& jc, Json& c,
                   bool has_expect, CheckTally& t, const Io& io) {
    if (!jc.error.empty()) {
        fmt::print(io.out, "ERROR {} {} ({}): {}\n", name, jc.name, file, first_line(jc.error));
        if (jc.error.find('\n') != std::string::npos) {
            fmt::print(io.err, "{}: {}: {}\n", file, jc.name, jc.error);
        }
        ++t.failed;
        ++t.errors;
        c["status"] = "error";
    } else if (!jc.failures.empty()) {
        for (const auto& f : jc.failures) {
            fmt::print(io.out, "FAIL {} {} ({}): {}\n", name, jc.name, file, f);
        }
        ++t.failed;
        c["status"] = "fail";
    } else {
        fmt::print(io.out, "PASS {} {}{}\n", name, jc.name,
                   has_expect ? "" : " (no [[expect]] blocks: no violation, step expect= only)");
        ++t.passed;
        c["status"] = "pass";
    }
    c["failures"] = jc.failures;
    c["error"] = jc.error.empty() ? Json(nullptr) : Json(jc.error);
    if (!c.contains("run")) {
        c["run"] = nullptr;
    }
}

void check_file(const std::string& file, const ExpectationRules& rules, CheckTally& t,
                const Io& io) {
    std::optional<scenario::Scenario> sc;
    try {
        sc = load_scenario(file);
    } catch (const scenario::ScenarioError& e) {
        check_load_error(file, e.what(), t, io);
        std::fflush(io.out);
        return;
    }
    for (const auto& policy : check_policies_of(*sc)) {
        JunitCase jc{file, sc->name, policy, 0, {}, {}};
        Json c;
        c["scenario"] = sc->name;
        c["file"] = file;
        c["policy"] = policy;
        check_run(*sc, file, policy, rules, jc, c, t);
        check_verdict(file, sc->name, jc, c, !sc->expectations.empty(), t, io);
        t.cases.push_back(std::move(c));
        t.junit.push_back(std::move(jc));
        std::fflush(io.out);
    }
}

const char* const check_help = R"(
Runs every scenario (directories recursively, sorted) under every policy its [[expect]] blocks
name (a scenario without [[expect]]: its `policies`), prints PASS or each mismatch, then
"N passed, N failed". A run fails when an expectation does not hold, and when it violates a
property although no [[expect]] block for its policy states `violations`: nobody expected it.
With --strict, a mechanism warning (K1-K5) fails too unless a block for the policy pins its
warning.Kn counter. Exit 0 all passed, 1 a run failed, 2 a scenario or run error (deadlock),
3 an internal error.
)";

int cmd_check(const std::vector<std::string>& args, const Io& io) {
    po::options_description desc(
        "tlbsim check FILE_OR_DIR... [--strict] [--junit OUT] [--json OUT]");
    desc.add_options()("help,h", "this help")                                               //
        ("strict", "mechanism warnings fail unless an [[expect]] block pins their counter") //
        ("junit", po::value<std::string>(),
         "write JUnit XML (one testcase per scenario x policy)") //
        ("json", po::value<std::string>(),
         "write the runs and the verdicts as JSON (docs/json-schema.md)") //
        ("file", po::value<std::vector<std::string>>(), "scenario files or directories");
    po::positional_options_description pos;
    pos.add("file", -1);
    const auto vm = parse(desc, pos, args);
    if (vm.count("help")) {
        fmt::print(io.out, "{}{}", help_text(desc), check_help);
        return exit_ok;
    }
    if (!vm.count("file")) {
        throw UsageError("check: no scenario file or directory given");
    }
    const auto junit_out = string_opt(vm, "junit");
    const auto json_out = string_opt(vm, "json");
    const auto files = expand_paths(strings(vm, "file"));
    if (files.empty()) {
        throw UsageError("check: no scenario files (*.toml) found");
    }
    const ExpectationRules rules{.violations_must_be_expected = true,
                                 .warnings_must_be_expected = vm.count("strict") > 0};
    CheckTally t;
    for (const auto& file : files) {
        check_file(file, rules, t, io);
    }
    fmt::print(io.out, "{} passed, {} failed\n", t.passed, t.failed);
    if (junit_out) {
        write_output_file(*junit_out, [&t](std::ostream& os) { os << junit_xml(t.junit); });
    }
    if (json_out) {
        t.doc["check"] = {{"passed", t.passed},
                          {"failed", t.failed},
                          {"errors", t.errors},
                          {"cases", std::move(t.cases)}};
        write_json_file(*json_out, t.doc);
    }
    return t.status();
}

int dispatch(std::vector<std::string> args, const Io& io) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        fmt::print(args.empty() ? io.err : io.out, "{}", usage_text);
        return args.empty() ? exit_usage : exit_ok;
    }
    if (args[0] == "--version") {
        fmt::print(io.out, "tlbsim {}\n", TLBSIM_VERSION);
        return exit_ok;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    using Command = int (*)(const std::vector<std::string>&, const Io&);
    static const std::pair<std::string_view, Command> commands[] = {
        {"run", cmd_run},           {"diff", cmd_diff},       {"check", cmd_check},
        {"counters", cmd_counters}, {"costs", cmd_costs},     {"scenario-keys", cmd_scenario_keys},
        {"steps", cmd_steps},       {"explain", cmd_explain}, {"policies", cmd_policies},
        {"gen", cmd_gen<Io>},
    };
    for (const auto& [name, command] : commands) {
        if (cmd == name) {
            return command(args, io);
        }
    }
    throw UsageError(fmt::format("unknown command \"{}\" (try tlbsim --help)", cmd));
}

} // namespace

int run_command_line(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    const Io io{out, err};
    try {
        return dispatch(args, io);
    } catch (const scenario::ScenarioError& e) {
        std::fflush(out);
        fmt::print(err, "{}\n", e.what());
        return exit_usage;
    } catch (const po::error& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: {}\n", e.what());
        return exit_usage;
    } catch (const UserError& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: {}\n", e.what());
        return exit_usage;
    } catch (const sim::InternalError& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: {}\n{}", e.headline(), e.dump());
        return exit_internal;
    } catch (const std::exception& e) {
        std::fflush(out);
        fmt::print(err, "tlbsim: internal error: {}\n", e.what());
        return exit_internal;
    } catch (...) {
        std::fflush(out);
        fmt::print(err, "tlbsim: internal error\n");
        return exit_internal;
    }
}

} // namespace cli
