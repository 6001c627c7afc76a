#pragma once
// The statistics of `run --seeds N` and `diff --seeds N` (docs/seeds.md): for a counter's values
// over N seeds, their mean, sample standard deviation, range and the 95% confidence interval of
// the mean (Student's t with N-1 degrees of freedom); for two policies run with the same seeds
// (common random numbers), whether their intervals separate and the interval of the per-seed
// differences (the paired t interval). Pure functions of the values, in the order given, so that
// the same values give the same bits (merge recomputes them from the shards' runs).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace cli {

/// The level of every interval tlbsim prints.
inline constexpr double confidence_level = 0.95;

/// Student's t quantile t_{(1+confidence_level)/2, df}: the half-width of the interval is this
/// times the standard error. df >= 1.
double student_t_quantile(std::uint64_t df);

/// The summary of n values. mean, min and max need n >= 1; sd and the interval n >= 2.
struct SampleStats {
    std::uint64_t n = 0;
    std::optional<double> mean;
    std::optional<double> sd; ///< sample standard deviation (divides by n - 1)
    std::optional<std::int64_t> min;
    std::optional<std::int64_t> max;
    std::optional<double> ci_low; ///< 95% confidence interval of the mean
    std::optional<double> ci_high;
};

SampleStats sample_stats(const std::vector<std::int64_t>& values);

/// Whether two intervals are disjoint (both must be present).
bool intervals_separate(const SampleStats& a, const SampleStats& b);

/// What a difference between two policies' values of a counter over the same seeds is.
enum class Attribution {
    policy,      ///< the two 95% intervals separate
    paired_only, ///< they overlap, but the interval of the per-seed differences excludes 0
    noise,       ///< neither
};
std::string_view attribution_name(Attribution a); ///< "policy", "paired-only", "noise"

/// One counter under A and B over the same seeds: per-seed values, in seed order.
struct PairedStats {
    SampleStats a;
    SampleStats b;
    SampleStats difference; ///< of b - a, seed by seed
    bool separate = false;  ///< intervals_separate(a, b)
    bool paired_excludes_zero = false;
    Attribution attribution = Attribution::noise;
};

/// `a` and `b` have one value per seed, in the same seed order (same size).
PairedStats paired_stats(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b);

} // namespace cli
