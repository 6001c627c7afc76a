// libFuzzer's entry point for one target, chosen at compile time (TLBSIM_FUZZ_TARGET is the
// harness function: fuzz_loader or fuzz_run; fuzz/CMakeLists.txt builds one binary for each).

#include "fuzz/harness.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::TLBSIM_FUZZ_TARGET(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
