#pragma once
// The reports of the obligation accounting (check/obligations.h; docs/properties.md,
// Obligations): the short summary `run` prints per run, the per-call listing of
// `explain FILE obligations`, the rows `diff` compares, and the JSON "obligations" object.

#include "cli/json_report.h"
#include "run/runner.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cli {

/// The word `explain` takes instead of a counter for the per-call listing.
inline constexpr std::string_view obligations_topic = "obligations";

/// `run`'s summary of one completed run, indented under its scenario: per property, how many
/// obligations were discharged and by what, violated, still owed or not needed; then the
/// sync_cores that discharged none. Empty when the run had no membarrier call and no sync_core.
std::string format_obligation_summary(const run::RunResult& r);

/// `explain FILE obligations`: each kept call with its t_a, t_b, t_r and, per CPU and property,
/// its discharger (time, kind, site, task) or its fate.
std::string format_call_obligations(const run::RunResult& r);

/// Whether `explain` answers `topic` (a counter name, cpuN. allowed, or obligations_topic) from
/// the obligation accounting: obligations, ser.sync_core.unneeded[@SITE], discharged.P.
bool is_obligation_topic(std::string_view topic);

/// The counter whose records `explain` collects for `topic`: ser.sync_core[@SITE] for
/// ser.sync_core.unneeded[@SITE] (the unneeded ones are picked from them after the run); nullopt
/// when it needs no records; `topic` itself for any other counter.
std::optional<std::string> records_counter_for(const std::string& topic);

/// `explain`'s answer for an obligation topic: the call listing, the unneeded sync_cores (each
/// record's line from `lines`, whose seqs are `seqs`), or the discharged obligations of P.
std::string format_obligation_explanation(const run::RunResult& r, const std::string& topic,
                                          const std::vector<std::string>& lines,
                                          const std::vector<std::uint64_t>& seqs);

/// Named values `diff` compares: "G-SC discharged by sync_core [ipi_sync_core]", ...,
/// "G-SC violated", "G-SC not needed", ...; only the non-zero ones.
std::vector<std::pair<std::string, std::int64_t>> obligation_rows(const run::RunResult& r);

/// The run's "obligations" object (docs/json-schema.md, Obligations).
Json obligations_json(const check::ObligationSummary& s);

} // namespace cli
