#pragma once
// Deterministic randomness: one root seed, one independent stream per CPU (and per other named
// stream), with our own integer arithmetic -- no std:: distributions, whose results differ
// between standard libraries.

#include "sim/cycles.h"

#include <cstdint>

namespace sim {

/// xoshiro256** seeded through splitmix64 from (root seed, stream id).
class Rng {
public:
    Rng() = default;
    Rng(std::uint64_t root_seed, std::uint64_t stream);

    std::uint64_t next();
    /// Uniform in [0, bound); bound > 0. Lemire's multiply-shift with rejection.
    std::uint64_t below(std::uint64_t bound);

private:
    std::uint64_t s_[4] = {1, 2, 3, 4};
};

/// Perturbs `c` by up to `percent` percent either way, uniformly, using `rng`:
/// c - d + below(2d + 1) with d = c * percent / 100. Percent 0 returns `c` and draws nothing,
/// so runs without jitter do not depend on the RNG at all.
Cycles jitter(Cycles c, int percent, Rng& rng);

} // namespace sim
