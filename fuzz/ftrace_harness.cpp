// fuzz_ftrace (fuzz/harness.h): the bytes as an ftrace text trace, through
// ftrace::import_trace_text. Findings: an error other than TraceError, a TraceError whose
// position is not a place in the input, and a Workload that breaks what workload.h promises.

#include "fuzz/harness.h"

#include "ftrace/importer.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace fuzz {

namespace {

/// The length of 1-based line `line` of `input` (npos: no such line).
std::size_t line_length(std::string_view input, ftrace::Line line) {
    std::size_t begin = 0;
    for (ftrace::Line n = 1; n < line; ++n) {
        begin = input.find('\n', begin);
        if (begin == std::string_view::npos) {
            return std::string_view::npos;
        }
        ++begin;
    }
    if (begin > input.size()) {
        return std::string_view::npos;
    }
    const std::size_t end = input.find('\n', begin);
    return (end == std::string_view::npos ? input.size() : end) - begin;
}

template <typename T>
bool lines_ascend(const std::vector<T>& v) {
    return std::is_sorted(v.begin(), v.end(),
                          [](const T& a, const T& b) { return a.line < b.line; });
}

std::string mm_finding(const ftrace::Workload& w) {
    const auto valid = [&](int mm) { return mm >= -1 && mm < static_cast<int>(w.mms.size()); };
    for (std::size_t i = 0; i < w.mms.size(); ++i) {
        if (w.mms[i].id != static_cast<int>(i)) {
            return fmt::format("mms[{}].id is {}", i, w.mms[i].id);
        }
    }
    for (const auto& t : w.tasks) {
        if (!valid(t.mm) || (t.kthread && t.mm != -1)) {
            return fmt::format("task {} has mm {} (kthread {})", t.pid, t.mm, t.kthread);
        }
    }
    for (const auto& e : w.life) {
        if (!valid(e.mm)) {
            return fmt::format("the life event of line {} has mm {}", e.line, e.mm);
        }
    }
    return "";
}

std::string switch_finding(const ftrace::Workload& w) {
    for (const auto& s : w.switches) {
        if ((s.cr3_line == 0) != (s.observed == ftrace::Cr3Outcome::none) ||
            (s.cr3_line != 0 && s.cr3_line <= s.line)) {
            return fmt::format("the switch of line {} has CR3 line {}", s.line, s.cr3_line);
        }
        if (s.time < 0 || s.time > w.duration || w.task(s.prev_pid) == nullptr ||
            w.task(s.next_pid) == nullptr) {
            return fmt::format("the switch of line {}: time or task unknown", s.line);
        }
    }
    return "";
}

} // namespace

std::string trace_error_finding(const ftrace::TraceError& e, std::string_view input) {
    const std::string expected =
        fmt::format("{}:{}:{}: {}", kTraceName, e.line(), e.column(), e.message());
    if (e.what() != expected || e.message().find('\n') != std::string::npos) {
        return "trace error not of the form file:line:column: message";
    }
    const std::size_t length = line_length(input, e.line());
    if (e.line() == 0 || length == std::string_view::npos || e.column() < 1 ||
        static_cast<std::size_t>(e.column()) > length + 1) {
        return "trace error position outside the input";
    }
    return "";
}

std::string workload_finding(const ftrace::Workload& w) {
    if (!std::is_sorted(w.tasks.begin(), w.tasks.end(),
                        [](const auto& a, const auto& b) { return a.pid <= b.pid; })) {
        return "tasks not sorted by pid, or a pid twice";
    }
    if (!lines_ascend(w.switches) || !lines_ascend(w.cr3_writes) || !lines_ascend(w.flushes) ||
        !lines_ascend(w.ipis) || !lines_ascend(w.membarriers) || !lines_ascend(w.life) ||
        !lines_ascend(w.missing_switches) || !lines_ascend(w.idle_wakeups)) {
        return "a list not in trace order";
    }
    for (const auto& m : w.membarriers) {
        if (m.exit < m.enter) {
            return fmt::format("the membarrier call of line {} exits before it enters", m.line);
        }
    }
    if (std::string bad = mm_finding(w); !bad.empty()) {
        return bad;
    }
    return switch_finding(w);
}

Outcome fuzz_ftrace(std::string_view input) {
    ftrace::Workload w;
    try {
        w = ftrace::import_trace_text(input, std::string(kTraceName), {2, 3});
    } catch (const ftrace::TraceError& e) {
        if (const std::string bad = trace_error_finding(e, input); !bad.empty()) {
            finding(bad, e.what());
        }
        return Outcome::refused;
    } catch (const std::exception& e) {
        finding("an exception other than TraceError escaped the importer", e.what());
    } catch (...) {
        finding("a non-standard exception escaped the importer", "");
    }
    if (const std::string bad = workload_finding(w); !bad.empty()) {
        finding(bad, "");
    }
    return Outcome::loaded;
}

} // namespace fuzz
