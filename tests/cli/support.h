#pragma once
// Helpers for the command-line tests: run `tlbsim ARGS...` in-process with captured output, temp
// directories with scenario files, a minimal XML parser (well-formedness and a tree), and a
// JSON Schema validator for the subset tests/cli/schema.json uses (unknown keywords fail, so the
// schema cannot silently use something this validator ignores).

#include "cli/commands.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace clitest {

namespace fs = std::filesystem;
using Json = nlohmann::json;

/// The folder of this file (tests/cli), from the compiler's path of the source.
inline fs::path source_dir() {
    return fs::path(__FILE__).parent_path();
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("tlbsim-cli-test-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const std::string& name) const { return (path / name).string(); }
    std::string write(const std::string& name, const std::string& text) const {
        const fs::path p = path / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
};

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    INFO("reading " << path);
    REQUIRE(in.good());
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

struct Cmd {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        s.append(buf, n);
    }
    return s;
}

/// Runs `tlbsim ARGS...` in-process.
inline Cmd tlbsim(const std::vector<std::string>& args) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    REQUIRE(out != nullptr);
    REQUIRE(err != nullptr);
    Cmd c;
    c.code = cli::run_command_line(args, out, err);
    c.out = slurp(out);
    c.err = slurp(err);
    std::fclose(out);
    std::fclose(err);
    return c;
}

inline std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line)) {
        out.push_back(line);
    }
    return out;
}

// XML ------------------------------------------------------------------------------------------

struct XmlNode {
    std::string name;
    std::map<std::string, std::string> attrs;
    std::vector<XmlNode> children;
    std::string text;

    std::vector<const XmlNode*> all(const std::string& n) const {
        std::vector<const XmlNode*> out;
        collect(n, out);
        return out;
    }
    void collect(const std::string& n, std::vector<const XmlNode*>& out) const {
        if (name == n) {
            out.push_back(this);
        }
        for (const auto& c : children) {
            c.collect(n, out);
        }
    }
};

/// A minimal, strict XML 1.0 parser: prolog, comments, elements, attributes (quoted, unique),
/// character and entity references, CDATA. Throws std::runtime_error on anything malformed.
class XmlParser {
public:
    explicit XmlParser(std::string s) : s_(std::move(s)) {}

