#pragma once
// Small text helpers for the loader's messages: quoting, "did you mean", path segments.
// Internal to the scenario layer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scenario::detail {

/// `"text"` with `"`, `\` and control characters escaped, so a message stays on one line.
std::string quote(std::string_view text);

/// A TOML key as a path segment: bare when it is a valid bare key, quoted otherwise.
std::string key_segment(std::string_view key);

/// Optimal-string-alignment edit distance, ASCII case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a plausible typo.
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string_view>& candidates);

/// `a, b, c`
std::string join(const std::vector<std::string_view>& items, std::string_view sep = ", ");

/// ` (did you mean "x"?)` or "" when there is no suggestion.
std::string did_you_mean(const std::optional<std::string>& suggestion);

/// ` (did you mean "x"? expected one of: a, b)`, ` (expected one of: a, b)`, ...
std::string suggest_and_list(const std::optional<std::string>& suggestion,
                             const std::vector<std::string_view>& expected);

/// Parses a step integer: optional `-`, then decimal digits or `0x` hex digits.
enum class IntParse { ok, not_an_integer, out_of_range };
IntParse parse_int(std::string_view text, std::int64_t& out);

/// Number of code points in valid UTF-8 text.
std::size_t codepoints(std::string_view utf8);

} // namespace scenario::detail
