#include "cli/view.h"

#include "kernel/record_kinds.h"

#include "cli/command.h"
#include "scenario/text_util.h"
#include "sched/scenario_setup.h"

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace cli {

namespace po = boost::program_options;

bool View::shows_cpu(int cpu) const {
    return !cpus || std::binary_search(cpus->begin(), cpus->end(), cpu);
}

bool View::shows_time(std::int64_t cycles) const {
    return (!from || cycles >= *from) && (!to || cycles <= *to);
}

bool View::shows(const kernel::Record& r, const kernel::RecordText& text) const {
    if (!shows_cpu(r.cpu) || !shows_time(r.time.count())) {
        return false;
    }
    if (tasks.empty()) {
        return true;
    }
    const auto named = [&](int task) {
        return task >= 0 &&
               std::find(tasks.begin(), tasks.end(), text.task_name(task)) != tasks.end();
    };
    // A context switch is recorded by the task switched from; it is also the next task's start.
    return named(r.task) ||
           (r.kind == kernel::RecordKind::context_switch && named(kernel::rec::next_task(r)));
}

std::string View::describe() const {
    std::vector<std::string> parts;
    if (from || to) {
        parts.push_back(fmt::format("cycles {}..{}", from ? *from : 0,
                                    to ? fmt::to_string(*to) : std::string("end")));
    }
    if (cpus) {
        parts.push_back(
            fmt::format("cpu{} {}", cpus->size() == 1 ? "" : "s", format_cpu_list(*cpus)));
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::string View::describe_with_tasks() const {
    const std::string d = describe();
    if (tasks.empty()) {
        return d;
    }
    const std::string t =
        fmt::format("task{} {}", tasks.size() == 1 ? "" : "s", fmt::join(tasks, ","));
    return d.empty() ? t : d + ", " + t;
}

void add_view_options(po::options_description& desc) {
    desc.add_options() //
        ("from", po::value<std::string>()->value_name("CYCLES"),
         "show -v, --svg and --trace from this cycle on (default: the start of the run)") //
        ("to", po::value<std::string>()->value_name("CYCLES"),
         "show them up to this cycle (default: the end of the run); must be after --from") //
        ("cpus", po::value<std::string>()->value_name("LIST"),
         "show only these CPUs, e.g. 0,2-3 (each must exist on the scenario's machine)") //
        ("task", po::value<std::vector<std::string>>()->value_name("NAME"),
         "-v: print only the records of this task (repeatable; a context switch counts for "
         "the task it switches to too)");
}

namespace {

/// A whole number >= 0 from the whole of `text`, or nullopt.
std::optional<std::int64_t> whole_number(std::string_view text) {
    std::int64_t v = 0;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || p != end || v < 0) {
        return std::nullopt;
    }
    return v;
}

std::optional<std::int64_t> cycles_option(const po::variables_map& vm, const char* key,
                                          const char* command) {
    if (!vm.count(key)) {
        return std::nullopt;
    }
    const std::string& text = vm[key].as<std::string>();
    const auto v = whole_number(text);
    if (!v) {
        throw UsageError(fmt::format("{}: --{} \"{}\" is not a cycle count (a whole number >= 0)",
                                     command, key, text));
    }
    return v;
}

/// One item of a CPU list: "N" or "N-M" with N <= M.
std::pair<int, int> cpu_range(std::string_view item, std::string_view list, const char* command) {
    const auto bad = [&](const std::string& why) {
        return UsageError(
            fmt::format("{}: --cpus \"{}\": {} (a list like 0,2-3)", command, list, why));
    };
    if (item.empty()) {
        throw bad("an empty item");
    }
    const auto dash = item.find('-');
    const auto first = whole_number(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : whole_number(item.substr(dash + 1));
    constexpr std::int64_t max_cpu = 1 << 20;
    if (!first || !last || *first > max_cpu || *last > max_cpu) {
        throw bad(fmt::format("\"{}\" is not a CPU number or range", item));
    }
    if (*first > *last) {
        throw bad(fmt::format("the range {} runs backwards", item));
    }
    return {static_cast<int>(*first), static_cast<int>(*last)};
}

} // namespace

std::vector<int> parse_cpu_list(std::string_view list, const char* command) {
    std::vector<int> cpus;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = list.find(',', start);
        const auto [first, last] = cpu_range(list.substr(start, comma - start), list, command);
        for (int c = first; c <= last; ++c) {
            cpus.push_back(c);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return cpus;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
    std::vector<std::string> items;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) {
            ++j;
        }
        items.push_back(j == i ? fmt::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]));
        i = j + 1;
    }
    return fmt::format("{}", fmt::join(items, ","));
}

View view_options(const po::variables_map& vm, const char* command) {
    View v;
    v.from = cycles_option(vm, "from", command);
    v.to = cycles_option(vm, "to", command);
    if (v.from && v.to && *v.from >= *v.to) {
        throw UsageError(
            fmt::format("{}: --from {} is not before --to {}", command, *v.from, *v.to));
    }
    if (vm.count("cpus")) {
        v.cpus = parse_cpu_list(vm["cpus"].as<std::string>(), command);
    }
    if (vm.count("task")) {
        v.tasks = vm["task"].as<std::vector<std::string>>();
    }
    return v;
}

void check_view(const View& view, const scenario::Scenario& sc, const std::string& file,
                const char* command) {
    const int n = sc.machine.cpus;
    if (view.cpus && view.cpus->back() >= n) {
        throw UsageError(fmt::format("{}: --cpus {}: {} has {} CPU{} ({})", command,
                                     format_cpu_list(*view.cpus), file, n, n == 1 ? "" : "s",
                                     n == 1 ? "cpu 0" : fmt::format("cpus 0-{}", n - 1)));
    }
    const std::vector<std::string> names = sched::task_names(sc);
    for (const auto& t : view.tasks) {
        if (std::find(names.begin(), names.end(), t) == names.end()) {
            const std::vector<std::string_view> candidates(names.begin(), names.end());
            // The idle tasks come first (task_names), summed up as a range.
            const std::vector<std::string> others(names.begin() + n, names.end());
            throw UsageError(fmt::format(
                "{}: --task {}: {} has no task \"{}\"{} (its tasks: {}{}{}..{})", command, t, file,
                t, scenario::detail::did_you_mean(scenario::detail::closest(t, candidates)),
                fmt::join(others, ", "), others.empty() ? "" : ", ", sched::idle_task_name(0),
                sched::idle_task_name(n - 1)));
        }
    }
}

void check_view_outputs(const View& view, bool narrative, bool timeline, const char* command) {
    if (!view.tasks.empty() && !narrative) {
        throw UsageError(fmt::format("{}: --task selects the records -v prints; add -v", command));
    }
    if (!view.whole_run() && !narrative && !timeline) {
        throw UsageError(fmt::format("{}: --from, --to and --cpus select what -v, --svg and "
                                     "--trace show; add one of them",
                                     command));
    }
}

} // namespace cli
