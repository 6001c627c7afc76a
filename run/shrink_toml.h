#pragma once
// The scenario edits `tlbsim explore --shrink` tries (run/shrink.h), made on the parsed TOML
// document: each returns a smaller candidate or nothing, and the loader judges whether the
// candidate is a scenario at all. Also the printer that writes a document back as a readable
// scenario file (sections in the manual's order, `name` first in each table).

#include <toml++/toml.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace run::shrink_edit {

/// One kind of reduction: `sites(doc)` candidates, the i-th made by `apply(doc, i)` (nothing
/// when that site has nothing to reduce). Kinds are tried in declaration order (kinds()).
struct Reduction {
    const char* what;
    std::size_t (*sites)(const toml::table& doc);
    std::optional<toml::table> (*apply)(const toml::table& doc, std::size_t site);
};

/// Every reduction, biggest first: threads, injects, processes, [[policy]] tables, CPUs, whole
/// steps and repeat blocks, repeat counts, step lengths, start times, then the timing (delays,
/// jitter, seed, delay lengths) and [machine] keys.
const std::vector<Reduction>& kinds();

/// The program arrays of [[thread]] then [[kthread]] tables.
std::vector<const toml::array*> programs(const toml::table& doc);

/// Threads and kthreads; steps of all programs (repeat and end included).
std::size_t thread_count(const toml::table& doc);
std::size_t step_count(const toml::table& doc);

/// The document as a scenario file: top-level keys, [machine], then the arrays of tables in the
/// manual's order; nested tables inline.
std::string format(const toml::table& doc);

} // namespace run::shrink_edit
