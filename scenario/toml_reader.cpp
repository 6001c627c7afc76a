#include "scenario/toml_reader.h"

#include "scenario/limits.h"
#include "scenario/text_util.h"

#include <algorithm>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

std::string_view type_name(toml::node_type t) {
    switch (t) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

/// Byte offsets of the code points of a non-ASCII line, and its end; empty for an ASCII line.
std::vector<std::size_t> code_point_offsets(std::string_view line) {
    std::vector<std::size_t> offsets;
    const bool ascii = std::all_of(line.begin(), line.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0x80) == 0;
    });
    if (ascii) {
        return offsets;
    }
    for (std::size_t b = 0; b < line.size(); ++b) {
        if ((static_cast<unsigned char>(line[b]) & 0xC0) != 0x80) {
            offsets.push_back(b);
        }
    }
    offsets.push_back(line.size());
    return offsets;
}

} // namespace

namespace {
/// Lines before the piece being read (ChunkLines); 0 while the whole file's document is read.
thread_local int chunk_line_base = 0;
} // namespace

ChunkLines::ChunkLines(int first_line) {
    chunk_line_base = first_line - 1;
}

ChunkLines::~ChunkLines() {
    chunk_line_base = 0;
}

SourceLoc to_loc(const toml::source_position& p) {
    const int line = static_cast<int>(p.line);
    return {line > 0 ? line + chunk_line_base : 0, static_cast<int>(p.column)};
}

std::string index_path(std::string_view base, std::size_t i) {
    return fmt::format("{}[{}]", base, i);
}

const Entry* Tbl::find(std::string_view key) const {
    for (const Entry& e : entries) {
        if (e.key == key) {
            return &e;
        }
    }
    return nullptr;
}

std::string Tbl::child(std::string_view key) const {
    return path.empty() ? key_segment(key) : path + "." + key_segment(key);
}

TomlReader::TomlReader(std::string_view text, std::string file)
    : text_(text), file_(std::move(file)) {
    split_lines();
}

// --- messages and positions ----------------------------------------------------------------------

void TomlReader::fail(SourceLoc loc, std::string_view path, std::string_view msg) const {
    std::string line = fmt::format("{}:{}:{}: {}: {}", file_, loc.line, loc.column, path, msg);
    for (char& c : line) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    throw ScenarioError(line);
}

SourceLoc TomlReader::offset_loc(std::size_t offset) const {
    const std::string_view before = text_.substr(0, offset);
    const std::size_t nl = before.rfind('\n');
    const std::size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const std::size_t column = codepoints(before.substr(line_start));
    return {static_cast<int>(line), static_cast<int>(column) + 1};
}

void TomlReader::split_lines() {
    line_starts_.push_back(0);
    for (std::size_t nl = text_.find('\n'); nl != std::string_view::npos;
         nl = text_.find('\n', nl + 1)) {
        line_starts_.push_back(static_cast<std::uint32_t>(nl + 1));
    }
}

std::string_view TomlReader::line(std::size_t index) const {
    const std::size_t start = line_starts_[index];
    const std::size_t end =
        index + 1 < line_starts_.size() ? line_starts_[index + 1] - 1 : text_.size();
    std::string_view l = text_.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') {
        l.remove_suffix(1);
    }
    if (index == 0 && l.substr(0, 3) == "\xEF\xBB\xBF") {
        l.remove_prefix(3);
    }
    return l;
}

std::size_t TomlReader::byte_of_column(std::size_t index, int column) const {
    const std::string_view source_line = line(index);
    if (column < 1) {
        return std::string_view::npos;
    }
    const auto c = static_cast<std::size_t>(column) - 1;
    auto it = column_index_.find(index);
    if (it == column_index_.end()) {
        std::vector<std::size_t> offsets = code_point_offsets(source_line);
        if (offsets.empty()) {
            return c <= source_line.size() ? c : std::string_view::npos; // ASCII: nothing to keep
        }
        it = column_index_.emplace(index, std::move(offsets)).first;
    }
    return c < it->second.size() ? it->second[c] : std::string_view::npos;
}

SourceLoc TomlReader::node_loc(const toml::node& n) {
    SourceLoc l = to_loc(n.source().begin);
    return l.line > 0 ? l : SourceLoc{1, 1};
}

SourceLoc TomlReader::word_loc(const toml::node& node, std::string_view value,
                               std::size_t off) const {
    const toml::source_region src = node.source();
    const SourceLoc start = node_loc(node);
    if (src.begin.line == 0 || src.end.line != src.begin.line ||
        static_cast<std::size_t>(start.line) > line_starts_.size()) {
        return start;
    }
    const std::string_view source_line = line(static_cast<std::size_t>(start.line) - 1);
    const std::size_t b = byte_of_column(static_cast<std::size_t>(start.line) - 1, start.column);
    if (b == std::string_view::npos || b >= source_line.size() || source_line[b] != '"' ||
        source_line.substr(b, 3) == "\"\"\"") {
        return start;
    }
    if (off > value.size() || b + 1 + off > source_line.size()) {
        return start;
    }
    const std::string_view raw = source_line.substr(b + 1, off);
    const std::string_view cooked = value.substr(0, off);
    if (raw.find('\\') != std::string_view::npos || raw != cooked) {
        return start;
    }
    return {start.line, start.column + 1 + static_cast<int>(codepoints(cooked))};
}

