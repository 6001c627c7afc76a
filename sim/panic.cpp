#include "sim/panic.h"

#include <cstdio>
#include <cstdlib>

namespace sim {

namespace {
// The only mutable static in the engine: a panic is reached from deep inside model code, which
// has no handle to report through. It holds a dump callback, never simulation state.
thread_local std::function<std::string()> g_dump;
} // namespace

void panic(const std::string& what, const char* file, int line) {
    std::fprintf(stderr, "tlbsim: internal error at %s:%d: %s\n", file, line, what.c_str());
    if (g_dump) {
        const std::string dump = g_dump();
        std::fprintf(stderr, "%s\n", dump.c_str());
    }
    std::fflush(stderr);
    std::_Exit(3); // DESIGN.md exit codes: 3 = internal error
}

PanicContext::PanicContext(std::function<std::string()> dump) : previous_(std::move(g_dump)) {
    g_dump = std::move(dump);
}

PanicContext::~PanicContext() {
    g_dump = std::move(previous_);
}

} // namespace sim
