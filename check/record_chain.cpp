#include "check/record_chain.h"

#include <fmt/format.h>

namespace check {

void append_records_since(std::vector<std::string>& chain, const History& history, int cpu,
                          std::uint64_t since, const kernel::RecordText& text) {
    for (const auto& rec : history.cpu(cpu).recent) {
        if (rec.seq < since) {
            continue;
        }
        // The site says which branch: an smp_mb in switch_mm_irqs_off is its lazy path.
        chain.push_back(fmt::format("cpu{} t={} {}: {}{}", cpu, rec.time.count(),
                                    text.task_name(rec.task), text.describe(rec),
                                    rec.site == kernel::Fn::none
                                        ? std::string()
                                        : fmt::format(" [{}]", kernel::fn_name(rec.site))));
    }
}

void append_reads_of(std::vector<std::string>& chain, const Call& k, int cpu,
                     const kernel::RecordText& text) {
    for (const auto& rd : k.reads) {
        if (rd.cpu != cpu) {
            continue;
        }
        chain.push_back(
            fmt::format("cpu{}: rq->curr was {} (mm {}) when the caller read it at t={}, so {}",
                        cpu, text.task_name(rd.task), text.mm_name(rd.mm), rd.time,
                        rd.mm == k.mm ? "it was sent the IPI" : "no IPI"));
        if (rd.missed_task >= 0) {
            // x86-TSO: the read came from memory while cpu's newer store was buffered.
            chain.push_back(fmt::format("cpu{}: rq->curr = {} was still in cpu{}'s store buffer "
                                        "then, so the read returned the old value from memory",
                                        cpu, text.task_name(rd.missed_task), cpu));
        }
    }
}

} // namespace check
