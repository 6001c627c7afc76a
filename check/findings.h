#pragma once
// What the checkers found, in the order they found it: violations of the guarantees (counted per
// CPU, the first ones reported in full) and warnings of the mechanism rules. Every checker
// reports here, so that the order of the reports is the order of the records.

#include "check/per_cpu.h"
#include "check/properties.h"
#include "check/violation.h"

#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

namespace check {

class Findings {
public:
    static constexpr std::size_t max_reports = 64;

    explicit Findings(int cpus) : counts_(cpus), warning_counts_(cpus) {}

    /// Counts a violation of `property` on `cpu`, and says whether to report it in full: the
    /// first max_reports are, and after them the first of each property and cause (so that an
    /// unrecognised violation is never hidden behind known ones).
    bool count_violation(Property property, int cpu, Cause cause);
    void add_report(Violation v) { violations_.push_back(std::move(v)); }
    /// A violation with no call behind it (G-TLB, G-REF): counted, and reported when kept.
    void report(Property property, int cpu, std::int64_t time, std::string task, std::string what,
                std::vector<std::string> chain);
    /// Counts a mechanism warning of `rule` on `cpu` (the CPU the rule concerns), and says
    /// whether to keep it in full: the first max_reports are. A checker builds the warning's text
    /// and chain only then.
    bool count_warning(MechanismRule rule, int cpu);
    void add_warning(Warning w) { warnings_.push_back(std::move(w)); }

    const std::vector<Violation>& violations() const { return violations_; }
    std::int64_t count(Property property, int cpu) const { return counts_[cpu][property]; }
    const std::vector<Warning>& warnings() const { return warnings_; }
    std::int64_t warning_count() const { return warning_count_; }
    std::int64_t warning_count(MechanismRule rule, int cpu) const {
        return warning_counts_[cpu][rule];
    }

private:
    PerCpu<PerProperty<std::int64_t>> counts_;
    PerCpu<PerRule<std::int64_t>> warning_counts_;
    std::bitset<count_of<Property> * count_of<Cause>> kinds_reported_; ///< (property, cause)
    std::vector<Violation> violations_;
    std::vector<Warning> warnings_;
    std::int64_t warning_count_ = 0;
};

} // namespace check
