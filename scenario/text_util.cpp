#include "scenario/text_util.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_bare_key_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/// Index just past the TOML string that starts at text[i] (a quote character); `multiline` tells
/// whether it was a multi-line one. An unterminated single-line string ends at the newline.
std::size_t skip_string(std::string_view text, std::size_t i, bool& multiline) {
    const char q = text[i];
    const std::string_view triple = q == '"' ? std::string_view(R"(""")") : "'''";
    multiline = text.substr(i).starts_with(triple);
    std::size_t j = multiline ? i + 3 : i + 1;
    while (j < text.size() && (multiline || text[j] != '\n')) {
        if (q == '"' && text[j] == '\\') {
            j += 2;
        } else if (!multiline && text[j] == q) {
            return j + 1;
        } else if (multiline && text.substr(j).starts_with(triple)) {
            std::size_t end = j + 3;
            while (end < text.size() && end < j + 5 && text[end] == q) {
                ++end; // up to two quotes of the content may precede the closing three
            }
            return end;
        } else {
            ++j;
        }
    }
    return std::min(j, text.size());
}

} // namespace

bool is_identifier(std::string_view text) {
    const auto head = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    };
    const auto tail = [&](char c) { return head(c) || (c >= '0' && c <= '9'); };
    return !text.empty() && head(text.front()) && std::all_of(text.begin() + 1, text.end(), tail);
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = lower(c);
    }
    return out;
}

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\u{:04X}", static_cast<unsigned>(u));
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string key_segment(std::string_view key) {
    if (!key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char)) {
        return std::string(key);
    }
    return quote(key);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    // Three rows are enough for the optimal-string-alignment variant (adjacent transpositions).
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            std::size_t d = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                d = std::min(d, prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::swap(prev2, prev);
        std::swap(prev, cur);
    }
    return prev[m];
}

std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string_view>& candidates) {
    // Words longer than this are not worth a quadratic comparison (and are not typos); very long
    // candidate lists are only partly searched, so that an error is always reported quickly.
    constexpr std::size_t kMaxLen = 64;
    constexpr std::size_t kMaxCandidates = 20000;
    if (word.empty() || word.size() > kMaxLen) {
        return std::nullopt;
    }
    std::size_t examined = 0;
    const std::size_t allowed = word.size() <= 4 ? 1 : word.size() <= 8 ? 2 : 3;
    std::optional<std::string> best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (std::string_view c : candidates) {
        if (++examined > kMaxCandidates) {
            break;
        }
        const std::size_t diff =
            c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
        if (c.size() > kMaxLen || diff > 3) {
            continue;
        }
        const std::size_t d = edit_distance(word, c);
        if (d <= allowed && d < std::max(word.size(), c.size()) && d < best_d) {
            best_d = d;
            best = std::string(c);
        }
    }
    return best;
}

std::string join(const std::vector<std::string_view>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) {
            out += sep;
        }
        out += items[i];
    }
    return out;
}

std::string did_you_mean(const std::optional<std::string>& suggestion) {
    if (!suggestion) {
        return "";
    }
    return fmt::format(" (did you mean {}?)", quote(*suggestion));
}

std::string suggest_and_list(const std::optional<std::string>& suggestion,
                             const std::vector<std::string_view>& expected) {
    std::string inner;
    if (suggestion) {
        inner = fmt::format("did you mean {}?", quote(*suggestion));
    }
    if (!expected.empty()) {
        if (!inner.empty()) {
            inner += ' ';
        }
        inner += "expected one of: " + join(expected);
    }
    return inner.empty() ? "" : " (" + inner + ")";
}

IntParse parse_int(std::string_view text, std::int64_t& out) {
    bool negative = false;
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '-') {
        negative = true;
        digits.remove_prefix(1);
    }
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    if (digits.empty()) {
        return IntParse::not_an_integer;
    }
    for (char c : digits) {
        const bool ok = (c >= '0' && c <= '9') ||
                        (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
        if (!ok) {
            return IntParse::not_an_integer;
        }
    }
    std::uint64_t magnitude = 0;
    const auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec == std::errc::result_out_of_range) {
        return IntParse::out_of_range;
    }
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        return IntParse::not_an_integer;
    }
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (negative) {
        if (magnitude > kMax + 1) {
            return IntParse::out_of_range;
        }
        out = magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                    : -static_cast<std::int64_t>(magnitude);
    } else {
        if (magnitude > kMax) {
            return IntParse::out_of_range;
        }
        out = static_cast<std::int64_t>(magnitude);
    }
    return IntParse::ok;
}

std::size_t codepoints(std::string_view utf8) {
    std::size_t n = 0;
    for (char c : utf8) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++n;
        }
    }
    return n;
}

std::optional<int> counter_cpu(std::string_view name) {
    const std::size_t dot = name.find('.');
    if (!name.starts_with("cpu") || dot == std::string_view::npos || dot == 3) {
        return std::nullopt;
    }
    int cpu = 0;
    const char* last = name.data() + dot;
    const auto [ptr, ec] = std::from_chars(name.data() + 3, last, cpu);
    if (ec != std::errc() || ptr != last || cpu < 0) {
        return std::nullopt;
    }
    return cpu;
}

std::size_t find_overlong_dotted_key(std::string_view text) {
    std::size_t dots = 0; // in the current chain
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"' || c == '\'') {
            bool multiline = false;
            i = skip_string(text, i, multiline);
            dots = multiline ? 0 : dots; // a quoted key segment keeps the chain going
            continue;
        }
        if (c == '#') {
            i = std::min(text.find('\n', i), text.size());
            continue;
        }
        if (c == '.') {
            if (++dots >= kMaxDottedKeySegments) {
                return i;
            }
        } else if (!is_bare_key_char(c) && c != ' ' && c != '\t') {
            dots = 0;
        }
        ++i;
    }
    return std::string_view::npos;
}

} // namespace scenario::detail
