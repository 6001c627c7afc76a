#include "check/call_reporter.h"

#include "check/record_chain.h"

#include <fmt/format.h>

namespace check {

void CallReporter::violate(Call& k, Property property, int cpu, std::int64_t time, int task,
                           const std::string& why) {
    if (k.reported[cpu].contains(property)) {
        return;
    }
    k.reported[cpu].insert(property);
    obligations_.violated(k.a, property, cpu, time, task);
    const Cause cause = causes_.cause_of(k, property, cpu);
    if (!findings_.count_violation(property, cpu, cause)) {
        return;
    }
    Violation v = explained(k, cpu, why, cause);
    v.property = std::string(name(property));
    v.time = time;
    v.task = text_.task_name(task);
    findings_.add_report(std::move(v));
}

Violation CallReporter::explained(const Call& k, int cpu, const std::string& why,
                                  Cause cause) const {
    Violation v;
    v.cause = cause;
    v.cpu = cpu;
    v.call = k.name(text_);
    v.t_a = k.t_a;
    v.t_b = k.t_b;
    v.t_r = k.t_r;
    append_reads_of(v.chain, k, cpu, text_);
    append_records_since(v.chain, history_, cpu, k.a, text_);
    v.chain.push_back(why);
    if (cause != Cause::none) {
        v.chain.push_back(causes_.explain(k, cause, cpu, text_));
    }
    return v;
}

} // namespace check
