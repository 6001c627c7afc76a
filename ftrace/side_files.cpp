#include "ftrace/side_files.h"

#include "ftrace/importer.h"
#include "ftrace/line.h"

#include <algorithm>
#include <charconv>

namespace ftrace::detail {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_blank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

/// Calls `each(line, number)` for every line of `text`.
template <typename Each>
void for_each_line(std::string_view text, Each each) {
    Line number = 0;
    for (std::size_t begin = 0; begin < text.size();) {
        std::size_t end = text.find('\n', begin);
        end = end == std::string_view::npos ? text.size() : end;
        each(text.substr(begin, end - begin), ++number);
        begin = end + 1;
    }
}

int column(std::string_view line, std::string_view at) {
    return static_cast<int>(at.data() - line.data()) + 1;
}

template <typename T>
bool parse_number(std::string_view s, T& value) {
    int base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) {
        s.remove_prefix(2);
        base = 16;
    }
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
    return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

struct MachineLine {
    const std::string& name;
    std::string_view line;
    Line number;
    std::string_view value;

    [[noreturn]] void fail(const std::string& message) const {
        throw TraceError(name, number, column(line, value), message);
    }
    bool boolean() const {
        if (value == "yes" || value == "true" || value == "1") {
            return true;
        }
        if (value == "no" || value == "false" || value == "0") {
            return false;
        }
        fail("expected yes or no, not '" + printable(value) + "'");
    }
};

void read_fact(std::string_view key, const MachineLine& m, MachineFacts& facts) {
    if (key == "cpus") {
        if (!parse_number(m.value, facts.cpus) || facts.cpus <= 0 || facts.cpus > 8192) {
            m.fail("expected a number of CPUs, not '" + printable(m.value) + "'");
        }
    } else if (key == "pcid") {
        facts.pcid = m.boolean();
    } else if (key == "invpcid") {
        facts.invpcid = m.boolean();
    } else if (key == "pti") {
        facts.pti = m.boolean();
    } else if (key == "kernel") {
        facts.kernel = std::string(m.value);
    } else if (key == "membarrier_query" && m.value != "unknown") {
        if (!parse_number(m.value, facts.membarrier_query) || facts.membarrier_query < 0) {
            m.fail("expected MEMBARRIER_CMD_QUERY's mask, not '" + printable(m.value) + "'");
        }
    }
}

/// The blank-separated fields of a line, with their columns (1-based).
std::vector<std::pair<std::string_view, int>> fields(std::string_view line) {
    std::vector<std::pair<std::string_view, int>> out;
    std::size_t pos = 0;
    while (pos < line.size()) {
        if (is_blank(line[pos])) {
            ++pos;
            continue;
        }
        std::size_t end = pos;
        while (end < line.size() && !is_blank(line[end])) {
            ++end;
        }
        out.emplace_back(line.substr(pos, end - pos), static_cast<int>(pos) + 1);
        pos = end;
    }
    return out;
}

} // namespace

std::vector<int> read_kthreads(std::string_view text, const std::string& name) {
    std::vector<int> pids;
    for_each_line(text, [&](std::string_view line, Line number) {
        for (const auto& [field, column] : fields(line)) {
            int pid = 0;
            if (!parse_number(field, pid) || pid < 0) {
                throw TraceError(name, number, column,
                                 "expected a pid, not '" + printable(field) + "'");
            }
            pids.push_back(pid);
        }
    });
    return pids;
}

namespace {

struct TgidEntry {
    int pid = 0;
    int tgid = 0;
    Line line = 0;
    int column = 1; ///< the pid's
};

/// One `PID TGID` line's entry.
TgidEntry tgid_entry(std::string_view line, Line number, const std::string& name) {
    const auto f = fields(line);
    if (f.size() != 2) {
        const int column = f.size() > 2 ? f[2].second : static_cast<int>(line.size()) + 1;
        throw TraceError(name, number, column, "expected `PID TGID`");
    }
    TgidEntry e{.line = number, .column = f[0].second};
    int* values[] = {&e.pid, &e.tgid};
    const char* what[] = {"pid", "tgid"};
    for (std::size_t k = 0; k < 2; ++k) {
        if (!parse_number(f[k].first, *values[k]) || *values[k] < 0) {
            throw TraceError(name, number, f[k].second,
                             std::string("expected a ") + what[k] + ", not '" +
                                 printable(f[k].first) + "'");
        }
    }
    return e;
}

} // namespace

std::vector<std::pair<int, int>> read_tgids(std::string_view text, const std::string& name) {
    std::vector<TgidEntry> entries;
    for_each_line(text, [&](std::string_view line, Line number) {
        if (!fields(line).empty()) {
            entries.push_back(tgid_entry(line, number, name));
        }
    });
    std::sort(entries.begin(), entries.end(), [](const TgidEntry& a, const TgidEntry& b) {
        return a.pid != b.pid ? a.pid < b.pid : a.line < b.line;
    });
    std::vector<std::pair<int, int>> tgids;
    for (std::size_t k = 0; k < entries.size(); ++k) {
        if (k > 0 && entries[k].pid == entries[k - 1].pid) {
            throw TraceError(name, entries[k].line, entries[k].column,
                             "pid " + std::to_string(entries[k].pid) +
                                 " is listed twice (first at line " +
                                 std::to_string(entries[k - 1].line) + ")");
        }
        tgids.emplace_back(entries[k].pid, entries[k].tgid);
    }
    return tgids;
}

MachineFacts read_machine(std::string_view text, const std::string& name) {
    MachineFacts facts;
    facts.known = true;
    for_each_line(text, [&](std::string_view line, Line number) {
        const std::string_view content = trim(line);
        if (content.empty() || content.front() == '#') {
            return;
        }
        const std::size_t eq = content.find('=');
        if (eq == std::string_view::npos) {
            throw TraceError(name, number, column(line, content), "expected `key = value`");
        }
        const MachineLine m{name, line, number, trim(content.substr(eq + 1))};
        read_fact(trim(content.substr(0, eq)), m, facts);
    });
    return facts;
}

} // namespace ftrace::detail
