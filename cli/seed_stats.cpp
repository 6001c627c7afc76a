#include "cli/seed_stats.h"

#include "sim/panic.h"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>

namespace cli {

double student_t_quantile(std::uint64_t df) {
    SIM_ASSERT(df >= 1, "Student's t needs at least one degree of freedom");
    // Boost.Math (header-only, Debian's libboost-dev): the upper (1 - level) / 2 quantile.
    const boost::math::students_t dist(static_cast<double>(df));
    return boost::math::quantile(boost::math::complement(dist, (1.0 - confidence_level) / 2.0));
}

namespace {

double mean_of(const std::vector<std::int64_t>& values) {
    double sum = 0; // in order: the same values give the same bits
    for (const auto v : values) {
        sum += static_cast<double>(v);
    }
    return sum / static_cast<double>(values.size());
}

double sd_of(const std::vector<std::int64_t>& values, double mean) {
    double squares = 0;
    for (const auto v : values) {
        const double d = static_cast<double>(v) - mean;
        squares += d * d;
    }
    return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

} // namespace

SampleStats sample_stats(const std::vector<std::int64_t>& values) {
    SampleStats s;
    s.n = values.size();
    if (values.empty()) {
        return s;
    }
    s.mean = mean_of(values);
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    s.min = *lo;
    s.max = *hi;
    if (values.size() < 2) {
        return s;
    }
    s.sd = sd_of(values, *s.mean);
    const double half = student_t_quantile(s.n - 1) * *s.sd / std::sqrt(static_cast<double>(s.n));
    s.ci_low = *s.mean - half;
    s.ci_high = *s.mean + half;
    return s;
}

bool intervals_separate(const SampleStats& a, const SampleStats& b) {
    SIM_ASSERT(a.ci_low && b.ci_low, "intervals_separate without intervals");
    return *a.ci_high < *b.ci_low || *b.ci_high < *a.ci_low;
}

std::string_view attribution_name(Attribution a) {
    switch (a) {
    case Attribution::policy:
        return "policy";
    case Attribution::paired_only:
        return "paired-only";
    case Attribution::noise:
        return "noise";
    }
    return "noise";
}

PairedStats paired_stats(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
    SIM_ASSERT(a.size() == b.size(), "paired values of {} and {} seeds", a.size(), b.size());
    PairedStats p;
    p.a = sample_stats(a);
    p.b = sample_stats(b);
    std::vector<std::int64_t> d(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        d[i] = b[i] - a[i];
    }
    p.difference = sample_stats(d);
    if (a.size() < 2) {
        return p; // no interval: nothing can be attributed
    }
    p.separate = intervals_separate(p.a, p.b);
    p.paired_excludes_zero = *p.difference.ci_low > 0 || *p.difference.ci_high < 0;
    p.attribution = p.separate               ? Attribution::policy
                    : p.paired_excludes_zero ? Attribution::paired_only
                                             : Attribution::noise;
    return p;
}

} // namespace cli
