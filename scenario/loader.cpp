// Strict scenario loader: ../shared/docs/SCENARIO-FORMAT.md is the contract,
// docs/scenario-loader.md records the decisions taken where the contract is silent.

#include "scenario/loader.h"

#include "scenario/keys.h"
#include "scenario/limits.h"
#include "scenario/steps.h"

#include "scenario/text_util.h"
#include "scenario_model/errno_names.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <new>
#include <set>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <utility>

#include <fmt/format.h>

namespace scenario {
namespace {

using detail::closest;
using detail::did_you_mean;
using detail::IntParse;
using detail::key_segment;
using detail::quote;
using detail::suggest_and_list;

/// Files larger than this are refused before parsing (a scenario is hand-written or generated;
/// repeat keeps long workloads short).
constexpr std::size_t kMaxFileSize = 16u * 1024u * 1024u;
/// `repeat` nesting limit: bodies are nested Steps, and every consumer walks them recursively.
constexpr std::size_t kMaxRepeatDepth = 64;

SourceLoc to_loc(const toml::source_position& p) {
    return {static_cast<int>(p.line), static_cast<int>(p.column)};
}

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

std::string index_path(std::string_view base, std::size_t i) {
    return fmt::format("{}[{}]", base, i);
}

bool is_label_name(std::string_view s) {
    auto head = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    auto tail = [&](char c) { return head(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; };
    return !s.empty() && head(s.front()) && std::all_of(s.begin() + 1, s.end(), tail);
}

/// Names of policies: they appear on command lines and in reports.
bool is_policy_name(std::string_view s) {
    auto ok = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.' || c == '-' || c == '+';
    };
    return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Fixed vocabularies

struct RegistrationName {
    std::string_view name;
    Registration reg;
};
constexpr RegistrationName kRegistrations[] = {
    {"private_expedited", Registration::private_expedited},
    {"private_expedited_sync_core", Registration::private_expedited_sync_core},
    {"private_expedited_rseq", Registration::private_expedited_rseq},
    {"global_expedited", Registration::global_expedited},
};

const std::vector<std::string_view> kViolations = {"G-MB", "G-SC", "G-SC-SELF", "G-TLB", "G-REF"};

// ---------------------------------------------------------------------------------------------

/// A TOML table with its entries in file order.
struct Entry {
    std::string_view key;
    SourceLoc key_loc;
    const toml::node* node;
};

struct Tbl {
    const toml::table* table = nullptr;
    std::string path;
    SourceLoc loc;
    std::vector<Entry> entries;

    const Entry* find(std::string_view key) const {
        for (const Entry& e : entries) {
            if (e.key == key) {
                return &e;
            }
        }
        return nullptr;
    }
    std::string child(std::string_view key) const {
        return path.empty() ? key_segment(key) : path + "." + key_segment(key);
    }
};

/// One token of a step string; `off` is its byte offset in the string.
struct Tok {
    std::string_view text;
    std::size_t off = 0;
};

/// The step string being parsed, for messages.
struct StepSrc {
    const toml::node* node;
    std::string_view value;
    std::string path;
};

struct LabelInfo {
    std::string path;
    SourceLoc loc;
    Op op;
};

struct WaitMention {
    int event;
    std::string path;
    SourceLoc loc;
};

class Loader {
public:
    Loader(std::string_view text, std::string file, const Catalog& catalog)
        : text_(text), file_(std::move(file)), catalog_(catalog) {
        split_lines();
    }

    Scenario run();

private:
    std::string_view text_;
    std::string file_;
    const Catalog& catalog_;
    std::vector<std::string_view> lines_;

    Scenario sc_;
    std::map<std::string, int, std::less<>> event_index_;
    std::set<int> signalled_;
    std::vector<WaitMention> waits_;
    std::map<std::string, LabelInfo, std::less<>> labels_;
    std::map<std::string, int, std::less<>> process_index_;
    std::map<std::string, int, std::less<>> policy_index_; ///< [[policy]] name -> index
    std::set<std::string, std::less<>> presets_;
    /// Per line: empty when the line is ASCII (column c is byte c-1), else the byte offset of
    /// every code point; built on first use.
    mutable std::vector<std::optional<std::vector<std::size_t>>> column_index_;

    // --- messages ------------------------------------------------------------------------------

    [[noreturn]] void fail(SourceLoc loc, std::string_view path, std::string_view msg) const {
        std::string line = fmt::format("{}:{}:{}: {}: {}", file_, loc.line, loc.column, path, msg);
        for (char& c : line) {
            if (c == '\n' || c == '\r') {
                c = ' ';
            }
        }
        throw ScenarioError(line);
    }

    /// The line and column (in code points, as toml++ counts) of a byte offset into the text.
    SourceLoc offset_loc(std::size_t offset) const {
        const std::string_view before = text_.substr(0, offset);
        const std::size_t nl = before.rfind('\n');
        const std::size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
        const auto line = 1 + std::count(before.begin(), before.end(), '\n');
        const std::size_t column = detail::codepoints(before.substr(line_start));
        return {static_cast<int>(line), static_cast<int>(column) + 1};
    }

    void split_lines() {
        std::string_view rest = text_;
        while (true) {
            const std::size_t nl = rest.find('\n');
            std::string_view line = rest.substr(0, nl);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            lines_.push_back(line);
            if (nl == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(nl + 1);
        }
        if (!lines_.empty() && lines_.front().substr(0, 3) == "\xEF\xBB\xBF") {
            lines_.front().remove_prefix(3);
        }
    }

    /// Byte offset of 1-based code-point `column` on line `index` (0-based), or npos.
    std::size_t byte_of_column(std::size_t index, int column) const {
        if (column_index_.size() != lines_.size()) {
            column_index_.resize(lines_.size());
        }
        std::optional<std::vector<std::size_t>>& idx = column_index_[index];
        const std::string_view line = lines_[index];
        if (!idx) {
            idx.emplace();
            const bool ascii = std::all_of(line.begin(), line.end(), [](char c) {
                return (static_cast<unsigned char>(c) & 0x80) == 0;
            });
            if (!ascii) {
                for (std::size_t b = 0; b < line.size(); ++b) {
                    if ((static_cast<unsigned char>(line[b]) & 0xC0) != 0x80) {
                        idx->push_back(b);
                    }
                }
                idx->push_back(line.size());
            }
        }
        if (column < 1) {
            return std::string_view::npos;
        }
        const auto c = static_cast<std::size_t>(column) - 1;
        if (idx->empty()) {
            return c <= line.size() ? c : std::string_view::npos;
        }
        return c < idx->size() ? (*idx)[c] : std::string_view::npos;
    }

    static SourceLoc node_loc(const toml::node& n) {
        SourceLoc l = to_loc(n.source().begin);
        return l.line > 0 ? l : SourceLoc{1, 1};
    }

    /// The position of the word at byte `off` of a step string: the word itself when the string
    /// is a single-line basic string with no escape sequence before the word, else the string.
    SourceLoc word_loc(const StepSrc& s, std::size_t off) const {
        const toml::source_region src = s.node->source();
        const SourceLoc start = node_loc(*s.node);
        if (src.begin.line == 0 || src.end.line != src.begin.line ||
            static_cast<std::size_t>(start.line) > lines_.size()) {
            return start;
        }
        const std::string_view line = lines_[static_cast<std::size_t>(start.line) - 1];
        const std::size_t b =
            byte_of_column(static_cast<std::size_t>(start.line) - 1, start.column);
        if (b == std::string_view::npos || b >= line.size() || line[b] != '"' ||
            line.substr(b, 3) == "\"\"\"") {
            return start;
        }
        if (off > s.value.size() || b + 1 + off > line.size()) {
            return start;
        }
        const std::string_view raw = line.substr(b + 1, off);
        const std::string_view cooked = s.value.substr(0, off);
        if (raw.find('\\') != std::string_view::npos || raw != cooked) {
            return start;
        }
        return {start.line, start.column + 1 + static_cast<int>(detail::codepoints(cooked))};
    }

    // --- tables and typed values ---------------------------------------------------------------

    Tbl open(const toml::table& t, std::string path) const {
        Tbl out;
        out.table = &t;
        out.path = std::move(path);
        out.loc = node_loc(t);
        for (auto&& [k, v] : t) {
            out.entries.push_back(Entry{k.str(), to_loc(k.source().begin), &v});
        }
        std::stable_sort(out.entries.begin(), out.entries.end(),
                         [](const Entry& a, const Entry& b) {
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

    void check_keys(const Tbl& t, const std::vector<std::string_view>& allowed) const {
        for (const Entry& e : t.entries) {
            if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
                fail(e.key_loc, t.child(e.key),
                     "unknown key" + suggest_and_list(closest(e.key, allowed), allowed));
            }
        }
    }

    [[noreturn]] void missing(const Tbl& t, std::string_view key, std::string_view why = "") const {
        fail(t.loc, t.child(key), fmt::format("required key is missing{}", why));
    }

    [[noreturn]] void bad_type(const toml::node& n, const std::string& path,
                               std::string_view expected, std::string_view hint = "") const {
        fail(node_loc(n), path,
             fmt::format("expected {}, got {}{}", expected, type_name(n.type()), hint));
    }

    std::int64_t get_int(const toml::node& n, const std::string& path) const {
        if (const auto* v = n.as_integer()) {
            return v->get();
        }
        bad_type(n, path, "an integer");
    }

    std::int64_t get_int_range(const toml::node& n, const std::string& path, std::int64_t lo,
                               std::int64_t hi = std::numeric_limits<std::int64_t>::max()) const {
        const std::int64_t v = get_int(n, path);
        check_range(v, lo, hi, node_loc(n), path, "");
        return v;
    }

    void check_range(std::int64_t v, std::int64_t lo, std::int64_t hi, SourceLoc loc,
                     const std::string& path, std::string_view what) const {
        if (v >= lo && v <= hi) {
            return;
        }
        const std::string subject =
            what.empty() ? std::string("must be") : fmt::format("{} must be", what);
        // Times and lengths are bounded by tlbsim's limit, not by their meaning: say so apart.
        const bool unbounded =
            hi == std::numeric_limits<std::int64_t>::max() || hi == limits::cycles;
        if (unbounded && v < lo) {
            fail(loc, path, fmt::format("{} >= {} (got {})", subject, lo, v));
        }
        if (hi == limits::cycles) {
            fail(loc, path,
                 fmt::format("{} at most 2^50 cycles, tlbsim's limit (got {}; docs/limits.md)",
                             subject, v));
        }
        fail(loc, path, fmt::format("{} between {} and {} (got {})", subject, lo, hi, v));
    }

    bool get_bool(const toml::node& n, const std::string& path) const {
        if (const auto* v = n.as_boolean()) {
            return v->get();
        }
        bad_type(n, path, "a boolean (true or false)");
    }

    std::string get_string(const toml::node& n, const std::string& path) const {
        if (const auto* v = n.as_string()) {
            return v->get();
        }
        bad_type(n, path, "a string");
    }

    /// One of `values`, as its index; anything else is a one-line error naming them.
    std::size_t get_choice(const toml::node& n, const std::string& path,
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
        fail(node_loc(n), path,
             fmt::format("expected {}, got {}{}", expected, quote(v),
                         did_you_mean(closest(v, values))));
    }

    std::string get_name(const toml::node& n, const std::string& path) const {
        std::string s = get_string(n, path);
        if (s.empty()) {
            fail(node_loc(n), path, "must not be empty");
        }
        return s;
    }

    const toml::array& get_array(const toml::node& n, const std::string& path,
                                 std::string_view expected) const {
        if (const auto* v = n.as_array()) {
            return *v;
        }
        bad_type(n, path, expected);
    }

    const toml::table& get_table(const toml::node& n, const std::string& path) const {
        if (const auto* v = n.as_table()) {
            return *v;
        }
        bad_type(n, path, "a table");
    }

    /// An array of tables ([[name]]); each element is returned as a table.
    std::vector<const toml::table*> get_table_array(const toml::node& n,
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

    std::string suggest_from(std::string_view word, const std::vector<std::string>& names) const {
        std::vector<std::string_view> views(names.begin(), names.end());
        return did_you_mean(closest(word, views));
    }

    // --- CPUs, processes, events, policies -----------------------------------------------------

    static std::string no_such_cpu(std::int64_t cpu, const Machine& m) {
        return fmt::format("CPU {} does not exist (the machine has {} CPU{}: 0..{})", cpu, m.cpus,
                           m.cpus == 1 ? "" : "s", m.cpus - 1);
    }

    void check_cpu(std::int64_t cpu, SourceLoc loc, const std::string& path) const {
        const Machine& m = sc_.machine;
        if (cpu < 0 || cpu >= m.cpus) {
            fail(loc, path, no_such_cpu(cpu, m));
        }
        if (!m.is_online(static_cast<int>(cpu))) {
            fail(loc, path, fmt::format("CPU {} is offline", cpu));
        }
    }

    /// A per-CPU counter names a CPU the machine has (offline ones count: they have counters).
    void check_counter_cpu(std::string_view counter, SourceLoc loc, const std::string& path) const {
        if (const auto cpu = detail::counter_cpu(counter); cpu && *cpu >= sc_.machine.cpus) {
            fail(loc, path, no_such_cpu(*cpu, sc_.machine));
        }
    }

    int find_process(std::string_view name, SourceLoc loc, const std::string& path) const {
        if (auto it = process_index_.find(name); it != process_index_.end()) {
            return it->second;
        }
        std::vector<std::string_view> names;
        for (const Process& p : sc_.processes) {
            names.push_back(p.name);
        }
        fail(loc, path,
             fmt::format("no process named {}{}", quote(name), did_you_mean(closest(name, names))));
    }

    int event_id(std::string_view name) {
        if (auto it = event_index_.find(name); it != event_index_.end()) {
            return it->second;
        }
        const int id = static_cast<int>(sc_.events.size());
        sc_.events.emplace_back(name);
        event_index_.emplace(std::string(name), id);
        return id;
    }

    std::vector<std::string> known_policies() const {
        std::vector<std::string> names = catalog_.preset_names;
        for (const PolicyDef& p : sc_.policy_defs) {
            names.push_back(p.name);
        }
        return names;
    }

    bool is_known_policy(std::string_view name) const {
        return presets_.count(name) != 0 || policy_index_.count(name) != 0;
    }

    void check_policy_ref(const toml::node& n, const std::string& path,
                          std::vector<std::string>& out, std::set<std::string>& seen) const {
        const std::string name = get_string(n, path);
        if (!is_known_policy(name)) {
            fail(node_loc(n), path,
                 fmt::format("unknown policy {}{}", quote(name),
                             suggest_from(name, known_policies())));
        }
        if (!seen.insert(name).second) {
            fail(node_loc(n), path, fmt::format("policy {} is listed twice", quote(name)));
        }
        out.push_back(name);
    }

    /// A "did you mean" for a counter name, found by asking the catalogue about every name one
    /// edit away (the catalogue is a predicate, not a list).
    std::string suggest_counter(std::string_view name) const {
        if (!catalog_.is_counter || name.empty() || name.size() > 128) {
            return "";
        }
        static constexpr std::string_view kAlphabet =
            "abcdefghijklmnopqrstuvwxyz0123456789._@-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        std::string cand;
        auto test = [&](const std::string& c) { return !c.empty() && catalog_.is_counter(c); };
        // Transpositions and deletions first (the commonest typos), then substitutions, insertions.
        for (std::size_t i = 0; i + 1 < name.size(); ++i) {
            cand = std::string(name);
            std::swap(cand[i], cand[i + 1]);
            if (test(cand)) {
                return did_you_mean(cand);
            }
        }
        for (std::size_t i = 0; i < name.size(); ++i) {
            cand = std::string(name.substr(0, i)) + std::string(name.substr(i + 1));
            if (test(cand)) {
                return did_you_mean(cand);
            }
        }
        for (std::size_t i = 0; i < name.size(); ++i) {
            for (char c : kAlphabet) {
                cand = std::string(name);
                cand[i] = c;
                if (c != name[i] && test(cand)) {
                    return did_you_mean(cand);
                }
            }
        }
        for (std::size_t i = 0; i <= name.size(); ++i) {
            for (char c : kAlphabet) {
                cand = std::string(name.substr(0, i)) + c + std::string(name.substr(i));
                if (test(cand)) {
                    return did_you_mean(cand);
                }
            }
        }
        return "";
    }

    std::optional<ResultValue> errno_result(std::string_view name) const {
        if (errno_value(name)) {
            ResultValue r;
            r.is_errno = true;
            r.errno_name = std::string(name);
            return r;
        }
        return std::nullopt;
    }

    std::string errno_hint(std::string_view name) const {
        return did_you_mean(closest(name, errno_names()));
    }

    // --- sections ------------------------------------------------------------------------------

    void load_top(const Tbl& root);
    void load_machine(const Tbl& root);
    void load_machine_costs(const toml::node& n, const std::string& path);
    void load_processes(const Tbl& root);
    void load_policy_defs(const Tbl& root);
    void load_threads(const Tbl& root);
    Thread load_thread(const toml::table& t, const std::string& path, bool kthread);
    void load_injects(const Tbl& root);
    void load_policies(const Tbl& root);
    void load_expects(const Tbl& root);

    std::vector<Step> parse_program(const toml::array& arr, const std::string& path, bool kthread);
    struct ParsedStep {
        Step step;
        const StepInfo* info = nullptr;
    };
    /// An option as written: `name=value`, or a bare flag.
    struct WrittenOption {
        const OptionInfo* info;
        std::string_view value;
        std::size_t off;       ///< of the option
        std::size_t value_off; ///< of its value
        bool bare;
    };
    /// A step's words after the operation: positional arguments, then options.
    struct StepWords {
        std::vector<Tok> args;
        std::vector<WrittenOption> options;
    };
    ParsedStep parse_step(const StepSrc& src, bool kthread, bool in_repeat);
    std::vector<Tok> tokenize(const StepSrc& src) const;
    const StepInfo& find_operation(const StepSrc& src, const Tok& op_tok, bool kthread,
                                   bool in_repeat) const;
    StepWords split_words(const StepSrc& src, const std::vector<Tok>& toks, const StepInfo& info,
                          bool kthread) const;
    void check_argument_count(const StepSrc& src, const Tok& t, const StepInfo& info,
                              bool kthread) const;
    WrittenOption read_option_word(const StepSrc& src, const Tok& t, const StepInfo& info,
                                   const StepWords& words) const;
    void read_argument(Step& st, const StepSrc& src, const ArgInfo& arg, const Tok& t);
    void read_membarrier_cmd(Step& st, const StepSrc& src, const Tok& t) const;
    void read_option(Step& st, const StepSrc& src, const WrittenOption& o, bool in_repeat);
    std::int64_t read_membarrier_flags(const StepSrc& src, const WrittenOption& o) const;
    ResultValue read_result(const StepSrc& src, const WrittenOption& o) const;
    void read_label(Step& st, const StepSrc& src, const WrittenOption& o, bool in_repeat);
    std::int64_t step_int(const StepSrc& src, const Tok& t, std::string_view what) const;
};

// ---------------------------------------------------------------------------------------------

Scenario Loader::run() {
    if (const std::size_t dot = detail::find_overlong_dotted_key(text_);
        dot != std::string_view::npos) {
        fail(offset_loc(dot), "syntax",
             fmt::format("dotted key of more than {} parts", detail::kMaxDottedKeySegments));
    }
    toml::table doc;
    try {
        doc = toml::parse(text_, std::string_view(file_));
    } catch (const toml::parse_error& e) {
        SourceLoc loc = to_loc(e.source().begin);
        fail(loc, "syntax", e.description());
    }

    const Tbl root = open(doc, "");
    check_keys(root, key_names(KeyTable::top));

    sc_.file = file_;
    presets_.insert(catalog_.preset_names.begin(), catalog_.preset_names.end());
    load_top(root);
    load_machine(root);
    load_processes(root);
    load_policy_defs(root);
    load_threads(root);
    load_injects(root);
    load_policies(root);
    load_expects(root);
    limits::check_limits(sc_);
    return std::move(sc_);
}

void Loader::load_top(const Tbl& root) {
    // Default name: the file stem.
    std::string_view stem = file_;
    if (const std::size_t slash = stem.find_last_of('/'); slash != std::string_view::npos) {
        stem.remove_prefix(slash + 1);
    }
    if (const std::size_t dot = stem.find_last_of('.'); dot != std::string_view::npos && dot > 0) {
        stem = stem.substr(0, dot);
    }
    sc_.name = std::string(stem);
    if (const Entry* e = root.find("name")) {
        sc_.name = get_name(*e->node, "name");
    }
    if (const Entry* e = root.find("description")) {
        sc_.description = get_string(*e->node, "description");
    }
}

void Loader::load_machine(const Tbl& root) {
    const Entry* me = root.find("machine");
    if (me == nullptr) {
        fail(root.loc, "machine", "required table [machine] is missing");
    }
    const Tbl t = open(get_table(*me->node, "machine"), "machine");
    check_keys(t, key_names(KeyTable::machine));
    Machine& m = sc_.machine;

    const Entry* cpus = t.find("cpus");
    if (cpus == nullptr) {
        missing(t, "cpus");
    }
    m.cpus = static_cast<int>(get_int_range(*cpus->node, t.child("cpus"), 1, limits::cpus));
    m.loc = t.loc;

    for (const Entry& e : t.entries) {
        const std::string path = t.child(e.key);
        const toml::node& n = *e.node;
        if (e.key == "pcid") {
            m.pcid = get_bool(n, path);
        } else if (e.key == "pti") {
            m.pti = get_bool(n, path);
        } else if (e.key == "invpcid") {
            m.invpcid = get_bool(n, path);
        } else if (e.key == "serialize") {
            m.serialize = get_bool(n, path);
        } else if (e.key == "fred") {
            m.fred = get_bool(n, path);
        } else if (e.key == "wakeup_preempt") {
            m.wakeup_preempt = get_bool(n, path);
        } else if (e.key == "nohz_full") {
            m.nohz_full = get_bool(n, path);
        } else if (e.key == "idle") {
            m.idle = static_cast<IdleMode>(get_choice(n, path, {"poll", "halt", "mwait"}));
        } else if (e.key == "apic") {
            m.apic = static_cast<ApicMode>(get_choice(n, path, {"x2apic", "xapic"}));
        } else if (e.key == "timeslice") {
            m.timeslice = get_int_range(n, path, 0, limits::cycles);
        } else if (e.key == "max_cycles") {
            m.max_cycles = get_int_range(n, path, 1, limits::cycles);
        } else if (e.key == "ghz") {
            double v = 0;
            if (const auto* i = n.as_integer()) {
                v = static_cast<double>(i->get());
            } else if (const auto* f = n.as_floating_point()) {
                v = f->get();
            } else {
                bad_type(n, path, "a number");
            }
            if (!std::isfinite(v) || !(v > 0)) {
                fail(node_loc(n), path, fmt::format("must be a finite number > 0 (got {})", v));
            }
            m.ghz = v;
        } else if (e.key == "seed") {
            m.seed = static_cast<std::uint64_t>(get_int_range(n, path, 0));
        } else if (e.key == "jitter") {
            m.jitter = static_cast<int>(get_int_range(n, path, 0, 100));
        } else if (e.key == "offline") {
            const toml::array& arr = get_array(n, path, "an array of CPU numbers");
            std::vector<int> off;
            for (std::size_t i = 0; i < arr.size(); ++i) {
                const toml::node& c = *arr.get(i);
                const std::string cp = index_path(path, i);
                const std::int64_t cpu = get_int(c, cp);
                if (cpu < 0 || cpu >= m.cpus) {
                    fail(node_loc(c), cp, no_such_cpu(cpu, m));
                }
                if (std::find(off.begin(), off.end(), static_cast<int>(cpu)) != off.end()) {
                    fail(node_loc(c), cp, fmt::format("CPU {} is listed twice", cpu));
                }
                off.push_back(static_cast<int>(cpu));
            }
            if (static_cast<int>(off.size()) == m.cpus) {
                fail(node_loc(n), path, "every CPU is offline (at least one must be online)");
            }
            std::sort(off.begin(), off.end());
            m.offline = std::move(off);
        } else if (e.key == "costs") {
            load_machine_costs(n, path);
        }
    }
}

void Loader::load_machine_costs(const toml::node& n, const std::string& path) {
    const Tbl t = open(get_table(n, path), path);
    std::vector<std::string_view> names(catalog_.cost_names.begin(), catalog_.cost_names.end());
    for (const Entry& e : t.entries) {
        const std::string cp = t.child(e.key);
        if (std::find(names.begin(), names.end(), e.key) == names.end()) {
            fail(e.key_loc, cp, "unknown cost" + suggest_and_list(closest(e.key, names), names));
        }
        const std::int64_t v = get_int_range(*e.node, cp, 0, limits::cycles);
        sc_.machine.costs[std::string(e.key)] = v;
        sc_.machine.cost_locs[std::string(e.key)] = node_loc(*e.node);
    }
}

void Loader::load_processes(const Tbl& root) {
    const Entry* pe = root.find("process");
    if (pe == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = get_table_array(*pe->node, "process");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const Tbl t = open(*tables[i], index_path("process", i));
        check_keys(t, key_names(KeyTable::process));
        Process p;
        p.loc = t.loc;
        const Entry* name = t.find("name");
        if (name == nullptr) {
            missing(t, "name");
        }
        p.name = get_name(*name->node, t.child("name"));
        if (auto it = process_index_.find(p.name); it != process_index_.end()) {
            const Process& first = sc_.processes[static_cast<std::size_t>(it->second)];
            fail(node_loc(*name->node), t.child("name"),
                 fmt::format("duplicate process name {} (first defined at process[{}], line {})",
                             quote(p.name), it->second, first.loc.line));
        }
        if (const Entry* reg = t.find("register")) {
            const std::string rp = t.child("register");
            const toml::array& arr = get_array(*reg->node, rp, "an array of strings");
            std::vector<std::string_view> names;
            for (const RegistrationName& r : kRegistrations) {
                names.push_back(r.name);
            }
            for (std::size_t j = 0; j < arr.size(); ++j) {
                const toml::node& rn = *arr.get(j);
                const std::string ep = index_path(rp, j);
                const std::string v = get_string(rn, ep);
                const RegistrationName* found = nullptr;
                for (const RegistrationName& r : kRegistrations) {
                    if (r.name == v) {
                        found = &r;
                    }
                }
                if (found == nullptr) {
                    // "register_private_expedited" or "MEMBARRIER_CMD_..." mean the registration.
                    std::string norm = lower_ascii(v);
                    if (norm.rfind("membarrier_cmd_", 0) == 0) {
                        norm = norm.substr(15);
                    }
                    if (norm.rfind("register_", 0) == 0) {
                        norm = norm.substr(9);
                    }
                    auto sugg = closest(norm, names);
                    fail(node_loc(rn), ep,
                         fmt::format("unknown registration {}{}", quote(v),
                                     suggest_and_list(sugg, names)));
                }
                if (std::find(p.registrations.begin(), p.registrations.end(), found->reg) !=
                    p.registrations.end()) {
                    fail(node_loc(rn), ep,
                         fmt::format("registration {} is listed twice", quote(v)));
                }
                p.registrations.push_back(found->reg);
            }
        }
        process_index_.emplace(p.name, static_cast<int>(sc_.processes.size()));
        sc_.processes.push_back(std::move(p));
    }
}

void Loader::load_policy_defs(const Tbl& root) {
    const Entry* pe = root.find("policy");
    if (pe == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = get_table_array(*pe->node, "policy");
    // Every [[policy]] name in the file, to tell "defined later" from "unknown".
    std::vector<std::pair<std::string, SourceLoc>> all_names;
    for (const toml::table* tp : tables) {
        const toml::node* n = tp->get("name");
        all_names.emplace_back(
            n != nullptr && n->is_string() ? n->as_string()->get() : std::string(), node_loc(*tp));
    }
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const Tbl t = open(*tables[i], index_path("policy", i));
        check_keys(t, key_names(KeyTable::policy));
        PolicyDef def;
        def.loc = t.loc;
        const Entry* name = t.find("name");
        if (name == nullptr) {
            missing(t, "name");
        }
        const std::string np = t.child("name");
        def.name = get_name(*name->node, np);
        if (!is_policy_name(def.name)) {
            fail(node_loc(*name->node), np,
                 fmt::format("invalid policy name {} (use letters, digits, '_', '.', '-', '+')",
                             quote(def.name)));
        }
        if (presets_.count(def.name) != 0) {
            fail(node_loc(*name->node), np,
                 fmt::format("{} is a preset; a [[policy]] may not shadow it (choose another name)",
                             quote(def.name)));
        }
        if (auto it = policy_index_.find(def.name); it != policy_index_.end()) {
            const PolicyDef& first = sc_.policy_defs[static_cast<std::size_t>(it->second)];
            fail(node_loc(*name->node), np,
                 fmt::format("duplicate policy name {} (first defined at policy[{}], line {})",
                             quote(def.name), it->second, first.loc.line));
        }
        const Entry* base = t.find("base");
        if (base == nullptr) {
            missing(t, "base");
        }
        const std::string bp = t.child("base");
        def.base = get_name(*base->node, bp);
        if (!is_known_policy(def.base)) {
            if (def.base == def.name) {
                fail(node_loc(*base->node), bp, "a policy cannot be its own base");
            }
            for (std::size_t j = i + 1; j < all_names.size(); ++j) {
                if (all_names[j].first == def.base) {
                    fail(
                        node_loc(*base->node), bp,
                        fmt::format("policy {} is defined later in the file (policy[{}], line {}); "
                                    "a base must be a preset or a policy defined earlier",
                                    quote(def.base), j, all_names[j].second.line));
                }
            }
            fail(node_loc(*base->node), bp,
                 fmt::format("unknown policy {}{}", quote(def.base),
                             suggest_from(def.base, known_policies())));
        }
        if (const Entry* knobs = t.find("knobs")) {
            const Tbl kt = open(get_table(*knobs->node, t.child("knobs")), t.child("knobs"));
            for (const Entry& k : kt.entries) {
                const std::string kp = kt.child(k.key);
                KnobValue v;
                v.loc = node_loc(*k.node);
                if (const auto* b = k.node->as_boolean()) {
                    v.kind = KnobValue::Kind::boolean;
                    v.b = b->get();
                } else if (const auto* iv = k.node->as_integer()) {
                    v.kind = KnobValue::Kind::integer;
                    v.i = iv->get();
                } else if (const auto* s = k.node->as_string()) {
                    v.kind = KnobValue::Kind::string;
                    v.s = s->get();
                } else {
                    bad_type(*k.node, kp, "a boolean, integer or string",
                             k.node->is_table() ? " (quote dotted knob names)" : "");
                }
                if (catalog_.check_knob) {
                    const std::string msg = catalog_.check_knob(k.key, v);
                    if (!msg.empty()) {
                        // The catalogue's "unknown ..." is about the name, anything else the value.
                        const bool about_name = msg.rfind("unknown", 0) == 0;
                        fail(about_name ? k.key_loc : v.loc, kp, msg);
                    }
                }
                def.knobs.emplace_back(std::string(k.key), std::move(v));
            }
        }
        const SourceLoc knobs_loc =
            t.find("knobs") != nullptr ? node_loc(*t.find("knobs")->node) : def.loc;
        policy_index_.emplace(def.name, static_cast<int>(sc_.policy_defs.size()));
        sc_.policy_defs.push_back(std::move(def));
        if (catalog_.check_policy) {
            const std::string msg = catalog_.check_policy(sc_, sc_.policy_defs.back().name);
            if (!msg.empty()) {
                fail(knobs_loc, t.child("knobs"), msg);
            }
        }
    }
}

void Loader::load_threads(const Tbl& root) {
    struct Pending {
        const toml::table* table;
        bool kthread;
        std::size_t index;
        SourceLoc loc;
    };
    std::vector<Pending> all;
    for (const bool kthread : {false, true}) {
        const std::string_view key = kthread ? "kthread" : "thread";
        if (const Entry* e = root.find(key)) {
            const std::vector<const toml::table*> tables =
                get_table_array(*e->node, std::string(key));
            for (std::size_t i = 0; i < tables.size(); ++i) {
                all.push_back(Pending{tables[i], kthread, i, node_loc(*tables[i])});
            }
        }
    }
    // Parse in file order, so that events are numbered in order of first mention.
    std::vector<std::size_t> order(all.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::pair(all[a].loc.line, all[a].loc.column) <
               std::pair(all[b].loc.line, all[b].loc.column);
    });
    std::vector<std::optional<Thread>> parsed(all.size());
    std::map<std::string, std::string, std::less<>> names; // name -> path
    for (const std::size_t k : order) {
        const Pending& p = all[k];
        const std::string path = index_path(p.kthread ? "kthread" : "thread", p.index);
        Thread th = load_thread(*p.table, path, p.kthread);
        if (auto it = names.find(th.name); it != names.end()) {
            const toml::node* nn = p.table->get("name");
            fail(node_loc(*nn), path + ".name",
                 fmt::format("duplicate thread name {} (also used by {})", quote(th.name),
                             it->second));
        }
        names.emplace(th.name, path);
        parsed[k] = std::move(th);
    }
    for (std::optional<Thread>& t : parsed) {
        sc_.threads.push_back(std::move(*t));
    }
    for (const WaitMention& w : waits_) {
        if (signalled_.count(w.event) == 0) {
            std::vector<std::string_view> sig;
            for (const int s : signalled_) {
                sig.push_back(sc_.events[static_cast<std::size_t>(s)]);
            }
            const std::string& name = sc_.events[static_cast<std::size_t>(w.event)];
            fail(w.loc, w.path,
                 fmt::format("event {} is waited for but never signalled{}", quote(name),
                             did_you_mean(closest(name, sig))));
        }
    }
}

Thread Loader::load_thread(const toml::table& table, const std::string& path, bool kthread) {
    const Tbl t = open(table, path);
    if (kthread) {
        if (const Entry* e = t.find("process")) {
            fail(e->key_loc, t.child("process"),
                 "not allowed in a [[kthread]] (kernel threads have no mm of their own; use "
                 "\"use_mm PROCESS\" in the program)");
        }
        check_keys(t, key_names(KeyTable::kthread));
    } else {
        check_keys(t, key_names(KeyTable::thread));
    }
    Thread th;
    th.kthread = kthread;
    th.loc = t.loc;
    const Entry* name = t.find("name");
    if (name == nullptr) {
        missing(t, "name");
    }
    th.name = get_name(*name->node, t.child("name"));
    if (!kthread) {
        const Entry* proc = t.find("process");
        if (proc == nullptr) {
            missing(t, "process");
        }
        const std::string pp = t.child("process");
        th.process = find_process(get_string(*proc->node, pp), node_loc(*proc->node), pp);
    }
    const Entry* cpu = t.find("cpu");
    if (cpu == nullptr) {
        missing(t, "cpu");
    }
    const std::int64_t c = get_int(*cpu->node, t.child("cpu"));
    check_cpu(c, node_loc(*cpu->node), t.child("cpu"));
    th.cpu = static_cast<int>(c);
    if (const Entry* start = t.find("start")) {
        th.start = get_int_range(*start->node, t.child("start"), 0, limits::cycles);
    }
    const Entry* program = t.find("program");
    if (program == nullptr) {
        missing(t, "program");
    }
    const std::string pp = t.child("program");
    th.program = parse_program(get_array(*program->node, pp, "an array of strings"), pp, kthread);
    return th;
}

// --- steps -------------------------------------------------------------------------------------

std::vector<Step> Loader::parse_program(const toml::array& arr, const std::string& path,
                                        bool kthread) {
    struct Frame {
        Step repeat;
        SourceLoc loc;
        std::string path;
        std::vector<Step> body;
    };
    std::vector<Step> top;
    std::vector<Frame> stack;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const toml::node& n = *arr.get(i);
        StepSrc src{&n, {}, index_path(path, i)};
        if (!n.is_string()) {
            bad_type(n, src.path, "a step string");
        }
        src.value = n.as_string()->get();
        ParsedStep ps = parse_step(src, kthread, !stack.empty());
        std::vector<Step>& cur = stack.empty() ? top : stack.back().body;
        if (ps.info->closes_repeat) {
            if (stack.empty()) {
                fail(ps.step.loc, src.path, "\"end\" without a matching \"repeat\"");
            }
            Frame f = std::move(stack.back());
            stack.pop_back();
            f.repeat.body = std::move(f.body);
            (stack.empty() ? top : stack.back().body).push_back(std::move(f.repeat));
        } else if (ps.step.op == Op::repeat) {
            if (stack.size() >= kMaxRepeatDepth) {
                fail(
                    ps.step.loc, src.path,
                    fmt::format("repeat nested too deeply (more than {} levels)", kMaxRepeatDepth));
            }
            const SourceLoc loc = ps.step.loc;
            stack.push_back(Frame{std::move(ps.step), loc, src.path, {}});
        } else {
            cur.push_back(std::move(ps.step));
        }
    }
    if (!stack.empty()) {
        const Frame& f = stack.back();
        fail(f.loc, f.path, "\"repeat\" without a matching \"end\"");
    }
    return top;
}

std::int64_t Loader::step_int(const StepSrc& src, const Tok& t, std::string_view what) const {
    std::int64_t v = 0;
    switch (detail::parse_int(t.text, v)) {
    case IntParse::ok:
        return v;
    case IntParse::out_of_range:
        fail(word_loc(src, t.off), src.path,
             fmt::format("{} {} is out of range (64-bit integers only)", what, t.text));
    case IntParse::not_an_integer:
        break;
    }
    fail(word_loc(src, t.off), src.path,
         fmt::format("{} must be an integer, got {}", what, quote(t.text)));
}

Loader::ParsedStep Loader::parse_step(const StepSrc& src, bool kthread, bool in_repeat) {
    const std::vector<Tok> toks = tokenize(src);
    const StepInfo& info = find_operation(src, toks.front(), kthread, in_repeat);
    const StepWords words = split_words(src, toks, info, kthread);
    ParsedStep ps;
    ps.info = &info;
    Step& st = ps.step;
    st.op = info.op;
    st.path = src.path;
    st.loc = word_loc(src, toks.front().off);
    if (info.closes_repeat) {
        return ps;
    }
    const std::vector<const ArgInfo*> args = step_args(info, kthread);
    for (std::size_t i = 0; i < words.args.size(); ++i) {
        read_argument(st, src, *args[i], words.args[i]);
    }
    for (const WrittenOption& o : words.options) {
        read_option(st, src, o, in_repeat);
    }
    return ps;
}

/// The words of a step string, split on ASCII white space, with their byte offsets.
std::vector<Tok> Loader::tokenize(const StepSrc& src) const {
    std::vector<Tok> toks;
    const std::string_view s = src.value;
    auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    };
    for (std::size_t i = 0; i < s.size();) {
        if (is_space(s[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j])) {
            ++j;
        }
        toks.push_back(Tok{s.substr(i, j - i), i});
        i = j;
    }
    if (toks.empty()) {
        fail(node_loc(*src.node), src.path,
             "empty step (expected an operation such as \"user 1000\")");
    }
    return toks;
}

/// The step table's entry for the operation word, if a thread of this kind may use it here.
const StepInfo& Loader::find_operation(const StepSrc& src, const Tok& op_tok, bool kthread,
                                       bool in_repeat) const {
    const SourceLoc op_loc = word_loc(src, op_tok.off);
    const StepInfo* info = find_step(op_tok.text);
    if (info == nullptr) {
        // Suggest an operation of this thread kind first.
        std::vector<std::string_view> mine;
        std::vector<std::string_view> all;
        for (const StepInfo& s : step_table()) {
            all.push_back(s.name);
            if (includes(s.kinds, kthread)) {
                mine.push_back(s.name);
            }
        }
        auto sugg = closest(op_tok.text, mine);
        if (!sugg) {
            sugg = closest(op_tok.text, all);
        }
        fail(op_loc, src.path,
             fmt::format("unknown operation {}{}", quote(op_tok.text), did_you_mean(sugg)));
    }
    if (!includes(info->kinds, kthread)) {
        fail(op_loc, src.path,
             fmt::format("{} is only for [[{}]]", info->name, kthread ? "thread" : "kthread"));
    }
    if (in_repeat && !info->allowed_in_repeat) {
        fail(op_loc, src.path, fmt::format("{} is not allowed inside repeat", info->name));
    }
    return *info;
}

/// Sorts the words after the operation into positional arguments and options (`key=value`, a
/// flag, or the name of a valued option alone, which is an error), checking their number.
Loader::StepWords Loader::split_words(const StepSrc& src, const std::vector<Tok>& toks,
                                      const StepInfo& info, bool kthread) const {
    StepWords words;
    const std::size_t nargs = step_args(info, kthread).size();
    for (std::size_t i = 1; i < toks.size(); ++i) {
        const Tok& t = toks[i];
        const bool option_word =
            t.text.find('=') != std::string_view::npos ||
            std::any_of(info.options.begin(), info.options.end(),
                        [&](StepOption o) { return option_info(o).name == t.text; });
        if (option_word) {
            words.options.push_back(read_option_word(src, t, info, words));
            continue;
        }
        if (!words.options.empty()) {
            fail(word_loc(src, t.off), src.path,
                 fmt::format("unexpected argument {} after options (usage: {})", quote(t.text),
                             step_usage(info, kthread)));
        }
        if (words.args.size() >= nargs) {
            check_argument_count(src, t, info, kthread);
        }
        words.args.push_back(t);
    }
    if (words.args.size() < nargs) {
        fail(word_loc(src, toks.front().off), src.path,
             fmt::format("missing argument (usage: {})", step_usage(info, kthread)));
    }
    return words;
}

/// Reports the positional argument `t`, one more than the step takes.
void Loader::check_argument_count(const StepSrc& src, const Tok& t, const StepInfo& info,
                                  bool kthread) const {
    std::vector<std::string_view> option_names;
    for (const StepOption o : info.options) {
        option_names.push_back(option_info(o).name);
    }
    const auto sugg = closest(t.text, option_names);
    std::string hints;
    for (const ArgInfo& a : info.args) {
        if (!includes(a.kinds, kthread) && !a.absent_hint.empty()) {
            hints += fmt::format("; {}", a.absent_hint);
        }
    }
    const std::string usage = step_usage(info, kthread);
    fail(word_loc(src, t.off), src.path,
         step_args(info, kthread).empty() && !sugg
             ? fmt::format("{} takes no arguments, got {} (usage: {}{})", info.name, quote(t.text),
                           usage, hints)
             : fmt::format("unexpected argument {}{} (usage: {}{})", quote(t.text),
                           did_you_mean(sugg), usage, hints));
}

/// An option word: its name must be one of the step's options, given once, with a value unless
/// it is a flag.
Loader::WrittenOption Loader::read_option_word(const StepSrc& src, const Tok& t,
                                               const StepInfo& info, const StepWords& words) const {
    const std::size_t eq = t.text.find('=');
    const std::string_view name = eq == std::string_view::npos ? t.text : t.text.substr(0, eq);
    const SourceLoc loc = word_loc(src, t.off);
    if (name.empty()) {
        fail(loc, src.path, fmt::format("expected key=value, got {}", quote(t.text)));
    }
    const OptionInfo* option = nullptr;
    std::vector<std::string_view> valid;
    for (const StepOption o : info.options) {
        valid.push_back(option_info(o).name);
        if (option_info(o).name == name) {
            option = &option_info(o);
        }
    }
    if (option == nullptr) {
        const bool known = std::any_of(step_options().begin(), step_options().end(),
                                       [&](const OptionInfo& o) { return o.name == name; });
        if (valid.empty()) {
            fail(loc, src.path,
                 fmt::format("{} takes no options, got {}", info.name, quote(t.text)));
        }
        fail(loc, src.path,
             known ? fmt::format("option {} is not valid for {} (valid: {})", quote(name),
                                 info.name, detail::join(valid))
                   : fmt::format("unknown option {}{}", quote(name),
                                 suggest_and_list(closest(name, valid), valid)));
    }
    const bool bare = eq == std::string_view::npos;
    if (bare && option->type != OptionType::flag) {
        fail(loc, src.path, fmt::format("option {} needs a value ({}=...)", quote(name), name));
    }
    for (const WrittenOption& o : words.options) {
        if (o.info == option) {
            fail(loc, src.path, fmt::format("option {} given twice", quote(name)));
        }
    }
    WrittenOption o{option, {}, t.off, t.off, bare};
    if (!bare) {
        o.value = t.text.substr(eq + 1);
        o.value_off = t.off + eq + 1;
        if (o.value.empty()) {
            fail(loc, src.path, fmt::format("option {} needs a value ({}=...)", quote(name), name));
        }
    }
    return o;
}

void Loader::read_argument(Step& st, const StepSrc& src, const ArgInfo& arg, const Tok& t) {
    const SourceLoc loc = word_loc(src, t.off);
    switch (arg.type) {
    case ArgType::integer:
        st.n = step_int(src, t, arg.name);
        check_range(st.n, arg.min, arg.max, loc, src.path, arg.name);
        break;
    case ArgType::cpu:
        st.n = step_int(src, t, arg.name);
        check_cpu(st.n, loc, src.path);
        break;
    case ArgType::awaited_event:
        st.event = event_id(t.text);
        waits_.push_back(WaitMention{st.event, src.path, loc});
        break;
    case ArgType::signalled_event:
        st.event = event_id(t.text);
        signalled_.insert(st.event);
        break;
    case ArgType::process:
        st.process = find_process(t.text, loc, src.path);
        break;
    case ArgType::membarrier_cmd:
        read_membarrier_cmd(st, src, t);
        break;
    }
}

/// A membarrier command: a name of membarrier_commands(), or any integer.
void Loader::read_membarrier_cmd(Step& st, const StepSrc& src, const Tok& t) const {
    const std::string_view c = t.text;
    st.cmd_name = std::string(c);
    std::vector<std::string_view> names;
    for (const MembarrierCommand& m : membarrier_commands()) {
        names.push_back(m.name);
        if (m.name == c) {
            st.cmd = m.value;
            return;
        }
    }
    std::int64_t v = 0;
    const IntParse r = detail::parse_int(c, v);
    if (r == IntParse::out_of_range) {
        fail(word_loc(src, t.off), src.path,
             fmt::format("membarrier command {} is out of range", c));
    }
    if (r != IntParse::ok) {
        std::string norm = lower_ascii(c);
        if (norm.rfind("membarrier_cmd_", 0) == 0) {
            norm = norm.substr(15);
        }
        fail(word_loc(src, t.off), src.path,
             fmt::format("unknown membarrier command {}{}", quote(c),
                         suggest_and_list(closest(norm, names), names)));
    }
    st.cmd = v;
}

void Loader::read_option(Step& st, const StepSrc& src, const WrittenOption& o, bool in_repeat) {
    const OptionInfo& info = *o.info;
    const SourceLoc vloc = word_loc(src, o.value_off);
    switch (info.type) {
    case OptionType::integer:
        st.*info.int_field = step_int(src, Tok{o.value, o.value_off}, info.name);
        check_range(st.*info.int_field, info.min, info.max, vloc, src.path, info.name);
        break;
    case OptionType::flag:
        if (!o.bare && o.value != "true" && o.value != "false") {
            fail(vloc, src.path,
                 fmt::format("{} must be true or false, got {}", info.name, quote(o.value)));
        }
        st.*info.bool_field = o.bare || o.value == "true";
        break;
    case OptionType::membarrier_flags:
        st.*info.int_field = read_membarrier_flags(src, o);
        break;
    case OptionType::result:
        st.expect = read_result(src, o);
        break;
    case OptionType::label:
        read_label(st, src, o, in_repeat);
        break;
    }
}

/// membarrier flags: an integer, or `cpu` for MEMBARRIER_CMD_FLAG_CPU.
std::int64_t Loader::read_membarrier_flags(const StepSrc& src, const WrittenOption& o) const {
    if (o.value == "cpu") {
        return 1;
    }
    const SourceLoc vloc = word_loc(src, o.value_off);
    std::int64_t v = 0;
    const IntParse r = detail::parse_int(o.value, v);
    if (r == IntParse::out_of_range) {
        fail(vloc, src.path, fmt::format("{} {} is out of range", o.info->name, o.value));
    }
    if (r != IntParse::ok) {
        fail(vloc, src.path,
             fmt::format("{} must be an integer or \"cpu\", got {}{}", o.info->name, quote(o.value),
                         did_you_mean(closest(o.value, {"cpu"}))));
    }
    return v;
}

/// A system call's result: a non-negative integer or a canonical errno name.
ResultValue Loader::read_result(const StepSrc& src, const WrittenOption& o) const {
    const SourceLoc vloc = word_loc(src, o.value_off);
    const std::string_view name = o.info->name;
    std::int64_t v = 0;
    const IntParse r = detail::parse_int(o.value, v);
    if (r == IntParse::out_of_range) {
        fail(vloc, src.path, fmt::format("{} {} is out of range", name, o.value));
    }
    if (r == IntParse::ok) {
        if (v < 0) {
            const std::string_view errno_text =
                v > -100000 ? errno_name(static_cast<int>(-v)) : std::string_view();
            fail(vloc, src.path,
                 fmt::format(
                     "{} must be a non-negative integer or an errno name, got {}{}", name, v,
                     errno_text.empty() ? std::string() : did_you_mean(std::string(errno_text))));
        }
        ResultValue rv;
        rv.value = v;
        return rv;
    }
    if (auto rv = errno_result(o.value)) {
        return *rv;
    }
    fail(vloc, src.path,
         fmt::format("{} must be a non-negative integer or an errno name, got {}{}", name,
                     quote(o.value), errno_hint(o.value)));
}

void Loader::read_label(Step& st, const StepSrc& src, const WrittenOption& o, bool in_repeat) {
    const SourceLoc vloc = word_loc(src, o.value_off);
    if (!is_label_name(o.value)) {
        fail(vloc, src.path,
             fmt::format("invalid label {} (a label is [A-Za-z_][A-Za-z0-9_.-]*)", quote(o.value)));
    }
    if (in_repeat) {
        fail(word_loc(src, o.off), src.path, "labels are not allowed inside repeat");
    }
    if (auto it = labels_.find(o.value); it != labels_.end()) {
        fail(vloc, src.path,
             fmt::format("duplicate label {} (first used at {}, line {})", quote(o.value),
                         it->second.path, it->second.loc.line));
    }
    st.label = std::string(o.value);
    labels_.emplace(st.label, LabelInfo{src.path, st.loc, st.op});
}

// --- injects, policies, expectations -----------------------------------------------------------

void Loader::load_injects(const Tbl& root) {
    const Entry* ie = root.find("inject");
    if (ie == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = get_table_array(*ie->node, "inject");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const Tbl t = open(*tables[i], index_path("inject", i));
        check_keys(t, key_names(KeyTable::inject));
        Inject inj;
        inj.path = t.path;
        inj.loc = t.loc;
        const Entry* at = t.find("at");
        if (at == nullptr) {
            missing(t, "at");
        }
        inj.at = get_int_range(*at->node, t.child("at"), 0, limits::cycles);
        const Entry* cpu = t.find("cpu");
        if (cpu == nullptr) {
            missing(t, "cpu");
        }
        const std::int64_t c = get_int(*cpu->node, t.child("cpu"));
        check_cpu(c, node_loc(*cpu->node), t.child("cpu"));
        inj.cpu = static_cast<int>(c);
        const Entry* ev = t.find("event");
        if (ev == nullptr) {
            missing(t, "event");
        }
        const std::string ep = t.child("event");
        if (!ev->node->is_string()) {
            bad_type(*ev->node, ep, "\"interrupt\" or \"flush_tlb\"");
        }
        const std::string evs = get_string(*ev->node, ep);
        if (evs == "interrupt") {
            inj.event = InjectEvent::interrupt;
        } else if (evs == "flush_tlb") {
            inj.event = InjectEvent::flush_tlb;
        } else {
            fail(node_loc(*ev->node), ep,
                 fmt::format("expected \"interrupt\" or \"flush_tlb\", got {}{}", quote(evs),
                             did_you_mean(closest(evs, {"interrupt", "flush_tlb"}))));
        }
        if (inj.event == InjectEvent::interrupt) {
            for (const std::string_view k : {"process", "pages", "freed_tables"}) {
                if (const Entry* e = t.find(k)) {
                    fail(e->key_loc, t.child(k), "only for event = \"flush_tlb\"");
                }
            }
        } else {
            const Entry* proc = t.find("process");
            if (proc == nullptr) {
                missing(t, "process", " (required for event = \"flush_tlb\")");
            }
            const std::string pp = t.child("process");
            inj.process = find_process(get_string(*proc->node, pp), node_loc(*proc->node), pp);
            if (const Entry* pages = t.find("pages")) {
                inj.pages = get_int_range(*pages->node, t.child("pages"), 0);
            }
            if (const Entry* ft = t.find("freed_tables")) {
                inj.freed_tables = get_bool(*ft->node, t.child("freed_tables"));
            }
        }
        sc_.injects.push_back(std::move(inj));
    }
}

void Loader::load_policies(const Tbl& root) {
    const Entry* pe = root.find("policies");
    if (pe == nullptr) {
        return;
    }
    const toml::array& arr = get_array(*pe->node, "policies", "an array of strings");
    if (arr.empty()) {
        fail(node_loc(*pe->node), "policies", "must name at least one policy");
    }
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        check_policy_ref(*arr.get(i), index_path("policies", i), out, seen);
    }
    sc_.policies = std::move(out);
}

void Loader::load_expects(const Tbl& root) {
    const Entry* ee = root.find("expect");
    if (ee == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = get_table_array(*ee->node, "expect");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        const Tbl t = open(*tables[i], index_path("expect", i));
        check_keys(t, key_names(KeyTable::expect));
        Expectation ex;
        ex.path = t.path;
        ex.loc = t.loc;

        const Entry* pol = t.find("policy");
        if (pol == nullptr) {
            missing(t, "policy");
        }
        const std::string pp = t.child("policy");
        std::set<std::string> seen;
        if (pol->node->is_string()) {
            check_policy_ref(*pol->node, pp, ex.policies, seen);
        } else if (const auto* arr = pol->node->as_array()) {
            if (arr->empty()) {
                fail(node_loc(*pol->node), pp, "must name at least one policy");
            }
            for (std::size_t j = 0; j < arr->size(); ++j) {
                check_policy_ref(*arr->get(j), index_path(pp, j), ex.policies, seen);
            }
        } else {
            bad_type(*pol->node, pp, "a string or an array of strings");
        }

        if (const Entry* ce = t.find("counters")) {
            const std::string cp = t.child("counters");
            const Tbl ct = open(get_table(*ce->node, cp), cp);
            for (const Entry& c : ct.entries) {
                const std::string kp = ct.child(c.key);
                if (!c.node->is_integer()) {
                    bad_type(*c.node, kp, "an integer",
                             c.node->is_table() ? " (quote dotted counter names: \"ser.total\" = 1)"
                                                : "");
                }
                if (catalog_.is_counter && !catalog_.is_counter(c.key)) {
                    fail(c.key_loc, kp, "unknown counter" + suggest_counter(c.key));
                }
                check_counter_cpu(c.key, c.key_loc, kp);
                ExpectedCounter ec;
                ec.name = std::string(c.key);
                ec.value = get_int_range(*c.node, kp, 0);
                ec.loc = node_loc(*c.node);
                ex.counters.push_back(std::move(ec));
            }
        }

        if (const Entry* ve = t.find("violations")) {
            const std::string vp = t.child("violations");
            const toml::array& arr = get_array(*ve->node, vp, "an array of strings");
            std::vector<std::string> v;
            for (std::size_t j = 0; j < arr.size(); ++j) {
                const std::string ep = index_path(vp, j);
                const std::string s = get_string(*arr.get(j), ep);
                if (std::find(kViolations.begin(), kViolations.end(), s) == kViolations.end()) {
                    fail(node_loc(*arr.get(j)), ep,
                         fmt::format("unknown property {}{}", quote(s),
                                     suggest_and_list(closest(s, kViolations), kViolations)));
                }
                if (std::find(v.begin(), v.end(), s) != v.end()) {
                    fail(node_loc(*arr.get(j)), ep,
                         fmt::format("property {} is listed twice", quote(s)));
                }
                v.push_back(s);
            }
            ex.violations = std::move(v);
        }

        if (const Entry* re = t.find("results")) {
            const std::string rp = t.child("results");
            const Tbl rt = open(get_table(*re->node, rp), rp);
            for (const Entry& r : rt.entries) {
                const std::string kp = rt.child(r.key);
                ResultValue rv;
                if (const auto* iv = r.node->as_integer()) {
                    if (iv->get() < 0) {
                        const std::int64_t v = iv->get();
                        const std::string_view name =
                            v > -100000 ? errno_name(static_cast<int>(-v)) : std::string_view();
                        fail(node_loc(*r.node), kp,
                             fmt::format(
                                 "expected a non-negative integer or an errno name, got {}{}", v,
                                 name.empty() ? std::string() : did_you_mean(std::string(name))));
                    }
                    rv.value = iv->get();
                } else if (const auto* sv = r.node->as_string()) {
                    auto e = errno_result(sv->get());
                    if (!e) {
                        fail(node_loc(*r.node), kp,
                             fmt::format("unknown errno name {}{}", quote(sv->get()),
                                         errno_hint(sv->get())));
                    }
                    rv = *e;
                } else {
                    bad_type(*r.node, kp, "an integer or an errno name");
                }
                auto it = labels_.find(r.key);
                if (it == labels_.end()) {
                    std::vector<std::string_view> names;
                    for (const auto& [name, info] : labels_) {
                        names.push_back(name);
                    }
                    fail(r.key_loc, kp,
                         fmt::format("no step is labelled {}{}", quote(r.key),
                                     did_you_mean(closest(r.key, names))));
                }
                if (it->second.op != Op::membarrier) {
                    fail(r.key_loc, kp,
                         fmt::format("label {} is not on a membarrier step (it labels {})",
                                     quote(r.key), it->second.path));
                }
                ex.results.emplace_back(std::string(r.key), std::move(rv));
            }
        }
        sc_.expectations.push_back(std::move(ex));
    }
}

Scenario load_checked(std::string_view text, const std::string& file, const Catalog& catalog) {
    const auto fail = [&](std::string_view what, std::string_view msg) {
        return ScenarioError(fmt::format("{}:0:0: {}: {}", file, what, msg));
    };
    if (text.size() > kMaxFileSize) {
        throw fail("file", fmt::format("too large ({} bytes; the limit is {} bytes)", text.size(),
                                       kMaxFileSize));
    }
    try {
        Loader loader(text, file, catalog);
        return loader.run();
    } catch (const ScenarioError&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw fail("file", "out of memory while loading");
    }
    // Anything else is a bug of the loader: it propagates as an internal error (exit 3).
}

} // namespace

Scenario load_string(std::string_view text, const std::string& file, const Catalog& catalog) {
    return load_checked(text, file, catalog);
}

Scenario load_file(const std::string& path, const Catalog& catalog) {
    const auto cannot = [&](std::string_view reason) {
        return ScenarioError(fmt::format("{}:0:0: file: cannot read ({})", path, reason));
    };
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw cannot(std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        throw cannot(std::strerror(EISDIR));
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        throw cannot(std::strerror(errno));
    }
    std::string text;
    char buf[65536];
    while (true) {
        const std::size_t got = std::fread(buf, 1, sizeof buf, f);
        text.append(buf, got);
        if (text.size() > kMaxFileSize) {
            std::fclose(f);
            throw ScenarioError(
                fmt::format("{}:0:0: file: too large (more than {} bytes)", path, kMaxFileSize));
        }
        if (got < sizeof buf) {
            break;
        }
    }
    const bool error = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (error) {
        throw cannot(std::strerror(err));
    }
    return load_checked(text, path, catalog);
}

} // namespace scenario
