// fuzz_dictionary: prints the libFuzzer dictionary for scenario files (dictionary.h);
// scripts/fuzz writes it to build-fuzz/scenario.dict and passes it with -dict.

#include "fuzz/dictionary.h"

#include <cstdio>

int main() {
    const std::string dict = fuzz::libfuzzer_dictionary();
    std::fwrite(dict.data(), 1, dict.size(), stdout);
    return std::ferror(stdout) != 0 ? 1 : 0;
}
