#include "sim/panic.h"

namespace sim {

namespace {
// The only mutable static in the engine: a panic is reached from deep inside model code, which
// has no handle to report through. It holds a dump callback, never simulation state.
thread_local std::function<std::string()> g_dump;

std::string headline_of(const std::string& what, const char* file, int line) {
    return fmt::format("internal error at {}:{}: {}", file, line, what);
}
} // namespace

InternalError::InternalError(const std::string& what, const char* file, int line, std::string dump)
    : std::logic_error(headline_of(what, file, line)), headline_(headline_of(what, file, line)),
      dump_(std::move(dump)) {}

void panic(const std::string& what, const char* file, int line) {
    // The dump callback may itself fail on a broken state: then the error goes without it.
    std::string dump;
    if (g_dump) {
        auto dumper = std::move(g_dump);
        try {
            dump = dumper();
        } catch (const std::exception& e) {
            dump = fmt::format("(state dump failed: {})", e.what());
        }
        g_dump = std::move(dumper);
    }
    throw InternalError(what, file, line, std::move(dump));
}

PanicContext::PanicContext(std::function<std::string()> dump) : previous_(std::move(g_dump)) {
    g_dump = std::move(dump);
}

PanicContext::~PanicContext() {
    g_dump = std::move(previous_);
}

} // namespace sim
