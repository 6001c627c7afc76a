#pragma once
// A libFuzzer dictionary (-dict=FILE) for scenario files. A mutation that flips bytes rarely
// spells a key name or a 19-digit number; these words let the fuzzer splice them in. Names come
// from the tables that declare them (scenario keys, presets, knobs, costs, counters); the values
// are the boundaries of the loader's ranges and of std::int64_t.

#include <string>

namespace fuzz {

/// The dictionary, one `"word"` a line (libFuzzer's format, non-printable bytes as \xNN).
std::string libfuzzer_dictionary();

} // namespace fuzz
