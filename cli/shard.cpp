#include "cli/shard.h"

#include "cli/command.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace cli {

std::uint64_t Shard::owned_of(std::uint64_t count) const {
    const auto nn = static_cast<std::uint64_t>(n);
    const auto first = static_cast<std::uint64_t>(k - 1);
    return count > first ? (count - first + nn - 1) / nn : 0;
}

namespace {

/// A whole decimal number in 1..max_shards filling `text`, or nullopt.
std::optional<int> shard_number(std::string_view text) {
    int v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end || v < 1 || v > max_shards) {
        return std::nullopt;
    }
    return v;
}

} // namespace

Shard parse_shard(const std::string& text, const char* command) {
    const auto slash = text.find('/');
    std::optional<int> k;
    std::optional<int> n;
    if (slash != std::string::npos) {
        k = shard_number(std::string_view(text).substr(0, slash));
        n = shard_number(std::string_view(text).substr(slash + 1));
    }
    if (!k || !n || *k > *n) {
        throw UsageError(fmt::format("{}: --shard must be K/N with 1 <= K <= N <= {} (shard K of "
                                     "N), got \"{}\"",
                                     command, max_shards, text));
    }
    return Shard{*k, *n};
}

} // namespace cli
