#include "scenario/step_parser.h"

#include "scenario/steps.h"
#include "scenario/text_util.h"

#include <algorithm>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

/// `repeat` nesting limit: bodies are nested Steps, and every consumer walks them recursively.
constexpr std::size_t kMaxRepeatDepth = 64;

bool is_label_name(std::string_view s) {
    auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    auto tail = [&](char c) { return head(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; };
    return !s.empty() && head(s.front()) && std::all_of(s.begin() + 1, s.end(), tail);
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// One word of a step string; `off` is its byte offset in the string.
struct Tok {
    std::string_view text;
    std::size_t off = 0;
};

/// The step string being parsed.
struct StepSrc {
    const toml::node* node;
    std::string_view value;
    std::string path;   ///< for messages: `thread[0].program[3]`
    bool in_repeat;     ///< between a `repeat` and its `end`
    std::int32_t index; ///< in the `program` array (Step::source)
};

/// An option as written: `name=value`, or a bare flag.
struct WrittenOption {
    const OptionInfo* info;
    std::string_view value;
    std::size_t off;       ///< of the option
    std::size_t value_off; ///< of its value
    bool bare;
};

/// A step's words after the operation: positional arguments, then options.
struct StepWords {
    std::vector<Tok> args;
    std::vector<WrittenOption> options;
};

struct ParsedStep {
    Step step;
    const StepInfo* info = nullptr;
};

/// A `repeat` whose `end` has not been read yet.
struct OpenRepeat {
    Step repeat;
    std::string path;
    std::vector<Step> body;
};

class StepParser {
public:
    StepParser(LoadState& state, bool kthread) : st_(state), in_(state.in), kthread_(kthread) {}

    std::vector<Step> parse_program(const toml::array& program, const std::string& path);

private:
    void place(ParsedStep ps, const std::string& path);
    ParsedStep parse_step(const StepSrc& src);
    std::vector<Tok> tokenize(const StepSrc& src) const;
    const StepInfo& find_operation(const StepSrc& src, const Tok& op_tok) const;
    StepWords split_words(const StepSrc& src, const std::vector<Tok>& toks,
                          const StepInfo& info) const;
    [[noreturn]] void too_many_arguments(const StepSrc& src, const Tok& t,
                                         const StepInfo& info) const;
    WrittenOption read_option_word(const StepSrc& src, const Tok& t, const StepInfo& info,
                                   const StepWords& words) const;
    const OptionInfo& find_option(const StepSrc& src, const Tok& t, std::string_view name,
                                  const StepInfo& info) const;
    void read_argument(Step& step, const StepSrc& src, const ArgInfo& arg, const Tok& t);
    void read_membarrier_cmd(Step& step, const StepSrc& src, const Tok& t) const;
    void read_option(Step& step, const StepSrc& src, const WrittenOption& o);
    std::int64_t read_membarrier_flags(const StepSrc& src, const WrittenOption& o) const;
    ResultValue read_result(const StepSrc& src, const WrittenOption& o) const;
    void read_label(Step& step, const StepSrc& src, const WrittenOption& o);
    std::int64_t step_int(const StepSrc& src, const Tok& t, std::string_view what) const;

    SourceLoc loc(const StepSrc& src, std::size_t off) const {
        return in_.word_loc(*src.node, src.value, off);
    }
    std::string usage(const StepInfo& info) const { return step_usage(info, kthread_); }

    LoadState& st_;
    const TomlReader& in_;
    const bool kthread_;
    std::vector<Step> top_;        ///< the program's top-level steps
    std::vector<OpenRepeat> open_; ///< the repeats being read, innermost last
};

std::vector<Step> StepParser::parse_program(const toml::array& program, const std::string& path) {
    // Exact capacity (a Step is a few hundred bytes and a scenario may have 100,000 threads):
    // at most one step per string, and fewer only with repeats.
    top_.reserve(program.size());
    for (std::size_t i = 0; i < program.size(); ++i) {
        const toml::node& n = *program.get(i);
        StepSrc src{&n, {}, index_path(path, i), !open_.empty(), static_cast<std::int32_t>(i)};
        if (!n.is_string()) {
            in_.bad_type(n, src.path, "a step string");
        }
        src.value = n.as_string()->get();
        place(parse_step(src), src.path);
    }
    if (!open_.empty()) {
        const OpenRepeat& r = open_.back();
        in_.fail(r.repeat.loc, r.path, "\"repeat\" without a matching \"end\"");
    }
    top_.shrink_to_fit();
    return std::move(top_);
}

/// Appends a step to the innermost open repeat (or the program), opening or closing repeats.
void StepParser::place(ParsedStep ps, const std::string& path) {
    if (ps.info->closes_repeat) {
        if (open_.empty()) {
            in_.fail(ps.step.loc, path, "\"end\" without a matching \"repeat\"");
        }
        OpenRepeat r = std::move(open_.back());
        open_.pop_back();
        r.body.shrink_to_fit();
        r.repeat.body = std::move(r.body);
        (open_.empty() ? top_ : open_.back().body).push_back(std::move(r.repeat));
    } else if (ps.step.op == Op::repeat) {
        if (open_.size() >= kMaxRepeatDepth) {
            in_.fail(
                ps.step.loc, path,
                fmt::format("repeat nested too deeply (more than {} levels)", kMaxRepeatDepth));
        }
        open_.push_back(OpenRepeat{std::move(ps.step), path, {}});
    } else {
        (open_.empty() ? top_ : open_.back().body).push_back(std::move(ps.step));
    }
}

ParsedStep StepParser::parse_step(const StepSrc& src) {
    const std::vector<Tok> toks = tokenize(src);
    const StepInfo& info = find_operation(src, toks.front());
    const StepWords words = split_words(src, toks, info);
    ParsedStep ps;
    ps.info = &info;
    Step& step = ps.step;
    step.op = info.op;
    step.source = src.index;
    step.loc = loc(src, toks.front().off);
    if (info.closes_repeat) {
        return ps;
    }
    const std::vector<const ArgInfo*> args = step_args(info, kthread_);
    for (std::size_t i = 0; i < words.args.size(); ++i) {
        read_argument(step, src, *args[i], words.args[i]);
    }
    for (const WrittenOption& o : words.options) {
        read_option(step, src, o);
    }
    return ps;
}

/// The words of a step string, split on ASCII white space, with their byte offsets.
std::vector<Tok> StepParser::tokenize(const StepSrc& src) const {
    std::vector<Tok> toks;
    const std::string_view s = src.value;
    for (std::size_t i = 0; i < s.size();) {
        if (is_space(s[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j])) {
            ++j;
        }
        toks.push_back(Tok{s.substr(i, j - i), i});
        i = j;
    }
    if (toks.empty()) {
        in_.fail(TomlReader::node_loc(*src.node), src.path,
                 "empty step (expected an operation such as \"user 1000\")");
    }
    return toks;
}

/// The step table's entry for the operation word, if a thread of this kind may use it here.
const StepInfo& StepParser::find_operation(const StepSrc& src, const Tok& op_tok) const {
    const SourceLoc op_loc = loc(src, op_tok.off);
    const StepInfo* info = find_step(op_tok.text);
    if (info == nullptr) {
        // Suggest an operation of this thread kind first.
        std::vector<std::string_view> mine;
        std::vector<std::string_view> all;
        for (const StepInfo& s : step_table()) {
            all.push_back(s.name);
            if (includes(s.kinds, kthread_)) {
                mine.push_back(s.name);
            }
        }
        auto sugg = closest(op_tok.text, mine);
        if (!sugg) {
            sugg = closest(op_tok.text, all);
        }
        in_.fail(op_loc, src.path,
                 fmt::format("unknown operation {}{}", quote(op_tok.text), did_you_mean(sugg)));
    }
    if (!includes(info->kinds, kthread_)) {
        in_.fail(op_loc, src.path,
                 fmt::format("{} is only for [[{}]]", info->name, kthread_ ? "thread" : "kthread"));
    }
    if (src.in_repeat && !info->allowed_in_repeat) {
        in_.fail(op_loc, src.path, fmt::format("{} is not allowed inside repeat", info->name));
    }
    return *info;
}

/// Sorts the words after the operation into positional arguments and options (`key=value`, a
/// flag, or the name of a valued option alone, which is an error), checking their number.
StepWords StepParser::split_words(const StepSrc& src, const std::vector<Tok>& toks,
                                  const StepInfo& info) const {
    StepWords words;
    const std::size_t nargs = step_args(info, kthread_).size();
    for (std::size_t i = 1; i < toks.size(); ++i) {
        const Tok& t = toks[i];
        const bool option_word =
            t.text.find('=') != std::string_view::npos ||
            std::any_of(info.options.begin(), info.options.end(),
                        [&](StepOption o) { return option_info(o).name == t.text; });
        if (option_word) {
            words.options.push_back(read_option_word(src, t, info, words));
            continue;
        }
        if (!words.options.empty()) {
            in_.fail(loc(src, t.off), src.path,
                     fmt::format("unexpected argument {} after options (usage: {})", quote(t.text),
                                 usage(info)));
        }
        if (words.args.size() >= nargs) {
            too_many_arguments(src, t, info);
        }
        words.args.push_back(t);
    }
    if (words.args.size() < nargs) {
        in_.fail(loc(src, toks.front().off), src.path,
                 fmt::format("missing argument (usage: {})", usage(info)));
    }
    return words;
}

/// Reports the positional argument `t`, one more than the step takes.
void StepParser::too_many_arguments(const StepSrc& src, const Tok& t, const StepInfo& info) const {
    std::vector<std::string_view> option_names;
    for (const StepOption o : info.options) {
        option_names.push_back(option_info(o).name);
    }
    const auto sugg = closest(t.text, option_names);
    std::string hints;
    for (const ArgInfo& a : info.args) {
        if (!includes(a.kinds, kthread_) && !a.absent_hint.empty()) {
            hints += fmt::format("; {}", a.absent_hint);
        }
    }
    in_.fail(loc(src, t.off), src.path,
             step_args(info, kthread_).empty() && !sugg
                 ? fmt::format("{} takes no arguments, got {} (usage: {}{})", info.name,
                               quote(t.text), usage(info), hints)
                 : fmt::format("unexpected argument {}{} (usage: {}{})", quote(t.text),
                               did_you_mean(sugg), usage(info), hints));
}

/// An option word: its name must be one of the step's options, given once, with a value unless
/// it is a flag.
WrittenOption StepParser::read_option_word(const StepSrc& src, const Tok& t, const StepInfo& info,
                                           const StepWords& words) const {
    const std::size_t eq = t.text.find('=');
    const bool bare = eq == std::string_view::npos;
    const std::string_view name = bare ? t.text : t.text.substr(0, eq);
    const SourceLoc at = loc(src, t.off);
    if (name.empty()) {
        in_.fail(at, src.path, fmt::format("expected key=value, got {}", quote(t.text)));
    }
    const OptionInfo& option = find_option(src, t, name, info);
    const std::string needs_value =
        fmt::format("option {} needs a value ({}=...)", quote(name), name);
    if (bare && option.type != OptionType::flag) {
        in_.fail(at, src.path, needs_value);
    }
    for (const WrittenOption& o : words.options) {
        if (o.info == &option) {
            in_.fail(at, src.path, fmt::format("option {} given twice", quote(name)));
        }
    }
    const std::string_view value = bare ? std::string_view() : t.text.substr(eq + 1);
    if (!bare && value.empty()) {
        in_.fail(at, src.path, needs_value);
    }
    return WrittenOption{&option, value, t.off, bare ? t.off : t.off + eq + 1, bare};
}

/// The option `name` of the word `t`, which must be one of the step's.
const OptionInfo& StepParser::find_option(const StepSrc& src, const Tok& t, std::string_view name,
                                          const StepInfo& info) const {
    for (const StepOption o : info.options) {
        if (option_info(o).name == name) {
            return option_info(o);
        }
    }
    std::vector<std::string_view> valid;
    for (const StepOption o : info.options) {
        valid.push_back(option_info(o).name);
    }
    const SourceLoc at = loc(src, t.off);
    if (valid.empty()) {
        in_.fail(at, src.path,
                 fmt::format("{} takes no options, got {}", info.name, quote(t.text)));
    }
    const bool known = std::any_of(step_options().begin(), step_options().end(),
                                   [&](const OptionInfo& o) { return o.name == name; });
    in_.fail(at, src.path,
             known ? fmt::format("option {} is not valid for {} (valid: {})", quote(name),
                                 info.name, join(valid))
                   : fmt::format("unknown option {}{}", quote(name),
                                 suggest_and_list(closest(name, valid), valid)));
}

void StepParser::read_argument(Step& step, const StepSrc& src, const ArgInfo& arg, const Tok& t) {
    const SourceLoc at = loc(src, t.off);
    switch (arg.type) {
    case ArgType::integer:
        step.*arg.int_field = step_int(src, t, arg.name);
        in_.check_range(step.*arg.int_field, arg.min, arg.max, at, src.path, arg.name);
        break;
    case ArgType::cpu:
        step.n = step_int(src, t, arg.name);
        st_.check_cpu(step.n, at, src.path);
        break;
    case ArgType::awaited_event:
        step.event = st_.event_id(t.text);
        st_.waits.push_back(WaitMention{step.event, src.path, at});
        break;
    case ArgType::signalled_event:
        step.event = st_.event_id(t.text);
        st_.signalled.insert(step.event);
        break;
    case ArgType::process:
        step.process = st_.find_process(t.text, at, src.path);
        break;
    case ArgType::membarrier_cmd:
        read_membarrier_cmd(step, src, t);
        break;
    case ArgType::variable:
        step.var = st_.find_variable(t.text, at, src.path);
        break;
    case ArgType::reg:
        step.reg = st_.register_id(t.text, at, src.path);
        break;
    }
}

/// A membarrier command: a name of membarrier_commands(), or any integer.
void StepParser::read_membarrier_cmd(Step& step, const StepSrc& src, const Tok& t) const {
    step.edit_notes().cmd_name = std::string(t.text);
    std::vector<std::string_view> names;
    for (const MembarrierCommand& m : membarrier_commands()) {
        names.push_back(m.name);
        if (m.name == t.text) {
            step.cmd = m.value;
            return;
        }
    }
    std::int64_t v = 0;
    const IntParse r = parse_int(t.text, v);
    if (r == IntParse::out_of_range) {
        in_.fail(loc(src, t.off), src.path,
                 fmt::format("membarrier command {} is out of range", t.text));
    }
    if (r != IntParse::ok) {
        std::string norm = lower_ascii(t.text);
        if (norm.rfind("membarrier_cmd_", 0) == 0) {
            norm = norm.substr(15);
        }
        in_.fail(loc(src, t.off), src.path,
                 fmt::format("unknown membarrier command {}{}", quote(t.text),
                             suggest_and_list(closest(norm, names), names)));
    }
    step.cmd = v;
}

void StepParser::read_option(Step& step, const StepSrc& src, const WrittenOption& o) {
    const OptionInfo& info = *o.info;
    const SourceLoc at = loc(src, o.value_off);
    switch (info.type) {
    case OptionType::integer:
        step.*info.int_field = step_int(src, Tok{o.value, o.value_off}, info.name);
        in_.check_range(step.*info.int_field, info.min, info.max, at, src.path, info.name);
        break;
    case OptionType::flag:
        if (!o.bare && o.value != "true" && o.value != "false") {
            in_.fail(at, src.path,
                     fmt::format("{} must be true or false, got {}", info.name, quote(o.value)));
        }
        step.*info.bool_field = o.bare || o.value == "true";
        break;
    case OptionType::membarrier_flags:
        step.*info.int_field = read_membarrier_flags(src, o);
        break;
    case OptionType::result:
        step.edit_notes().expect = read_result(src, o);
        break;
    case OptionType::label:
        read_label(step, src, o);
        break;
    }
}

/// membarrier flags: an integer, or `cpu` for MEMBARRIER_CMD_FLAG_CPU.
std::int64_t StepParser::read_membarrier_flags(const StepSrc& src, const WrittenOption& o) const {
    if (o.value == "cpu") {
        return 1;
    }
    const SourceLoc at = loc(src, o.value_off);
    std::int64_t v = 0;
    const IntParse r = parse_int(o.value, v);
    if (r == IntParse::out_of_range) {
        in_.fail(at, src.path, fmt::format("{} {} is out of range", o.info->name, o.value));
    }
    if (r != IntParse::ok) {
        in_.fail(at, src.path,
                 fmt::format("{} must be an integer or \"cpu\", got {}{}", o.info->name,
                             quote(o.value), did_you_mean(closest(o.value, {"cpu"}))));
    }
    return v;
}

/// A system call's result: a non-negative integer or a canonical errno name.
ResultValue StepParser::read_result(const StepSrc& src, const WrittenOption& o) const {
    const SourceLoc at = loc(src, o.value_off);
    const std::string_view name = o.info->name;
    std::int64_t v = 0;
    const IntParse r = parse_int(o.value, v);
    if (r == IntParse::out_of_range) {
        in_.fail(at, src.path, fmt::format("{} {} is out of range", name, o.value));
    }
    if (r == IntParse::ok && v < 0) {
        in_.fail(at, src.path,
                 fmt::format("{} must be a non-negative integer or an errno name, got {}{}", name,
                             v, negative_result_hint(v)));
    }
    if (r == IntParse::ok) {
        ResultValue rv;
        rv.value = v;
        return rv;
    }
    if (auto rv = errno_result(o.value)) {
        return *rv;
    }
    in_.fail(at, src.path,
             fmt::format("{} must be a non-negative integer or an errno name, got {}{}", name,
                         quote(o.value), errno_hint(o.value)));
}

void StepParser::read_label(Step& step, const StepSrc& src, const WrittenOption& o) {
    const SourceLoc at = loc(src, o.value_off);
    if (!is_label_name(o.value)) {
        in_.fail(
            at, src.path,
            fmt::format("invalid label {} (a label is [A-Za-z_][A-Za-z0-9_.-]*)", quote(o.value)));
    }
    if (src.in_repeat) {
        in_.fail(loc(src, o.off), src.path, "labels are not allowed inside repeat");
    }
    if (auto it = st_.labels.find(o.value); it != st_.labels.end()) {
        in_.fail(at, src.path,
                 fmt::format("duplicate label {} (first used at {}, line {})", quote(o.value),
                             it->second.path, it->second.loc.line));
    }
    step.edit_notes().label = std::string(o.value);
    st_.labels.emplace(step.notes().label, LabelInfo{src.path, step.loc, step.op});
}

std::int64_t StepParser::step_int(const StepSrc& src, const Tok& t, std::string_view what) const {
    std::int64_t v = 0;
    switch (parse_int(t.text, v)) {
    case IntParse::ok:
        return v;
    case IntParse::out_of_range:
        in_.fail(loc(src, t.off), src.path,
                 fmt::format("{} {} is out of range (64-bit integers only)", what, t.text));
    case IntParse::not_an_integer:
        break;
    }
    in_.fail(loc(src, t.off), src.path,
             fmt::format("{} must be an integer, got {}", what, quote(t.text)));
}

} // namespace

std::vector<Step> parse_program(LoadState& state, const toml::array& program,
                                const std::string& path, bool kthread) {
    return StepParser(state, kthread).parse_program(program, path);
}

} // namespace scenario::detail
