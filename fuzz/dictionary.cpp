#include "fuzz/dictionary.h"

#include "check/counter_catalog.h"
#include "kernel/cost_model.h"
#include "policy/knobs.h"
#include "policy/presets.h"
#include "scenario/keys.h"

#include <fmt/format.h>

#include <set>
#include <string_view>

namespace fuzz {

namespace {

/// Boundaries of the loader's ranges and of 64-bit arithmetic, and TOML's own spellings.
constexpr std::string_view kFixedWords[] = {
    "0",
    "-1",
    "1",
    "100",
    "101",
    "4095",
    "4096",
    "4097",
    "2147483647",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "4611686018427387904",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "0x7fffffffffffffff",
    "1e308",
    "inf",
    "nan",
    "-0.0",
    "true",
    "false",
    "= [",
    "= {",
    "[[",
    "]]",
    "\"\"\"",
    "'''",
    "\\u0000",
    "1979-05-27T07:32:00Z",
    "repeat 64",
    "end",
    "label=",
    "expect=",
    "flags=",
    "cpu=",
    "pages=",
    "freed_tables",
    "&&", // [[expect]] forbid and require conditions
    "||",
    "==",
    "!=",
    "t0:r1",
};

std::string quoted(std::string_view word) {
    std::string out = "\"";
    for (const char c : word) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
            out += fmt::format("\\x{:02X}", u);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::set<std::string> named_words() {
    std::set<std::string> words;
    for (const auto& table : scenario::key_tables()) {
        words.emplace(table.heading);
        for (const auto& key : table.keys) {
            words.emplace(key.name);
        }
    }
    for (const auto& preset : policy::presets()) {
        words.emplace(preset.name);
    }
    for (const auto& knob : policy::knob_table()) {
        words.emplace(knob.name);
        words.insert(knob.values.begin(), knob.values.end());
    }
    for (const auto& cost : kernel::cost_table()) {
        words.emplace(cost.name);
    }
    for (const auto& counter : check::counter_catalog().declared()) {
        words.emplace(counter.name);
    }
    return words;
}

} // namespace

std::string libfuzzer_dictionary() {
    std::set<std::string> words = named_words();
    words.insert(std::begin(kFixedWords), std::end(kFixedWords));
    std::string out;
    for (const auto& word : words) {
        out += quoted(word) + '\n';
    }
    return out;
}

} // namespace fuzz
