#pragma once
// Internal invariant failures: our bug, not the user's. They print the condition, the message and
// the context the simulation registered (time, CPU states) and exit with status 3. User errors
// never come here.

#include <fmt/format.h>

#include <functional>
#include <string>

namespace sim {

/// Prints `what` and the registered context dump to stderr, then exits with status 3.
[[noreturn]] void panic(const std::string& what, const char* file, int line);

/// While alive, makes panic() also print `dump()`: the simulation registers one that prints the
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

} // namespace sim

#define SIM_ASSERT(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            ::sim::panic(                                                                          \
                fmt::format("assertion `{}` failed: {}", #cond, fmt::format(__VA_ARGS__)),         \
                __FILE__, __LINE__);                                                               \
        }                                                                                          \
    } while (0)
