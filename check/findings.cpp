#include "check/findings.h"

namespace check {

bool Findings::count_violation(Property property, int cpu, Cause cause) {
    ++counts_[cpu][property];
    const std::size_t kind = to_index(property) * count_of<Cause> + to_index(cause);
    const bool first = !kinds_reported_.test(kind);
    kinds_reported_.set(kind);
    return first || violations_.size() < max_reports;
}

void Findings::report(Property property, int cpu, std::int64_t time, std::string task,
                      std::string what, std::vector<std::string> chain) {
    if (!count_violation(property, cpu, Cause::none)) {
        return;
    }
    Violation v;
    v.property = std::string(name(property));
    v.cpu = cpu;
    v.time = time;
    v.task = std::move(task);
    v.call = std::move(what);
    v.chain = std::move(chain);
    violations_.push_back(std::move(v));
}

bool Findings::count_warning(MechanismRule rule, int cpu) {
    ++warning_count_;
    ++warning_counts_[cpu][rule];
    return warnings_.size() < max_reports;
}

} // namespace check
