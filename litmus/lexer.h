#pragma once
// Tokens of a litmus file (litmus.h): names, integers and punctuation, with their line and
// column. `(* ... *)` is a comment outside parentheses and braces (inside them `(*x)` is C);
// `//` and `/* */` are comments everywhere. Internal to litmus/.

#include <string>
#include <string_view>
#include <vector>

namespace litmus::detail {

struct Token {
    enum class Kind { name, number, punct, end };
    Kind kind = Kind::end;
    std::string text;
    int line = 1;
    int column = 1;
};

/// The tokens of `text` from byte `from` on (the C NAME line is read before); throws
/// LitmusError at an unterminated comment or a character no token starts with.
std::vector<Token> tokenize(std::string_view text, std::size_t from, int line,
                            const std::string& file);

} // namespace litmus::detail
