#include "cli/steps_listing.h"

#include "scenario/steps.h"

#include <algorithm>

#include <fmt/format.h>

namespace cli {

namespace {

using scenario::StepInfo;

std::string code(std::string_view text) {
    return fmt::format("`{}`", text);
}

std::string yes_no(bool b) {
    return b ? "yes" : "no";
}

/// The usage of `step` in a thread of one kind, or "-" when that kind may not use it.
std::string usage_cell(const StepInfo& step, bool kthread) {
    return scenario::includes(step.kinds, kthread) ? code(scenario::step_usage(step, kthread))
                                                   : "-";
}

std::string kinds_text(scenario::ThreadKinds kinds) {
    switch (kinds) {
    case scenario::ThreadKinds::user:
        return "[[thread]]";
    case scenario::ThreadKinds::kernel:
        return "[[kthread]]";
    case scenario::ThreadKinds::both:
        return "both";
    }
    return "";
}

ReferenceTable steps_table() {
    ReferenceTable t{
        "Steps", {"step", "[[thread]]", "[[kthread]]", "inside repeat", "meaning"}, {}};
    for (const StepInfo& s : scenario::step_table()) {
        t.rows.push_back({code(s.name), usage_cell(s, false), usage_cell(s, true),
                          yes_no(s.allowed_in_repeat), std::string(s.meaning)});
    }
    return t;
}

ReferenceTable arguments_table() {
    ReferenceTable t{"Arguments", {"step", "argument", "threads", "type", "meaning"}, {}};
    for (const StepInfo& s : scenario::step_table()) {
        for (const scenario::ArgInfo& a : s.args) {
            t.rows.push_back(
                {code(s.name), code(a.name),
                 kinds_text(a.kinds == scenario::ThreadKinds::both ? s.kinds : a.kinds),
                 scenario::type_text(a), std::string(a.meaning)});
        }
    }
    return t;
}

/// The steps that take `option`: "every step but `end`" when that is what it is.
std::string option_steps(scenario::StepOption option) {
    std::vector<std::string> takers;
    std::vector<std::string> others;
    for (const StepInfo& s : scenario::step_table()) {
        const bool takes = std::find(s.options.begin(), s.options.end(), option) != s.options.end();
        (takes ? takers : others).push_back(code(s.name));
    }
    if (others.size() < takers.size()) {
        return fmt::format("every step but {}", fmt::join(others, ", "));
    }
    return fmt::format("{}", fmt::join(takers, ", "));
}

ReferenceTable options_table() {
    ReferenceTable t{"Options", {"option", "type", "default", "steps", "meaning"}, {}};
    for (const scenario::OptionInfo& o : scenario::step_options()) {
        const std::string written =
            o.value.empty() ? std::string(o.name) : fmt::format("{}={}", o.name, o.value);
        t.rows.push_back({code(written), scenario::type_text(o), std::string(o.default_value),
                          option_steps(o.option), std::string(o.meaning)});
    }
    return t;
}

ReferenceTable commands_table() {
    ReferenceTable t{"Membarrier commands", {"CMD", "MEMBARRIER_CMD_ value"}, {}};
    for (const scenario::MembarrierCommand& c : scenario::membarrier_commands()) {
        t.rows.push_back({code(c.name), std::to_string(c.value)});
    }
    return t;
}

/// A Markdown table cell may not contain '|'.
std::string md_cell(std::string_view cell) {
    std::string out;
    for (const char c : cell) {
        out += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    return out;
}

std::string plain(std::string_view cell) {
    std::string out;
    std::copy_if(cell.begin(), cell.end(), std::back_inserter(out),
                 [](char c) { return c != '`'; });
    return out;
}

} // namespace

std::vector<ReferenceTable> steps_reference() {
    return {steps_table(), arguments_table(), options_table(), commands_table()};
}

void print_markdown(std::FILE* out, const std::vector<ReferenceTable>& tables) {
    for (const ReferenceTable& t : tables) {
        fmt::print(out, "### {}\n\n| {} |\n|", t.heading, fmt::join(t.columns, " | "));
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            fmt::print(out, "---|");
        }
        fmt::print(out, "\n");
        for (const auto& row : t.rows) {
            std::vector<std::string> cells;
            std::transform(row.begin(), row.end(), std::back_inserter(cells), md_cell);
            fmt::print(out, "| {} |\n", fmt::join(cells, " | "));
        }
        fmt::print(out, "\n");
    }
}

void print_text(std::FILE* out, const std::vector<ReferenceTable>& tables) {
    for (const ReferenceTable& t : tables) {
        std::vector<std::size_t> width(t.columns.size());
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            width[i] = t.columns[i].size();
            for (const auto& row : t.rows) {
                width[i] = std::max(width[i], plain(row[i]).size());
            }
        }
        const auto print_row = [&](const std::vector<std::string>& cells) {
            std::string line = " ";
            for (std::size_t i = 0; i + 1 < cells.size(); ++i) {
                line += fmt::format(" {:<{}} ", plain(cells[i]), width[i]);
            }
            fmt::print(out, "{} {}\n", line, plain(cells.back()));
        };
        fmt::print(out, "{}:\n", t.heading);
        print_row(t.columns);
        for (const auto& row : t.rows) {
            print_row(row);
        }
        fmt::print(out, "\n");
    }
}

} // namespace cli
