#include "ftrace/importer.h"

#include "ftrace/builder.h"
#include "ftrace/fields.h"
#include "ftrace/line.h"
#include "ftrace/side_files.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

namespace ftrace {

namespace {

std::string position(const std::string& file, Line line, int column) {
    if (line == 0) {
        return file;
    }
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

/// A number at `pos` of `s` (pos may be npos or past the end: no number).
bool starts_with_number(std::string_view s, std::size_t pos, std::int64_t& value) {
    if (pos >= s.size()) {
        return false;
    }
    const auto [ptr, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), value);
    return ec == std::errc() && ptr != s.data() + pos;
}

/// The CPUs a header may declare (NR_CPUS is at most 8192 on x86).
void declare_cpus(std::string_view line, std::size_t at, std::int64_t cpus, detail::Builder& b) {
    if (cpus < 1 || cpus > detail::Fields::kMaxCpus) {
        throw detail::LineError{line.data() + at,
                                "a machine of " + std::to_string(cpus) + " CPUs (1 to 8192)"};
    }
    b.set_cpus(static_cast<int>(cpus));
}

/// `# tracer: nop`, `# entries-in-buffer/entries-written: 8058/8058   #P:2`, ... (tracefs).
void read_comment(std::string_view line, detail::Builder& b) {
    if (line.starts_with("# tracer:")) {
        b.workload().format = TraceFormat::tracefs;
    }
    std::int64_t n = 0;
    if (const std::size_t at = line.find("#P:");
        at != std::string_view::npos && starts_with_number(line, at + 3, n)) {
        declare_cpus(line, at + 3, n, b);
    }
    const std::size_t at = line.find("entries-written: ");
    std::int64_t in_buffer = 0;
    std::int64_t written = 0;
    if (at != std::string_view::npos && starts_with_number(line, at + 17, in_buffer)) {
        const std::size_t slash = line.find('/', at + 17);
        if (slash != std::string_view::npos && starts_with_number(line, slash + 1, written) &&
            written > in_buffer) {
            b.on_lost(written - in_buffer);
        }
    }
}

/// Lines that are neither comments nor events: trace-cmd's `cpus=N`, `version = N`, `CPU N is
/// empty`, and tracefs's `CPU:N [LOST M EVENTS]`. False for anything else.
bool read_non_event(std::string_view line, detail::Builder& b) {
    std::int64_t n = 0;
    if (line.starts_with("cpus=") && starts_with_number(line, 5, n)) {
        b.workload().format = TraceFormat::trace_cmd;
        declare_cpus(line, 5, n, b);
        return true;
    }
    if (line.starts_with("version = ") ||
        (line.starts_with("CPU ") && line.ends_with(" is empty"))) {
        return true;
    }
    if (line.starts_with("CPU:") && line.ends_with(" EVENTS]")) {
        const std::size_t lost = line.find(" [LOST ");
        if (lost == std::string_view::npos) {
            return false;
        }
        b.on_lost(starts_with_number(line, lost + 7, n) ? n : -1);
        return true;
    }
    return false;
}

/// The line without its '\r', if it is one that may be an event line (not empty, not `#`).
std::optional<std::string_view> content(std::string_view line) {
    if (line.ends_with('\r')) {
        line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') {
        return std::nullopt;
    }
    return line;
}

/// The printed resolution of a `SECONDS.FRACTION` timestamp: 10^(9 - digits) ns (1000 for
/// microseconds), 1 from nanoseconds on.
Nanos resolution(std::string_view stamp) {
    Nanos r = 1;
    for (std::size_t digits = stamp.size() - stamp.find('.') - 1; digits < 9; ++digits) {
        r *= 10;
    }
    return r;
}

/// How many event lines of `text` (starting at a line) print `stamp` before the first that
/// prints another. A line parse_prefix refuses does not count: read_line takes it for a
/// trace-cmd or lost-events line, or refuses the file there.
int run_length(std::string_view text, std::string_view stamp) {
    int n = 0;
    for (std::size_t begin = 0; begin < text.size();) {
        const std::size_t end = std::min(text.find('\n', begin), text.size());
        if (const auto line = content(text.substr(begin, end - begin))) {
            try {
                if (detail::parse_prefix(*line).timestamp_text != stamp) {
                    break;
                }
                ++n;
            } catch (const detail::LineError&) {
                // not an event line: it does not count
            }
        }
        begin = end + 1;
    }
    return n;
}

/// Event lines on two CPUs that print the same timestamp happened in the order of the file
/// (trace-cmd and the kernel merge the per-CPU buffers by the full-resolution time), not at
/// once: the k-th of n lines printing T gets T + k * resolution / n (docs/replay.md).
class Ties {
public:
    explicit Ties(std::string_view text) : text_(text) {}

