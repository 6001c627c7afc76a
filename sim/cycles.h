#pragma once
// Simulated time. Everything in tlbsim is measured in CPU cycles of one machine-wide clock;
// `ghz` only converts to nanoseconds for printing. A strong type keeps cycle counts from
// mixing with CPU ids, counts and other integers.

#include <compare>
#include <cstdint>

namespace sim {

class Cycles {
public:
    constexpr Cycles() = default;
    constexpr explicit Cycles(std::int64_t n) : n_(n) {}

    constexpr std::int64_t count() const { return n_; }

    constexpr auto operator<=>(const Cycles&) const = default;
    constexpr Cycles& operator+=(Cycles o) {
        n_ += o.n_;
        return *this;
    }
    constexpr Cycles& operator-=(Cycles o) {
        n_ -= o.n_;
        return *this;
    }
    friend constexpr Cycles operator+(Cycles a, Cycles b) { return Cycles{a.n_ + b.n_}; }
    friend constexpr Cycles operator-(Cycles a, Cycles b) { return Cycles{a.n_ - b.n_}; }

    static constexpr Cycles zero() { return Cycles{0}; }
    static constexpr Cycles max() { return Cycles{INT64_MAX}; }

private:
    std::int64_t n_ = 0;
};

} // namespace sim
