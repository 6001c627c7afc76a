#include "ftrace/fields.h"

#include <charconv>
#include <string>

namespace ftrace::detail {

namespace {

bool ends_value(char c) {
    return c == ' ' || c == ',' || c == ')';
}
bool starts_key(char c) {
    return c == ' ' || c == ',' || c == '(';
}

template <typename T>
bool parse_whole(std::string_view text, T& value, int base = 10) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

} // namespace

std::size_t Fields::find_key(std::string_view key) const {
    for (std::size_t pos = body_.find(key); pos != std::string_view::npos;
         pos = body_.find(key, pos + 1)) {
        const std::size_t sep = pos + key.size();
        if ((pos == 0 || starts_key(body_[pos - 1])) && sep < body_.size() &&
            (body_[sep] == '=' || body_[sep] == ':')) {
            return sep;
        }
    }
    return std::string_view::npos;
}

std::optional<std::string_view> Fields::find(std::string_view key) const {
    const std::size_t sep = find_key(key);
    if (sep == std::string_view::npos) {
        return std::nullopt;
    }
    std::size_t begin = sep + 1;
    while (begin < body_.size() && body_[begin] == ' ') {
        ++begin;
    }
    std::size_t end = begin;
    while (end < body_.size() && !ends_value(body_[end])) {
        ++end;
    }
    return body_.substr(begin, end - begin);
}

std::string_view Fields::value(std::string_view key) const {
    if (const auto v = find(key)) {
        return *v;
    }
    fail(body_, std::string("no ").append(key).append("= field"));
}

std::string_view Fields::value_until(std::string_view key, std::string_view next_key) const {
    const std::size_t sep = find_key(key);
    if (sep == std::string_view::npos) {
        fail(body_, std::string("no ").append(key).append("= field"));
    }
    const std::size_t begin = sep + 1;
    for (std::size_t pos = body_.find(next_key, begin); pos != std::string_view::npos;
         pos = body_.find(next_key, pos + 1)) {
        const std::size_t next_sep = pos + next_key.size();
        if (pos > begin && body_[pos - 1] == ' ' && next_sep < body_.size() &&
            (body_[next_sep] == '=' || body_[next_sep] == ':')) {
            return body_.substr(begin, pos - 1 - begin);
        }
    }
    fail(body_.substr(begin),
         std::string("no ").append(next_key).append("= field after ").append(key));
}

int Fields::to_int(std::string_view text) const {
    int value = 0;
    if (!parse_whole(text, value)) {
        fail(text, "malformed number '" + printable(text) + "'");
    }
    return value;
}

int Fields::to_pid(std::string_view text) const {
    const int pid = to_int(text);
    if (pid < 0) {
        fail(text, "negative pid " + std::to_string(pid));
    }
    return pid;
}

int Fields::cpu_value(std::string_view key) const {
    const std::string_view text = value(key);
    const int cpu = to_int(text);
    if (cpu < 0 || cpu >= cpus_) {
        fail(text,
             "CPU " + std::to_string(cpu) + " out of range (" + std::to_string(cpus_) + " CPUs)");
    }
    return cpu;
}

std::int64_t Fields::to_int64(std::string_view text) const {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        std::uint64_t pattern = 0;
        if (!parse_whole(text.substr(2), pattern, 16)) {
            fail(text, "malformed number '" + printable(text) + "'");
        }
        return static_cast<std::int64_t>(pattern);
    }
    std::int64_t value = 0;
    if (!parse_whole(text, value)) {
        fail(text, "malformed number '" + printable(text) + "'");
    }
    return value;
}

std::uint64_t Fields::to_hex(std::string_view text) const {
    const std::string_view digits =
        text.starts_with("0x") || text.starts_with("0X") ? text.substr(2) : text;
    std::uint64_t value = 0;
    if (!parse_whole(digits, value, 16)) {
        fail(text, "malformed hexadecimal number '" + printable(text) + "'");
    }
    return value;
}

void Fields::fail(std::string_view where, std::string_view message) const {
    throw LineError{where.data(), std::string(event_).append(": ").append(message)};
}

} // namespace ftrace::detail
