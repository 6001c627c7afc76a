#pragma once
// `--shard K/N`: one machine's part of a command whose runs are numbered 0, 1, 2, ... (the seed
// indices of `run --seeds` and `diff --seeds`, the runs of `explore`). Shard K of N owns the
// indices i with i % N == K - 1, so N jobs started with 1/N .. N/N (GNU parallel:
// `--shard {}/N ::: 1 .. N`) share the work without talking to each other, and `tlbsim merge` puts
// their JSON documents back together (docs/sharding.md).

#include <cstdint>
#include <string>

namespace cli {

struct Shard {
    int k = 1; ///< 1..n
    int n = 1;

    /// Whether run `index` (0-based) is this shard's.
    bool owns(std::uint64_t index) const {
        return index % static_cast<std::uint64_t>(n) == static_cast<std::uint64_t>(k - 1);
    }
    /// How many of the indices 0..count-1 this shard owns.
    std::uint64_t owned_of(std::uint64_t count) const;
    /// The whole: 1/1.
    bool whole() const { return n == 1; }
};

/// The largest N of --shard K/N (a shard count, not a run count).
inline constexpr int max_shards = 1'000'000;

/// Parses "K/N" (decimal, 1 <= K <= N <= max_shards); throws UsageError naming `command`
/// ("COMMAND: --shard must be K/N with 1 <= K <= N, got \"...\"").
Shard parse_shard(const std::string& text, const char* command);

} // namespace cli
