#include "litmus/lexer.h"

#include "litmus/litmus.h"

#include <fmt/format.h>

#include <cctype>

namespace litmus::detail {

namespace {

class Lexer {
public:
    Lexer(std::string_view text, std::size_t from, int line, const std::string& file)
        : s_(text), i_(from), line_(line), file_(file) {
        // Columns count from the start of the line `from` is on.
        const std::size_t nl = s_.rfind('\n', from == 0 ? 0 : from - 1);
        line_start_ = nl == std::string_view::npos || from == 0 ? 0 : nl + 1;
    }

    std::vector<Token> run() {
        std::vector<Token> out;
        for (skip_blank(); i_ < s_.size(); skip_blank()) {
            out.push_back(next());
        }
        out.push_back(Token{Token::Kind::end, "", line_, column()});
        return out;
    }

private:
    int column() const { return static_cast<int>(i_ - line_start_) + 1; }

    [[noreturn]] void fail(int line, int col, const std::string& what) const {
        throw LitmusError(fmt::format("{}:{}:{}: {}", file_, line, col, what));
    }

    void advance() {
        if (s_[i_] == '\n') {
            ++line_;
            line_start_ = i_ + 1;
        }
        ++i_;
    }

    bool at(std::string_view p) const { return s_.substr(i_, p.size()) == p; }

    /// Skips to the end of a comment that started at the current position.
    void skip_comment(std::string_view close) {
        const int line = line_;
        const int col = column();
        while (i_ < s_.size() && !at(close)) {
            advance();
        }
        if (i_ >= s_.size()) {
            fail(line, col, "unterminated comment");
        }
        i_ += close.size();
    }

    void skip_blank() {
        while (i_ < s_.size()) {
            if (std::isspace(static_cast<unsigned char>(s_[i_])) != 0) {
                advance();
            } else if (at("(*") && depth_ == 0) {
                skip_comment("*)");
            } else if (at("/*")) {
                skip_comment("*/");
            } else if (at("//")) {
                while (i_ < s_.size() && s_[i_] != '\n') {
                    advance();
                }
            } else {
                return;
            }
        }
    }

    Token take(Token::Kind kind, std::size_t n) {
        Token t{kind, std::string(s_.substr(i_, n)), line_, column()};
        i_ += n;
        return t;
    }

    Token next() {
        const auto c = static_cast<unsigned char>(s_[i_]);
        if (std::isalpha(c) != 0 || c == '_') {
            std::size_t n = 1;
            while (
                i_ + n < s_.size() &&
                (std::isalnum(static_cast<unsigned char>(s_[i_ + n])) != 0 || s_[i_ + n] == '_')) {
                ++n;
            }
            return take(Token::Kind::name, n);
        }
        if (std::isdigit(c) != 0) {
            std::size_t n = 1;
            while (i_ + n < s_.size() &&
                   std::isalnum(static_cast<unsigned char>(s_[i_ + n])) != 0) {
                ++n;
            }
            return take(Token::Kind::number, n);
        }
        for (const std::string_view p : {"/\\", "\\/", "!="}) {
            if (at(p)) {
                return take(Token::Kind::punct, p.size());
            }
        }
        if (std::string_view("(){};,*=:~.-&[]").find(static_cast<char>(c)) !=
            std::string_view::npos) {
            depth_ += (c == '(' || c == '{') ? 1 : (c == ')' || c == '}') ? -1 : 0;
            return take(Token::Kind::punct, 1);
        }
        fail(line_, column(), fmt::format("unexpected character '{}'", static_cast<char>(c)));
    }

    std::string_view s_;
    std::size_t i_;
    int line_;
    std::size_t line_start_ = 0;
    int depth_ = 0;
    const std::string& file_;
};

} // namespace

std::vector<Token> tokenize(std::string_view text, std::size_t from, int line,
                            const std::string& file) {
    return Lexer(text, from, line, file).run();
}

} // namespace litmus::detail
