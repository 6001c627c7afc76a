#include "ftrace/line.h"

#include <charconv>
#include <cstdint>

namespace ftrace::detail {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

std::size_t skip_blanks(std::string_view s, std::size_t pos) {
    while (pos < s.size() && s[pos] == ' ') {
        ++pos;
    }
    return pos;
}

std::size_t skip_digits(std::string_view s, std::size_t pos) {
    while (pos < s.size() && is_digit(s[pos])) {
        ++pos;
    }
    return pos;
}

/// The number in s[begin, end): digits only (no sign), fits an int.
int read_int(std::string_view s, std::size_t begin, std::size_t end, const char* what) {
    int value = 0;
    const char* first = s.data() + begin;
    const auto [ptr, ec] = std::from_chars(first, s.data() + end, value);
    if (begin == end || !is_digit(*first) || ec != std::errc() || ptr != s.data() + end) {
        throw LineError{first, std::string("malformed ") + what};
    }
    return value;
}

/// The '-' between comm and pid: the first `-DIGITS ` followed (after blanks) by the tgid `(`,
/// the CPU `[`, or a digit (trace-cmd -l). A comm may hold '-', digits and blanks itself
/// ("(sd-pam)", "pool-1-thread-2"), never that sequence in practice.
std::size_t find_pid_dash(std::string_view line) {
    for (std::size_t d = line.find('-'); d != std::string_view::npos; d = line.find('-', d + 1)) {
        const std::size_t end = skip_digits(line, d + 1);
        if (end == d + 1 || end >= line.size() || line[end] != ' ') {
            continue;
        }
        const std::size_t next = skip_blanks(line, end);
        if (next < line.size() &&
            (line[next] == '(' || line[next] == '[' || is_digit(line[next]))) {
            return d;
        }
    }
    throw LineError{line.data(), "expected an event line `COMM-PID [CPU] ... TIMESTAMP: EVENT`"};
}

/// Splits what precedes the '-' into trace-cmd's `instance:` and the comm (right-aligned).
void read_comm(std::string_view head, Prefix& p) {
    head.remove_prefix(skip_blanks(head, 0));
    const std::size_t blank = head.find(' ');
    if (blank != std::string_view::npos && blank > 0 && head[blank - 1] == ':') {
        const std::size_t rest = skip_blanks(head, blank);
        if (rest < head.size()) {
            p.instance = head.substr(0, blank - 1);
            head.remove_prefix(rest);
        }
    }
    p.comm = head;
}

/// `(  tgid)` or `(-------)` at `pos`; returns the position after it.
std::size_t read_tgid(std::string_view line, std::size_t pos, Prefix& p) {
    const std::size_t close = line.find(')', pos);
    if (close == std::string_view::npos) {
        throw LineError{line.data() + pos, "malformed tgid field: no ')'"};
    }
    const std::size_t begin = skip_blanks(line, pos + 1);
    p.has_tgid = true;
    if (line.substr(begin, close - begin).find_first_not_of('-') == std::string_view::npos) {
        p.tgid = -1;
    } else {
        p.tgid = read_int(line, begin, close, "tgid field");
    }
    return close + 1;
}

/// `[cpu]`, or trace-cmd -l's CPU glued to the flags (`0d..2.`); returns the position after.
std::size_t read_cpu(std::string_view line, std::size_t pos, Prefix& p) {
    if (pos < line.size() && line[pos] == '[') {
        const std::size_t close = line.find(']', pos);
        if (close == std::string_view::npos) {
            throw LineError{line.data() + pos, "malformed CPU field: no ']'"};
        }
        p.cpu = read_int(line, pos + 1, close, "CPU field");
        p.cpu_text = line.substr(pos + 1, close - pos - 1);
        return close + 1;
    }
    if (pos >= line.size() || !is_digit(line[pos])) {
        throw LineError{line.data() + pos, "expected the CPU field `[CPU]`"};
    }
    const std::size_t digits = skip_digits(line, pos);
    p.cpu = read_int(line, pos, digits, "CPU field");
    p.cpu_text = line.substr(pos, digits - pos);
    const std::size_t end = line.find(' ', digits);
    p.flags = line.substr(digits, end == std::string_view::npos ? end : end - digits);
    p.latency_layout = true;
    return end == std::string_view::npos ? line.size() : end;
}

/// `SECONDS.FRACTION` (the ':' excluded) in nanoseconds.
Nanos read_timestamp(std::string_view text) {
    const std::size_t dot = text.find('.');
    if (dot == std::string_view::npos) {
        throw LineError{text.data(),
                        "timestamp without a fraction of a second: record with a trace_clock "
                        "that counts seconds (local, global, mono, boot)"};
    }
    std::int64_t seconds = 0;
    const auto sec = std::from_chars(text.data(), text.data() + dot, seconds);
    const std::string_view fraction = text.substr(dot + 1);
    if (dot == 0 || !is_digit(text.front()) || sec.ec != std::errc() ||
        sec.ptr != text.data() + dot || fraction.empty() ||
        skip_digits(fraction, 0) != fraction.size() || seconds > 9'000'000'000) {
        throw LineError{text.data(), "malformed timestamp"};
    }
    std::int64_t nanos = 0;
    for (std::size_t i = 0; i < 9; ++i) {
        nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    }
    return seconds * 1'000'000'000 + nanos;
}

/// The flags (if the line has them and they were not glued to the CPU) and the timestamp;
/// returns the position after the timestamp's ':'.
std::size_t read_flags_and_time(std::string_view line, std::size_t pos, Prefix& p) {
    for (int field = 0; field < 2; ++field) {
        pos = skip_blanks(line, pos);
        std::size_t end = line.find(' ', pos);
        end = end == std::string_view::npos ? line.size() : end;
        const std::string_view token = line.substr(pos, end - pos);
        if (!token.empty() && token.back() == ':') {
            p.timestamp_text = token.substr(0, token.size() - 1);
            p.timestamp = read_timestamp(p.timestamp_text);
            return end;
        }
        if (field == 1 || !p.flags.empty() || token.empty()) {
            break;
        }
        p.flags = token;
        pos = end;
    }
    throw LineError{line.data() + pos, "expected a timestamp `SECONDS.FRACTION:`"};
}

void read_event(std::string_view line, std::size_t pos, Prefix& p) {
    pos = skip_blanks(line, pos);
    std::size_t end = pos;
    while (end < line.size() && is_name_char(line[end])) {
        ++end;
    }
    p.event = line.substr(pos, end - pos);
    const std::string_view rest = line.substr(end);
    const bool syscall = p.event.starts_with("sys_");
    if (!p.event.empty() && rest.starts_with(':')) {
        p.form = EventForm::named;
        p.body = rest.substr(skip_blanks(rest, 1));
    } else if (syscall && rest.starts_with('(')) {
        p.form = EventForm::syscall_enter;
        p.body = rest.substr(1, rest.ends_with(')') ? rest.size() - 2 : rest.size() - 1);
    } else if (syscall && rest.starts_with(" -> ")) {
        p.form = EventForm::syscall_exit;
        p.body = rest.substr(4);
    } else {
        p.form = EventForm::other;
        if (p.event.empty()) {
            p.event = line.substr(pos, line.find(' ', pos) - pos);
        }
        p.body = rest;
    }
}

} // namespace

Prefix parse_prefix(std::string_view line) {
    Prefix p;
    const std::size_t dash = find_pid_dash(line);
    read_comm(line.substr(0, dash), p);
    const std::size_t pid_end = skip_digits(line, dash + 1);
    p.pid = read_int(line, dash + 1, pid_end, "pid");
    std::size_t pos = skip_blanks(line, pid_end);
    if (line[pos] == '(') {
        pos = skip_blanks(line, read_tgid(line, pos, p));
    }
    pos = read_cpu(line, pos, p);
    pos = read_flags_and_time(line, pos, p);
    read_event(line, pos, p);
    return p;
}

std::string printable(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

bool in_hardirq(std::string_view flags) {
    if (flags.size() < 3) {
        return false;
    }
    const char c = flags[2];
    return c == 'h' || c == 'H' || c == 'z' || c == 'Z';
}

} // namespace ftrace::detail
