#include "scenario/outcome_parser.h"

#include "scenario/text_util.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

/// Nesting limit of parentheses and `!`: the parser and the evaluator recurse.
constexpr int kMaxDepth = 64;

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

class OutcomeParser {
public:
    OutcomeParser(const LoadState& st, const toml::node& node, const std::string& path)
        : st_(st), node_(node), path_(path), text_(node.as_string()->get()) {}

    Outcome parse();

private:
    int condition(int depth);
    int disjunct(int depth);
    int term(int depth);
    OutcomeOperand operand();
    OutcomeOperand named_operand(std::string_view word, std::size_t at);
    OutcomeOperand register_operand(std::string_view thread, std::string_view reg, std::size_t at,
                                    std::size_t reg_at);
    int add(OutcomeNode n);
    void skip_space();
    bool accept(std::string_view token);
    std::string_view word();
    [[noreturn]] void fail(std::size_t at, const std::string& msg) const {
        st_.in.fail(st_.in.word_loc(node_, text_, at), path_, msg);
    }
    std::string found() const {
        return pos_ >= text_.size() ? "the end" : quote(text_.substr(pos_, 1));
    }

    const LoadState& st_;
    const toml::node& node_;
    const std::string& path_;
    std::string_view text_;
    std::size_t pos_ = 0;
    Outcome out_;
};

Outcome OutcomeParser::parse() {
    out_.text = std::string(text_);
    out_.loc = TomlReader::node_loc(node_);
    out_.root = condition(0);
    skip_space();
    if (pos_ < text_.size()) {
        fail(pos_, fmt::format("expected && or || or the end of the condition, got {}", found()));
    }
    return std::move(out_);
}

int OutcomeParser::add(OutcomeNode n) {
    out_.nodes.push_back(std::move(n));
    return static_cast<int>(out_.nodes.size()) - 1;
}

void OutcomeParser::skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
        ++pos_;
    }
}

bool OutcomeParser::accept(std::string_view token) {
    skip_space();
    if (text_.substr(pos_, token.size()) != token) {
        return false;
    }
    pos_ += token.size();
    return true;
}

std::string_view OutcomeParser::word() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_word_char(text_[pos_])) {
        ++pos_;
    }
    return text_.substr(start, pos_ - start);
}

int OutcomeParser::condition(int depth) {
    OutcomeNode any;
    any.kind = OutcomeNode::Kind::any;
    any.children.push_back(disjunct(depth));
    while (accept("||")) {
        any.children.push_back(disjunct(depth));
    }
    return any.children.size() == 1 ? any.children.front() : add(std::move(any));
}

int OutcomeParser::disjunct(int depth) {
    OutcomeNode all;
    all.kind = OutcomeNode::Kind::all;
    all.children.push_back(term(depth));
    while (accept("&&")) {
        all.children.push_back(term(depth));
    }
    return all.children.size() == 1 ? all.children.front() : add(std::move(all));
}

int OutcomeParser::term(int depth) {
    skip_space();
    if (depth >= kMaxDepth) {
        fail(pos_, fmt::format("condition nested too deeply (more than {} levels)", kMaxDepth));
    }
    if (text_.substr(pos_, 1) == "!" && text_.substr(pos_, 2) != "!=") {
        ++pos_;
        OutcomeNode negate;
        negate.kind = OutcomeNode::Kind::negate;
        negate.children.push_back(term(depth + 1));
        return add(std::move(negate));
    }
    if (accept("(")) {
        const int inner = condition(depth + 1);
        if (!accept(")")) {
            fail(pos_, fmt::format("expected ), got {}", found()));
        }
        return inner;
    }
    OutcomeNode cmp;
    cmp.lhs = operand();
    if (accept("==")) {
        cmp.kind = OutcomeNode::Kind::equal;
    } else if (accept("!=")) {
        cmp.kind = OutcomeNode::Kind::not_equal;
    } else {
        fail(pos_, fmt::format("expected == or !=, got {}", found()));
    }
    cmp.rhs = operand();
    return add(std::move(cmp));
}

OutcomeOperand OutcomeParser::operand() {
    skip_space();
    const std::size_t at = pos_;
    const std::string_view w = word();
    if (w.empty()) {
        fail(at, fmt::format("expected THREAD:REG, a variable or an integer, got {}", found()));
    }
    std::int64_t v = 0;
    switch (parse_int(w, v)) {
    case IntParse::ok:
        return OutcomeOperand{.kind = OutcomeOperand::Kind::constant, .value = v};
    case IntParse::out_of_range:
        fail(at, fmt::format("{} is out of range (64-bit integers only)", w));
    case IntParse::not_an_integer:
        break;
    }
    return named_operand(w, at);
}

OutcomeOperand OutcomeParser::named_operand(std::string_view w, std::size_t at) {
    if (pos_ < text_.size() && text_[pos_] == ':') {
        ++pos_;
        const std::size_t reg_at = pos_;
        const std::string_view reg = word();
        return register_operand(w, reg, at, reg_at);
    }
    const auto it = st_.variable_index.find(w);
    if (it == st_.variable_index.end()) {
        std::vector<std::string_view> names;
        for (const Variable& v : st_.sc.variables) {
            names.push_back(v.name);
        }
        fail(at, fmt::format("no variable named {}{} (a register is written THREAD:REG)", quote(w),
                             did_you_mean(closest(w, names))));
    }
    return OutcomeOperand{.kind = OutcomeOperand::Kind::var, .index = it->second};
}

OutcomeOperand OutcomeParser::register_operand(std::string_view thread, std::string_view reg,
                                               std::size_t at, std::size_t reg_at) {
    const auto& threads = st_.sc.threads;
    const auto t = std::find_if(threads.begin(), threads.end(),
                                [&](const Thread& th) { return th.name == thread; });
    if (t == threads.end() || t->kthread) {
        std::vector<std::string_view> names;
        for (const Thread& th : threads) {
            names.push_back(th.name);
        }
        fail(at, fmt::format("no [[thread]] named {}{}", quote(thread),
                             did_you_mean(closest(thread, names))));
    }
    const auto r = std::find(t->registers.begin(), t->registers.end(), reg);
    if (r == t->registers.end()) {
        std::vector<std::string_view> regs(t->registers.begin(), t->registers.end());
        fail(reg_at, fmt::format("thread {} has no register {} (its loads name: {})", t->name,
                                 quote(reg), regs.empty() ? "none" : join(regs)));
    }
    return OutcomeOperand{.kind = OutcomeOperand::Kind::reg,
                          .thread = static_cast<int>(t - threads.begin()),
                          .index = static_cast<int>(r - t->registers.begin())};
}

} // namespace

Outcome parse_outcome(const LoadState& st, const toml::node& node, const std::string& path) {
    if (!node.is_string()) {
        st.in.bad_type(node, path, "a condition string");
    }
    return OutcomeParser(st, node, path).parse();
}

} // namespace scenario::detail
