#pragma once
// Internal invariant failures: our bug, not the user's. panic() throws InternalError, carrying
// the condition, the message and the context the simulation registered (time, CPU states). A
// panic on a fiber unwinds that fiber's stack to its base and ends the run (fiber.h); the run
// reports it and the command exits with status 3. User errors never come here.

#include <fmt/format.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace sim {

/// An internal error: what failed, where, and the state dump registered when it failed. A
/// logic_error, never a runtime_error: the command line maps runtime errors to user errors.
class InternalError : public std::logic_error {
public:
    InternalError(const std::string& what, const char* file, int line, std::string dump);
    /// "internal error at FILE:LINE: WHAT"
    const std::string& headline() const { return headline_; }
    /// The state dump (empty outside a simulation).
    const std::string& dump() const { return dump_; }

private:
    std::string headline_;
    std::string dump_;
};

/// Throws InternalError for `what`, with the registered context dump.
[[noreturn]] void panic(const std::string& what, const char* file, int line);

/// While alive, makes panic() also capture `dump()`: the simulation registers one that prints the
/// simulated time and every CPU's state.
class PanicContext {
public:
    explicit PanicContext(std::function<std::string()> dump);
    ~PanicContext();
    PanicContext(const PanicContext&) = delete;
    PanicContext& operator=(const PanicContext&) = delete;

private:
    std::function<std::string()> previous_;
};

namespace detail {

/// SIM_ASSERT's failing branch, out of line and cold: the message is built here, so that the
/// strings and format arguments take no room in the asserting function's frame. On the engine's
/// suspension path (Processor::advance, Fiber::switch_to) a frame reserved for them spread each
/// resumed fiber's frames over more cache lines (docs/performance.md).
template <class Message>
[[noreturn, gnu::cold, gnu::noinline]] void assertion_failed(const Message& message,
                                                             const char* file, int line) {
    panic(message(), file, line);
}

} // namespace detail

} // namespace sim

#define SIM_ASSERT(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            ::sim::detail::assertion_failed(                                                       \
                [&] {                                                                              \
                    return fmt::format("assertion `{}` failed: {}", #cond,                         \
                                       fmt::format(__VA_ARGS__));                                  \
                },                                                                                 \
                __FILE__, __LINE__);                                                               \
        }                                                                                          \
    } while (0)
