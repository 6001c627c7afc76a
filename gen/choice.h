#pragma once
// The generator's random choices, from sim::Rng (our own integer arithmetic, so that a seed gives
// the same scenario with every standard library).

#include "sim/rng.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gen {

class Choice {
public:
    Choice(std::uint64_t seed, std::uint64_t stream) : rng_(seed, stream) {}

    /// Uniform in [0, n); n > 0.
    int below(int n) { return static_cast<int>(rng_.below(static_cast<std::uint64_t>(n))); }
    /// Uniform in [lo, hi].
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(hi - lo + 1)));
    }
    /// True with probability percent / 100.
    bool chance(int percent) { return below(100) < percent; }
    /// Roughly log-uniform in [lo, hi] (lo > 0): short and long durations equally often, so that
    /// one scenario mixes events a few cycles apart with grace periods of millions.
    std::int64_t spread(std::int64_t lo, std::int64_t hi) {
        int doublings = 0;
        while ((lo << (doublings + 1)) <= hi) {
            ++doublings;
        }
        const std::int64_t base = lo << below(doublings + 1);
        return std::min(hi, base + range(0, base - 1));
    }
    template <typename T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(below(static_cast<int>(items.size())))];
    }
    /// Index drawn with the given weights (not all zero).
    int weighted(const std::vector<int>& weights) {
        int total = 0;
        for (const int w : weights) {
            total += w;
        }
        int x = below(total);
        for (std::size_t i = 0; i < weights.size(); ++i) {
            if (x < weights[i]) {
                return static_cast<int>(i);
            }
            x -= weights[i];
        }
        return static_cast<int>(weights.size()) - 1;
    }

private:
    sim::Rng rng_;
};

} // namespace gen