    XmlNode parse() {
        if (s_.compare(0, 5, "<?xml") == 0) {
            const auto e = s_.find("?>");
            if (e == std::string::npos) {
                fail("unterminated XML declaration");
            }
            i_ = e + 2;
        }
        misc();
        if (i_ >= s_.size() || s_[i_] != '<') {
            fail("no root element");
        }
        XmlNode root = element();
        misc();
        if (i_ != s_.size()) {
            fail("content after the root element");
        }
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error("XML: " + why + " at offset " + std::to_string(i_));
    }
    void ws() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) {
            ++i_;
        }
    }
    void misc() {
        for (;;) {
            ws();
            if (s_.compare(i_, 4, "<!--") == 0) {
                const auto e = s_.find("-->", i_ + 4);
                if (e == std::string::npos) {
                    fail("unterminated comment");
                }
                i_ = e + 3;
            } else {
                return;
            }
        }
    }
    static bool name_char(char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
               c == ':' || (static_cast<unsigned char>(c) >= 0x80);
    }
    std::string name() {
        const std::size_t start = i_;
        if (i_ >= s_.size() || std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
            s_[i_] == '.') {
            fail("bad name");
        }
        while (i_ < s_.size() && name_char(s_[i_])) {
            ++i_;
        }
        if (i_ == start) {
            fail("empty name");
        }
        return s_.substr(start, i_ - start);
    }
    std::string text_until(char stop) {
        std::string out;
        while (i_ < s_.size() && s_[i_] != stop) {
            const char c = s_[i_];
            if (c == '<' && stop != '<') {
                fail("'<' in attribute value");
            }
            if (c == '&') {
                const auto e = s_.find(';', i_);
                if (e == std::string::npos) {
                    fail("unterminated reference");
                }
                const std::string ref = s_.substr(i_ + 1, e - i_ - 1);
                if (ref == "amp") {
                    out += '&';
                } else if (ref == "lt") {
                    out += '<';
                } else if (ref == "gt") {
                    out += '>';
                } else if (ref == "quot") {
                    out += '"';
                } else if (ref == "apos") {
                    out += '\'';
                } else if (ref.size() > 1 && ref[0] == '#') {
                    const bool hex = ref[1] == 'x';
                    const std::string digits = ref.substr(hex ? 2 : 1);
                    if (digits.empty() ||
                        digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") !=
                            std::string::npos) {
                        fail("bad character reference");
                    }
                    out += '?';
                } else {
                    fail("unknown entity &" + ref + ";");
                }
                i_ = e + 1;
                continue;
            }
            const auto uc = static_cast<unsigned char>(c);
            if (uc < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                fail("control character");
            }
            out += c;
            ++i_;
        }
        return out;
    }
    XmlNode element() {
        XmlNode n;
        ++i_; // '<'
        n.name = name();
        for (;;) {
            const std::size_t before = i_;
            ws();
            if (i_ >= s_.size()) {
                fail("unterminated start tag");
            }
            if (s_.compare(i_, 2, "/>") == 0) {
                i_ += 2;
                return n;
            }
            if (s_[i_] == '>') {
                ++i_;
                break;
            }
            if (i_ == before) {
                fail("attributes must be separated by white space");
            }
            const std::string key = name();
            ws();
            if (i_ >= s_.size() || s_[i_] != '=') {
                fail("attribute without '='");
            }
            ++i_;
            ws();
            if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
                fail("unquoted attribute value");
            }
            const char q = s_[i_++];
            std::string value = text_until(q);
            if (i_ >= s_.size()) {
                fail("unterminated attribute value");
            }
            ++i_;
            if (!n.attrs.emplace(key, value).second) {
                fail("duplicate attribute " + key);
            }
        }
        for (;;) {
            n.text += text_until('<');
            if (i_ >= s_.size()) {
                fail("unterminated element <" + n.name + ">");
            }
            if (s_.compare(i_, 4, "<!--") == 0) {
                const auto e = s_.find("-->", i_ + 4);
                if (e == std::string::npos) {
                    fail("unterminated comment");
                }
                i_ = e + 3;
            } else if (s_.compare(i_, 9, "<![CDATA[") == 0) {
                const auto e = s_.find("]]>", i_ + 9);
                if (e == std::string::npos) {
                    fail("unterminated CDATA");
                }
                n.text += s_.substr(i_ + 9, e - i_ - 9);
                i_ = e + 3;
            } else if (s_.compare(i_, 2, "</") == 0) {
                i_ += 2;
                const std::string closing = name();
                ws();
                if (closing != n.name || i_ >= s_.size() || s_[i_] != '>') {
                    fail("</" + closing + "> does not close <" + n.name + ">");
                }
                ++i_;
                return n;
            } else {
                n.children.push_back(element());
            }
        }
    }

    std::string s_;
    std::size_t i_ = 0;
};

inline XmlNode parse_xml(const std::string& text) {
    return XmlParser(text).parse();
}

// JSON Schema (subset) ---------------------------------------------------------------------------

class SchemaValidator {
public:
    explicit SchemaValidator(Json root) : root_(std::move(root)) {}

    /// Every violation found, as "path: message"; empty when `doc` is valid.
    std::vector<std::string> validate(const Json& doc) const {
        std::vector<std::string> errors;
        check(root_, doc, "$", errors);
        return errors;
    }

private:
    static bool has_type(const Json& v, const std::string& t) {
        if (t == "object") {
            return v.is_object();
        }
        if (t == "array") {
            return v.is_array();
        }
        if (t == "string") {
            return v.is_string();
        }
        if (t == "boolean") {
            return v.is_boolean();
        }
        if (t == "null") {
            return v.is_null();
        }
        if (t == "number") {
            return v.is_number();
        }
        if (t == "integer") {
            return v.is_number_integer() ||
                   (v.is_number_float() &&
                    v.get<double>() ==
                        static_cast<double>(static_cast<long long>(v.get<double>())));
        }
        throw std::runtime_error("schema: unknown type " + t);
    }

