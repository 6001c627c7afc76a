#pragma once
// Small text helpers for the loader: quoting, "did you mean", path segments for messages, and
// a check of the raw text before toml++ parses it. Internal to the scenario layer.

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

/// `text` with ASCII upper-case letters in lower case.
std::string lower_ascii(std::string_view text);

/// [A-Za-z_][A-Za-z0-9_]*: variable and register names.
bool is_identifier(std::string_view text);

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

/// N of a per-CPU counter name `cpuN.counter`, or nothing when there is no such prefix (as
/// sim::split_cpu_prefix reads it: decimal digits that fit an int).
std::optional<int> counter_cpu(std::string_view name);

/// toml++ parses a dotted key (`a.b.c = 1`, `[a.b.c]`, `[[a.b.c]]`) with one nested call per
/// segment and no limit: 50,000 segments (100 KB of text) overflow an 8 MB stack. A scenario's
/// keys have at most three segments; the loader refuses longer chains than this before parsing.
inline constexpr std::size_t kMaxDottedKeySegments = 64;

/// Byte offset of the `.` that makes a chain of kMaxDottedKeySegments + 1 segments, outside
/// strings and comments; npos when there is none. Every chain of bare or quoted segments joined
/// by dots counts, so a float (`3.0`) is a chain of two.
std::size_t find_overlong_dotted_key(std::string_view text);

/// Number of code points in valid UTF-8 text.
std::size_t codepoints(std::string_view utf8);

} // namespace scenario::detail
