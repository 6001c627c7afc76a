#include "sim/rng.h"

namespace sim {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}
__extension__ typedef unsigned __int128 u128;
} // namespace

Rng::Rng(std::uint64_t root_seed, std::uint64_t stream) {
    std::uint64_t x = root_seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    for (auto& s : s_) {
        s = splitmix64(x);
    }
}

std::uint64_t Rng::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Rng::below(std::uint64_t bound) {
    // Lemire, "Fast Random Integer Generation in an Interval" (2019).
    u128 m = static_cast<u128>(next()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
        const std::uint64_t threshold = (0 - bound) % bound;
        while (low < threshold) {
            m = static_cast<u128>(next()) * bound;
            low = static_cast<std::uint64_t>(m);
        }
    }
    return static_cast<std::uint64_t>(m >> 64);
}

Cycles jitter(Cycles c, int percent, Rng& rng) {
    if (percent <= 0 || c.count() <= 0) {
        return c;
    }
    const std::int64_t d = c.count() * percent / 100;
    if (d == 0) {
        return c;
    }
    const auto offset = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * d + 1)));
    return Cycles{c.count() - d + offset};
}

} // namespace sim