    const Json& resolve(const std::string& ref) const {
        const std::string prefix = "#/$defs/";
        if (ref.rfind(prefix, 0) != 0) {
            throw std::runtime_error("schema: unsupported $ref " + ref);
        }
        return root_.at("$defs").at(ref.substr(prefix.size()));
    }

    void check(const Json& schema, const Json& v, const std::string& path,
               std::vector<std::string>& errors) const {
        static const std::set<std::string> known = {
            "$schema",     "$id",        "title",
            "description", "$comment",   "$defs",
            "type",        "const",      "enum",
            "required",    "properties", "additionalProperties",
            "items",       "$ref",       "allOf",
            "anyOf",       "if",         "then",
            "minimum",     "maximum",    "exclusiveMinimum",
            "minItems",    "maxItems",   "pattern"};
        for (const auto& [k, unused] : schema.items()) {
            (void)unused;
            if (known.count(k) == 0) {
                throw std::runtime_error("schema: keyword \"" + k +
                                         "\" is not supported by the test validator");
            }
        }
        if (schema.contains("$ref")) {
            check(resolve(schema["$ref"].get<std::string>()), v, path, errors);
        }
        if (schema.contains("type")) {
            const auto& t = schema["type"];
            bool ok = false;
            if (t.is_string()) {
                ok = has_type(v, t.get<std::string>());
            } else {
                for (const auto& x : t) {
                    ok = ok || has_type(v, x.get<std::string>());
                }
            }
            if (!ok) {
                errors.push_back(path + ": expected type " + t.dump() + ", got " +
                                 v.dump().substr(0, 60));
                return;
            }
        }
        if (schema.contains("const") && v != schema["const"]) {
            errors.push_back(path + ": expected " + schema["const"].dump());
        }
        if (schema.contains("enum")) {
            bool found = false;
            for (const auto& e : schema["enum"]) {
                found = found || e == v;
            }
            if (!found) {
                errors.push_back(path + ": " + v.dump() + " not in " + schema["enum"].dump());
            }
        }
        if (v.is_number()) {
            const double x = v.get<double>();
            if (schema.contains("minimum") && x < schema["minimum"].get<double>()) {
                errors.push_back(path + ": below minimum");
            }
            if (schema.contains("maximum") && x > schema["maximum"].get<double>()) {
                errors.push_back(path + ": above maximum");
            }
            if (schema.contains("exclusiveMinimum") &&
                x <= schema["exclusiveMinimum"].get<double>()) {
                errors.push_back(path + ": not above exclusiveMinimum");
            }
        }
        if (v.is_string() && schema.contains("pattern") &&
            !std::regex_search(v.get<std::string>(),
                               std::regex(schema["pattern"].get<std::string>()))) {
            errors.push_back(path + ": does not match " + schema["pattern"].get<std::string>());
        }
        if (v.is_object()) {
            if (schema.contains("required")) {
                for (const auto& r : schema["required"]) {
                    if (!v.contains(r.get<std::string>())) {
                        errors.push_back(path + ": missing required \"" + r.get<std::string>() +
                                         "\"");
                    }
                }
            }
            for (const auto& [k, x] : v.items()) {
                if (schema.contains("properties") && schema["properties"].contains(k)) {
                    check(schema["properties"][k], x, path + "." + k, errors);
                } else if (schema.contains("additionalProperties")) {
                    const auto& ap = schema["additionalProperties"];
                    if (ap.is_boolean()) {
                        if (!ap.get<bool>()) {
                            errors.push_back(path + ": unexpected property \"" + k + "\"");
                        }
                    } else {
                        check(ap, x, path + "." + k, errors);
                    }
                }
            }
        }
        if (v.is_array()) {
            if (schema.contains("minItems") && v.size() < schema["minItems"].get<std::size_t>()) {
                errors.push_back(path + ": too few items");
            }
            if (schema.contains("maxItems") && v.size() > schema["maxItems"].get<std::size_t>()) {
                errors.push_back(path + ": too many items");
            }
            if (schema.contains("items")) {
                for (std::size_t i = 0; i < v.size(); ++i) {
                    check(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
                }
            }
        }
        if (schema.contains("allOf")) {
            for (const auto& s : schema["allOf"]) {
                check(s, v, path, errors);
            }
        }
        if (schema.contains("anyOf")) {
            bool any = false;
            for (const auto& s : schema["anyOf"]) {
                std::vector<std::string> sub;
                check(s, v, path, sub);
                any = any || sub.empty();
            }
            if (!any) {
                errors.push_back(path + ": matches no alternative of anyOf");
            }
        }
        if (schema.contains("if")) {
            std::vector<std::string> sub;
            check(schema["if"], v, path, sub);
            if (sub.empty() && schema.contains("then")) {
                check(schema["then"], v, path, errors);
            }
        }
    }

    Json root_;
};

inline SchemaValidator schema_validator() {
    return SchemaValidator(Json::parse(read_file((source_dir() / "schema.json").string())));
}

/// The JSON document in `path`, checked against tests/cli/schema.json (each error reported).
inline Json schema_checked(const std::string& path) {
    const Json doc = Json::parse(read_file(path));
    const auto errors = schema_validator().validate(doc);
    for (const auto& err : errors) {
        UNSCOPED_INFO(err);
    }
    CHECK(errors.empty());
    return doc;
}

// Scenarios --------------------------------------------------------------------------------------

/// Three CPUs, halting idle, a tick, membarrier SYNC_CORE IPIs, a TLB shootdown, a kernel
/// thread and a device interrupt: every kind of slice, marker and flow.
inline const char* const busy_scenario = R"(name = "busy"
policies = ["v5.10", "rfc-v2"]

[machine]
cpus = 3
idle = "halt"
timeslice = 5000

[[process]]
name = "jit"
register = ["private_expedited_sync_core"]

[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 12000", "wait go", "user 500"]

[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 2000", "membarrier private_expedited_sync_core label=mb", "flush_tlb pages=2", "signal go", "user 1000"]

[[thread]]
name = "c"
process = "jit"
cpu = 2
program = ["user 9000"]

[[kthread]]
name = "kw"
cpu = 2
program = ["work 3000", "sleep 2000", "work 500"]

[[inject]]
at = 4000
cpu = 0
event = "interrupt"

[[expect]]
policy = ["v5.10", "rfc-v2"]
violations = []
results = { mb = 0 }
)";

/// G-SC is violated under rfc-v2 (the sync moved behind a current->mm test that sees the idle
/// task), not under v5.10; the membarrier sees cpu0 idle and sends it no IPI.
inline const char* const violation_scenario = R"(name = "mb-lazy"
policies = ["v5.10", "rfc-v2"]

[machine]
cpus = 2

[[process]]
name = "jit"
register = ["private_expedited_sync_core"]

[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 1000", "wait go", "user 1000"]

[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 3000", "membarrier private_expedited_sync_core label=mb", "signal go", "user 4000"]

[[expect]]
policy = "v5.10"
violations = []
results = { mb = 0 }

[[expect]]
policy = "rfc-v2"
violations = ["G-SC"]
)";

/// Never finishes: each thread waits for what the other signals afterwards.
inline const char* const deadlock_scenario = R"(name = "deadlock"

[machine]
cpus = 2

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["wait x", "signal y"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["wait y", "signal x"]

[[expect]]
policy = "v5.10"
violations = []
)";

} // namespace clitest
