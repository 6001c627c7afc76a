#pragma once
// The scenario file as the loader reads it: its TOML tables with their entries in file order,
// typed values with one-line errors at their positions, and positions of words inside strings.
// Internal to the scenario layer (scenario/loader.h is the interface).

#include "scenario/loader.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <unordered_map>
#include <vector>

namespace scenario::detail {

SourceLoc to_loc(const toml::source_position& p);

/// While it lives, positions toml++ gives (to_loc, TomlReader::node_loc) are those of a piece of
/// the file parsed on its own, starting at line `first_line` (scenario/thread_chunks.h): they
/// are moved down to the file's lines. One at a time.
class ChunkLines {
public:
    explicit ChunkLines(int first_line);
    ~ChunkLines();
    ChunkLines(const ChunkLines&) = delete;
    ChunkLines& operator=(const ChunkLines&) = delete;
};
/// `base[i]`, the path of an array element in messages.
std::string index_path(std::string_view base, std::size_t i);

/// One entry of a TOML table.
struct Entry {
    std::string_view key;
    SourceLoc key_loc;
    const toml::node* node;
};

/// A TOML table with its entries in file order, and its path in messages.
struct Tbl {
    const toml::table* table = nullptr;
    std::string path;
    SourceLoc loc;
    std::vector<Entry> entries;

    const Entry* find(std::string_view key) const;
    /// The path of the entry `key`.
    std::string child(std::string_view key) const;
};

class TomlReader {
public:
    TomlReader(std::string_view text, std::string file);

    std::string_view text() const { return text_; }
    const std::string& file() const { return file_; }

    // --- messages and positions ------------------------------------------------------------

    /// Throws the one-line ScenarioError `file:line:col: path: msg`.
    [[noreturn]] void fail(SourceLoc loc, std::string_view path, std::string_view msg) const;
    /// The line and column (in code points, as toml++ counts) of a byte offset into the text.
    SourceLoc offset_loc(std::size_t offset) const;
    static SourceLoc node_loc(const toml::node& n);
    /// The position of the word at byte `off` of the string `value` of `node`: the word itself
    /// when the string is a single-line basic string with no escape sequence before the word,
    /// else the string.
    SourceLoc word_loc(const toml::node& node, std::string_view value, std::size_t off) const;

    // --- tables ------------------------------------------------------------------------------

    Tbl open(const toml::table& t, std::string path) const;
    /// Every key of `t` is one of `allowed`.
    void check_keys(const Tbl& t, const std::vector<std::string_view>& allowed) const;
    [[noreturn]] void missing(const Tbl& t, std::string_view key, std::string_view why = "") const;
    /// The entry `key` of `t`, which is required.
    const Entry& required(const Tbl& t, std::string_view key) const;

    // --- typed values ------------------------------------------------------------------------

    [[noreturn]] void bad_type(const toml::node& n, const std::string& path,
                               std::string_view expected, std::string_view hint = "") const;
    std::int64_t get_int(const toml::node& n, const std::string& path) const;
    std::int64_t get_int_range(const toml::node& n, const std::string& path, std::int64_t lo,
                               std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const;
    /// `v` is in [lo, hi]; `what` names it in the message ("N must be ...") unless empty.
    void check_range(std::int64_t v, std::int64_t lo, std::int64_t hi, SourceLoc loc,
                     const std::string& path, std::string_view what) const;
    bool get_bool(const toml::node& n, const std::string& path) const;
    std::string get_string(const toml::node& n, const std::string& path) const;
    /// One of `values`, as its index; anything else is a one-line error naming them.
    std::size_t get_choice(const toml::node& n, const std::string& path,
                           const std::vector<std::string_view>& values) const;
    /// A non-empty string.
    std::string get_name(const toml::node& n, const std::string& path) const;
    const toml::array& get_array(const toml::node& n, const std::string& path,
                                 std::string_view expected) const;
    const toml::table& get_table(const toml::node& n, const std::string& path) const;
    /// An array of tables ([[name]]); each element is returned as a table.
    std::vector<const toml::table*> get_table_array(const toml::node& n,
                                                    const std::string& path) const;

private:
    void split_lines();
    /// Line `index` (0-based), without its line end (and the first without a byte order mark).
    std::string_view line(std::size_t index) const;
    /// Byte offset of 1-based code-point `column` on line `index` (0-based), or npos.
    std::size_t byte_of_column(std::size_t index, int column) const;

    std::string_view text_;
    std::string file_;
    /// Where each line starts (a 16 MiB file at most: scenario/loader.cpp), 4 bytes a line.
    std::vector<std::uint32_t> line_starts_;
    /// By line index, for the non-ASCII lines asked about (in an ASCII line column c is byte
    /// c-1): the byte offset of every code point, and the line's end. Sparse: a generated file
    /// of 100,000 threads has 600,000 lines, nearly all ASCII.
    mutable std::unordered_map<std::size_t, std::vector<std::size_t>> column_index_;
};

} // namespace scenario::detail