    /// The offset of `p`, whose line ends before text[next], inside its printed timestamp.
    Nanos offset(const detail::Prefix& p, std::size_t next) {
        if (rank_ == length_) {
            rank_ = 0;
            length_ = 1 + run_length(text_.substr(std::min(next, text_.size())), p.timestamp_text);
        }
        return resolution(p.timestamp_text) * rank_++ / length_;
    }

private:
    std::string_view text_;
    int rank_ = 0;
    int length_ = 0;
};

/// `next`: where the line after `line` begins in the text `ties` reads.
void read_line(std::string_view line, Line number, std::size_t next, Ties& ties,
               detail::Builder& b) {
    if (line.ends_with('\r')) {
        line.remove_suffix(1);
    }
    if (line.empty()) {
        return;
    }
    if (line.front() == '#') {
        read_comment(line, b);
    } else if (!read_non_event(line, b)) {
        detail::Prefix p = detail::parse_prefix(line);
        p.tie_offset = ties.offset(p, next);
        b.on_line(p, number);
    }
}

/// The whole file in one read (a trace is tens of MB; istreambuf_iterator would take longer
/// than parsing it).
std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!in || ec) {
        throw TraceError(path.string(), 0, 0, "cannot open the file");
    }
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size)) {
        throw TraceError(path.string(), 0, 0, "cannot read the file");
    }
    return text;
}

struct SideFile {
    std::string name;
    std::string text;
};

/// The side file `option` names, else TRACE.suffix when it exists; nullopt: none.
std::optional<SideFile> side_file(const std::filesystem::path& trace, const char* suffix,
                                  const std::optional<std::filesystem::path>& option) {
    std::filesystem::path path = trace;
    path += suffix;
    if (option) {
        path = *option;
    } else if (std::error_code ec; !std::filesystem::exists(path, ec)) {
        return std::nullopt;
    }
    return SideFile{path.string(), read_file(path)};
}

} // namespace

TraceError::TraceError(const std::string& file, Line line, int column, const std::string& message)
    : std::runtime_error(position(file, line, column) + ": " + message), file_(file), line_(line),
      column_(column), message_(message) {}

namespace detail {

Workload import_text(std::string_view text, const std::string& name,
                     const std::vector<int>& kthreads, const MachineFacts& machine,
                     std::vector<std::pair<int, int>> tgids = {}) {
    Builder builder(name, kthreads);
    builder.set_known_tgids(std::move(tgids));
    builder.workload().machine = machine;
    if (machine.cpus > 0) {
        builder.set_cpus(machine.cpus);
    }
    Ties ties(text);
    Line number = 0;
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        end = end == std::string_view::npos ? text.size() : end;
        const std::string_view line = text.substr(begin, end - begin);
        ++number;
        try {
            read_line(line, number, end + 1, ties, builder);
        } catch (const LineError& e) {
            throw TraceError(name, number, static_cast<int>(e.where - line.data()) + 1, e.message);
        }
        begin = end + 1;
    }
    builder.set_lines(number);
    return builder.finish();
}

} // namespace detail

Workload import_trace_text(std::string_view text, const std::string& name,
                           const std::vector<int>& kthreads, std::string_view machine) {
    MachineFacts facts;
    if (!machine.empty()) {
        facts = detail::read_machine(machine, name + ".machine");
    }
    return detail::import_text(text, name, kthreads, facts);
}

Workload import_trace(const std::filesystem::path& trace, const ImportOptions& options) {
    const std::string name = trace.string();
    const std::string text = read_file(trace);
    std::vector<int> kthreads;
    if (const auto list = side_file(trace, ".kthreads", options.kthreads)) {
        kthreads = detail::read_kthreads(list->text, list->name);
    }
    std::vector<std::pair<int, int>> tgids;
    if (const auto list = side_file(trace, ".tgids", options.tgids)) {
        tgids = detail::read_tgids(list->text, list->name);
    }
    MachineFacts facts;
    if (const auto machine = side_file(trace, ".machine", options.machine)) {
        facts = detail::read_machine(machine->text, machine->name);
    }
    return detail::import_text(text, name, kthreads, facts, std::move(tgids));
}

} // namespace ftrace