// --- tables --------------------------------------------------------------------------------------

Tbl TomlReader::open(const toml::table& t, std::string path) const {
    Tbl out;
    out.table = &t;
    out.path = std::move(path);
    out.loc = node_loc(t);
    for (auto&& [k, v] : t) {
        out.entries.push_back(Entry{k.str(), to_loc(k.source().begin), &v});
    }
    std::stable_sort(out.entries.begin(), out.entries.end(), [](const Entry& a, const Entry& b) {
        return std::pair(a.key_loc.line, a.key_loc.column) <
               std::pair(b.key_loc.line, b.key_loc.column);
    });
    for (Entry& e : out.entries) {
        if (e.key_loc.line <= 0) {
            e.key_loc = out.loc;
        }
    }
    return out;
}

void TomlReader::check_keys(const Tbl& t, const std::vector<std::string_view>& allowed) const {
    for (const Entry& e : t.entries) {
        if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
            fail(e.key_loc, t.child(e.key),
                 "unknown key" + suggest_and_list(closest(e.key, allowed), allowed));
        }
    }
}

void TomlReader::missing(const Tbl& t, std::string_view key, std::string_view why) const {
    fail(t.loc, t.child(key), fmt::format("required key is missing{}", why));
}

const Entry& TomlReader::required(const Tbl& t, std::string_view key) const {
    const Entry* e = t.find(key);
    if (e == nullptr) {
        missing(t, key);
    }
    return *e;
}

// --- typed values --------------------------------------------------------------------------------

void TomlReader::bad_type(const toml::node& n, const std::string& path, std::string_view expected,
                          std::string_view hint) const {
    fail(node_loc(n), path,
         fmt::format("expected {}, got {}{}", expected, type_name(n.type()), hint));
}

std::int64_t TomlReader::get_int(const toml::node& n, const std::string& path) const {
    if (const auto* v = n.as_integer()) {
        return v->get();
    }
    bad_type(n, path, "an integer");
}

std::int64_t TomlReader::get_int_range(const toml::node& n, const std::string& path,
                                       std::int64_t lo, std::int64_t hi) const {
    const std::int64_t v = get_int(n, path);
    check_range(v, lo, hi, node_loc(n), path, "");
    return v;
}

void TomlReader::check_range(std::int64_t v, std::int64_t lo, std::int64_t hi, SourceLoc loc,
                             const std::string& path, std::string_view what) const {
    if (v >= lo && v <= hi) {
        return;
    }
    const std::string subject =
        what.empty() ? std::string("must be") : fmt::format("{} must be", what);
    // Times and lengths are bounded by tlbsim's limit, not by their meaning: say so apart.
    const bool unbounded = hi == std::numeric_limits<std::int64_t>::max() || hi == limits::cycles;
    if (unbounded && v < lo) {
        fail(loc, path, fmt::format("{} >= {} (got {})", subject, lo, v));
    }
    if (hi == limits::cycles) {
        fail(loc, path,
             fmt::format("{} at most 2^50 cycles, tlbsim's limit (got {}; docs/limits.md)", subject,
                         v));
    }
    fail(loc, path, fmt::format("{} between {} and {} (got {})", subject, lo, hi, v));
}

bool TomlReader::get_bool(const toml::node& n, const std::string& path) const {
    if (const auto* v = n.as_boolean()) {
        return v->get();
    }
    bad_type(n, path, "a boolean (true or false)");
}

std::string TomlReader::get_string(const toml::node& n, const std::string& path) const {
    if (const auto* v = n.as_string()) {
        return v->get();
    }
    bad_type(n, path, "a string");
}

std::size_t TomlReader::get_choice(const toml::node& n, const std::string& path,
                                   const std::vector<std::string_view>& values) const {
    std::string expected;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const char* sep = i == 0 ? "" : i + 1 == values.size() ? " or " : ", ";
        expected += fmt::format("{}\"{}\"", sep, values[i]);
    }
    if (!n.is_string()) {
        bad_type(n, path, expected);
    }
    const std::string v = get_string(n, path);
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] == v) {
            return i;
        }
    }
    fail(
        node_loc(n), path,
        fmt::format("expected {}, got {}{}", expected, quote(v), did_you_mean(closest(v, values))));
}

std::string TomlReader::get_name(const toml::node& n, const std::string& path) const {
    std::string s = get_string(n, path);
    if (s.empty()) {
        fail(node_loc(n), path, "must not be empty");
    }
    return s;
}

const toml::array& TomlReader::get_array(const toml::node& n, const std::string& path,
                                         std::string_view expected) const {
    if (const auto* v = n.as_array()) {
        return *v;
    }
    bad_type(n, path, expected);
}

const toml::table& TomlReader::get_table(const toml::node& n, const std::string& path) const {
    if (const auto* v = n.as_table()) {
        return *v;
    }
    bad_type(n, path, "a table");
}

std::vector<const toml::table*> TomlReader::get_table_array(const toml::node& n,
                                                            const std::string& path) const {
    const auto* arr = n.as_array();
    if (arr == nullptr) {
        const std::string hint =
            n.is_table() ? fmt::format(" (write [[{}]], not [{}])", path, path) : "";
        bad_type(n, path, "an array of tables", hint);
    }
    std::vector<const toml::table*> out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = *arr->get(i);
        out.push_back(&get_table(e, index_path(path, i)));
    }
    return out;
}

} // namespace scenario::detail
