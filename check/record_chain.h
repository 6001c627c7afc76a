#pragma once
// The records behind a finding, as one line each: what a violation's or a warning's chain lists
// from a CPU's bounded history (History::recent: the records worth explaining).

#include "check/calls.h"
#include "check/history.h"
#include "kernel/record_text.h"

#include <cstdint>
#include <string>
#include <vector>

namespace check {

/// Appends `cpu`'s kept records from sequence number `since` on, oldest first, each as
/// "cpu1 t=8000 t2: <record> [site]".
void append_records_since(std::vector<std::string>& chain, const History& history, int cpu,
                          std::uint64_t since, const kernel::RecordText& text);

/// The call's reads of `cpu`'s rq->curr, one line each: whom each saw, so whether it sent the IPI.
void append_reads_of(std::vector<std::string>& chain, const Call& k, int cpu,
                     const kernel::RecordText& text);

} // namespace check
