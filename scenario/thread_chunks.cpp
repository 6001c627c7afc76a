#include "scenario/thread_chunks.h"

#include <optional>

namespace scenario::detail {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/// The kind of the table header `line` (its first non-blank character is `[`): whether it is
/// exactly `[[thread]]` or `[[kthread]]` (blanks inside the brackets, a comment after), and which.
std::optional<bool> thread_header_kind(std::string_view line) {
    std::size_t i = 0;
    const auto skip_blanks = [&] {
        while (i < line.size() && is_blank(line[i])) {
            ++i;
        }
    };
    const auto take = [&](std::string_view s) {
        if (line.substr(i, s.size()) != s) {
            return false;
        }
        i += s.size();
        return true;
    };
    skip_blanks();
    if (!take("[[")) {
        return std::nullopt;
    }
    skip_blanks();
    const bool kthread = take("kthread");
    if (!kthread && !take("thread")) {
        return std::nullopt;
    }
    skip_blanks();
    if (!take("]]")) {
        return std::nullopt;
    }
    skip_blanks();
    if (i < line.size() && line[i] != '#') {
        return std::nullopt;
    }
    return kthread;
}

/// Where the lexer is between lines: in a multi-line string, or in a value's brackets.
class LineLexer {
public:
    /// Whether a line starting now may be a table header.
    bool at_top() const { return state_ == State::normal && depth_ == 0; }

    /// Follows `line` (without its newline) through strings, comments and brackets.
    void scan(std::string_view line) {
        std::size_t i = 0;
        while (i < line.size()) {
            i = state_ == State::normal ? scan_normal(line, i) : scan_multiline(line, i);
        }
    }

private:
    enum class State { normal, ml_basic, ml_literal };

    std::size_t scan_normal(std::string_view line, std::size_t i) {
        const char c = line[i];
        if (c == '#') {
            return line.size();
        }
        if (c == '"' || c == '\'') {
            const std::string_view triple = c == '"' ? "\"\"\"" : "'''";
            if (line.substr(i, 3) == triple) {
                state_ = c == '"' ? State::ml_basic : State::ml_literal;
                return i + 3;
            }
            return end_of_string(line, i + 1, c);
        }
        if (c == '[' || c == '{') {
            ++depth_;
        } else if ((c == ']' || c == '}') && depth_ > 0) {
            --depth_;
        }
        return i + 1;
    }

    /// Past the one-line string whose body starts at `i` (escapes only in a basic string).
    static std::size_t end_of_string(std::string_view line, std::size_t i, char quote) {
        while (i < line.size() && line[i] != quote) {
            i += quote == '"' && line[i] == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    std::size_t scan_multiline(std::string_view line, std::size_t i) {
        const bool basic = state_ == State::ml_basic;
        const char quote = basic ? '"' : '\'';
        if (basic && line[i] == '\\') {
            return i + 2;
        }
        if (line[i] != quote || line.substr(i, 3) != std::string(3, quote)) {
            return i + 1;
        }
        i += 3;
        // Up to two quotes next to the closing delimiter belong to the string.
        for (int extra = 0; extra < 2 && i < line.size() && line[i] == quote; ++extra) {
            ++i;
        }
        state_ = State::normal;
        return i;
    }

    State state_ = State::normal;
    int depth_ = 0;
};

/// The first non-blank character of `line` is `[`.
bool starts_table(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && is_blank(line[i])) {
        ++i;
    }
    return i < line.size() && line[i] == '[';
}

} // namespace

SplitFile split_thread_tables(std::string_view text) {
    SplitFile out;
    out.header.reserve(text.size() / 8);
    LineLexer lexer;
    std::optional<ThreadChunk> open;
    int line_no = 1;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
            line.remove_prefix(3); // a byte order mark is not part of the first line
        }
        if (lexer.at_top() && starts_table(line)) {
            if (open) {
                open->end = pos;
                out.chunks.push_back(*open);
                open.reset();
            }
            if (const auto kthread = thread_header_kind(line)) {
                open = ThreadChunk{pos, 0, line_no, *kthread};
            }
        } else {
            lexer.scan(line);
        }
        if (!open) {
            out.header.append(text.substr(pos, end - pos));
        }
        if (nl == std::string_view::npos) {
            break;
        }
        out.header.push_back('\n');
        pos = nl + 1;
        ++line_no;
    }
    if (open) {
        open->end = text.size();
        out.chunks.push_back(*open);
    }
    return out;
}

} // namespace scenario::detail
