// Linked into the libFuzzer binaries with -Wl,--wrap=_Exit. sim::panic() ends the process with
// _Exit(3) (exit code 3: internal error), which skips libFuzzer's exit hooks: the input would be
// lost. Turning that exit into abort() makes libFuzzer save it as a crash. Every other _Exit
// (libFuzzer's own) goes through unchanged.

#include <cstdio>
#include <cstdlib>

extern "C" [[noreturn]] void __real__Exit(int status);

extern "C" [[noreturn]] void __wrap__Exit(int status) {
    if (status == 3) {
        std::fputs("fuzz: finding: internal error (sim::panic, exit code 3)\n", stderr);
        std::abort();
    }
    __real__Exit(status);
}
