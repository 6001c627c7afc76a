#include "cli/obligation_text.h"

#include "check/counter_catalog.h"
#include "sim/counters.h"

#include <fmt/format.h>

#include <algorithm>

namespace cli {

namespace {

using check::ObligationStatus;

/// How many kinds of discharger `run` names per property; the JSON and `explain` have them all.
constexpr std::size_t shown_dischargers = 4;

/// "8 by sync_core [ipi_sync_core], 4 by write_cr3 [switch_mm_irqs_off]" for one property, the
/// most frequent first, then "and N more".
std::string dischargers_of(const check::ObligationSummary& s, check::Property p) {
    std::vector<const check::DischargeCount*> rows;
    for (const auto& d : s.by) {
        if (d.property == p) {
            rows.push_back(&d);
        }
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto* x, const auto* y) { return x->count > y->count; });
    std::vector<std::string> parts;
    std::int64_t rest = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i < shown_dischargers) {
            parts.push_back(
                fmt::format("{} by {} [{}]", rows[i]->count, rows[i]->kind, rows[i]->site));
        } else {
            rest += rows[i]->count;
        }
    }
    if (rows.size() > shown_dischargers) {
        parts.push_back(
            fmt::format("{} by {} other kinds or sites", rest, rows.size() - shown_dischargers));
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::string property_line(const check::ObligationSummary& s, check::Property p,
                          std::string_view indent) {
    const check::ObligationTally& t = s.of(p);
    std::vector<std::string> parts;
    if (t.discharged > 0) {
        parts.push_back(fmt::format("{} discharged ({})", t.discharged, dischargers_of(s, p)));
    }
    const std::pair<std::int64_t, std::string_view> rest[] = {
        {t.violated, "violated"}, {t.still_owed, "still owed"}, {t.not_needed, "not needed"}};
    for (const auto& [n, what] : rest) {
        if (n > 0) {
            parts.push_back(fmt::format("{} {}", n, what));
        }
    }
    if (parts.empty()) {
        return {};
    }
    return fmt::format("{}{:<10} {}\n", indent, check::name(p), fmt::join(parts, ", "));
}

std::string sync_core_line(const check::ObligationSummary& s, std::string_view indent) {
    std::string line = fmt::format("{}{:<10} {} executed, {} discharged an obligation, {} "
                                   "discharged none (ser.sync_core.unneeded",
                                   indent, "sync_core", s.sync_cores,
                                   s.sync_cores - s.sync_cores_unneeded, s.sync_cores_unneeded);
    std::vector<std::string> sites;
    for (std::size_t i = 0; i < check::sync_core_sites.size(); ++i) {
        if (s.unneeded_at[i] > 0) {
            sites.push_back(fmt::format("{} {}", check::sync_core_sites[i], s.unneeded_at[i]));
        }
    }
    return line + (sites.empty() ? "" : fmt::format(": {}", fmt::join(sites, ", "))) + ")\n";
}

/// "cpu1 G-SC: discharged by sync_core [ipi_sync_core] at t=8400 (t2), needed by t2 at t=9075"
std::string entry_line(const check::ObligationEntry& e) {
    std::string out =
        fmt::format("cpu{} {}: {}", e.cpu, check::name(e.property), check::status_name(e.status));
    if (e.status == ObligationStatus::discharged) {
        out += fmt::format(" by {} [{}] at t={} ({})", e.by.kind_name(), e.by.site_name(),
                           e.by.time, e.by_task);
    }
    if (e.needed_at >= 0) {
        out += fmt::format(", for {}'s user code from t={}", e.needed_by, e.needed_at);
    }
    return out;
}

/// "cpu0-3,5": CPU numbers in order, runs as ranges.
std::string cpu_list(const std::vector<int>& cpus) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) {
            ++j;
        }
        parts.push_back(i == j ? fmt::format("{}", cpus[i])
                               : fmt::format("{}-{}", cpus[i], cpus[j]));
        i = j + 1;
    }
    return fmt::format("cpu{}", fmt::join(parts, ","));
}

/// "    not needed: G-MB on cpu1, G-SC on cpu1 (no thread of the mm but the caller ran user
/// code there after t_a, resp. t_r)", or "" when every owed obligation materialised.
std::string not_needed_line(const check::CallObligations& k) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < check::call_properties.size(); ++i) {
        if (!k.not_needed[i].empty()) {
            parts.push_back(fmt::format("{} on {}", check::name(check::call_properties[i]),
                                        cpu_list(k.not_needed[i])));
        }
    }
    if (parts.empty()) {
        return {};
    }
    return fmt::format("    not needed: {} (no thread of the mm but the caller ran user code "
                       "there after t_a for G-MB, after t_r for G-SC)\n",
                       fmt::join(parts, ", "));
}

Json discharger_json(const check::ObligationEntry& e) {
    if (e.status != ObligationStatus::discharged) {
        return nullptr;
    }
    return {{"time", e.by.time},
            {"kind", e.by.kind_name()},
            {"site", std::string(e.by.site_name())},
            {"task", e.by_task}};
}

/// The per-property lines and the sync_core line of a summary.
std::string summary_lines(const check::ObligationSummary& s, std::string_view indent) {
    std::string out;
    for (const check::Property p : check::call_properties) {
        out += property_line(s, p, indent);
    }
    if (s.sync_cores > 0) {
        out += sync_core_line(s, indent);
    }
    return out;
}

} // namespace

std::string format_obligation_summary(const run::RunResult& r) {
    const check::ObligationSummary& s = r.obligations;
    if (s.calls == 0 && s.sync_cores == 0) {
        return {};
    }
    return fmt::format("  obligations ({}): {} membarrier call{}\n", r.policy, s.calls,
                       s.calls == 1 ? "" : "s") +
           summary_lines(s, "    ");
}

std::string format_call_obligations(const run::RunResult& r) {
    const check::ObligationSummary& s = r.obligations;
    std::string out = fmt::format("obligations in {} under {}: {} membarrier call{}{}\n",
                                  r.scenario, r.policy, s.calls, s.calls == 1 ? "" : "s",
                                  s.calls > static_cast<std::int64_t>(s.kept.size())
                                      ? fmt::format(" (the first {} listed)", s.kept.size())
                                      : "");
    out += summary_lines(s, "  ");
    for (const auto& k : s.kept) {
        out += fmt::format("  call: {} (t_a={}, t_b={}, t_r={})\n", k.call, k.t_a, k.t_b, k.t_r);
        for (const auto& e : k.entries) {
            out += fmt::format("    {}\n", entry_line(e));
        }
        out += not_needed_line(k);
    }
    return out;
}

std::vector<std::pair<std::string, std::int64_t>> obligation_rows(const run::RunResult& r) {
    const check::ObligationSummary& s = r.obligations;
    std::vector<std::pair<std::string, std::int64_t>> rows;
    for (const check::Property p : check::call_properties) {
        for (const auto& d : s.by) {
            if (d.property == p) {
                rows.emplace_back(
                    fmt::format("{} discharged by {} [{}]", check::name(p), d.kind, d.site),
                    d.count);
            }
        }
        const check::ObligationTally& t = s.of(p);
        const std::pair<std::int64_t, std::string_view> rest[] = {
            {t.violated, "violated"}, {t.still_owed, "still owed"}, {t.not_needed, "not needed"}};
        for (const auto& [n, what] : rest) {
            if (n > 0) {
                rows.emplace_back(fmt::format("{} {}", check::name(p), what), n);
            }
        }
    }
    return rows;
}

namespace {

/// The calls kept in full, each with its (CPU, property) obligations.
Json kept_calls_json(const check::ObligationSummary& s) {
    Json calls = Json::array();
    for (const auto& k : s.kept) {
        Json entries = Json::array();
        for (const auto& e : k.entries) {
            entries.push_back(
                {{"cpu", e.cpu},
                 {"property", std::string(check::name(e.property))},
                 {"status", std::string(check::status_name(e.status))},
                 {"needed_at", e.needed_at},
                 {"needed_by", e.needed_by.empty() ? Json(nullptr) : Json(e.needed_by)},
                 {"by", discharger_json(e)}});
        }
        Json not_needed = Json::object();
        for (std::size_t i = 0; i < check::call_properties.size(); ++i) {
            not_needed[std::string(check::name(check::call_properties[i]))] = k.not_needed[i];
        }
        calls.push_back({{"call", k.call},
                         {"t_a", k.t_a},
                         {"t_b", k.t_b},
                         {"t_r", k.t_r},
                         {"obligations", std::move(entries)},
                         {"not_needed", std::move(not_needed)}});
    }
    return calls;
}

} // namespace

Json obligations_json(const check::ObligationSummary& s) {
    Json properties = Json::array();
    for (const check::Property p : check::call_properties) {
        const check::ObligationTally& t = s.of(p);
        Json by = Json::array();
        for (const auto& d : s.by) {
            if (d.property == p) {
                by.push_back({{"kind", d.kind}, {"site", d.site}, {"count", d.count}});
            }
        }
        properties.push_back({{"property", std::string(check::name(p))},
                              {"discharged", t.discharged},
                              {"violated", t.violated},
                              {"still_owed", t.still_owed},
                              {"not_needed", t.not_needed},
                              {"by", std::move(by)}});
    }
    Json unneeded_at = Json::object();
    for (std::size_t i = 0; i < check::sync_core_sites.size(); ++i) {
        unneeded_at[std::string(check::sync_core_sites[i])] = s.unneeded_at[i];
    }
    return {{"calls", s.calls},
            {"properties", std::move(properties)},
            {"sync_core",
             {{"executed", s.sync_cores},
              {"unneeded", s.sync_cores_unneeded},
              {"unneeded_at", std::move(unneeded_at)}}},
            {"kept_calls", kept_calls_json(s)}};
}

} // namespace cli

namespace cli {

namespace {

constexpr std::string_view unneeded_counter = "ser.sync_core.unneeded";
constexpr std::string_view discharged_prefix = "discharged.";

/// The unneeded sync_cores among the explained ser.sync_core records.
std::string unneeded_explanation(const run::RunResult& r, const std::string& topic,
                                 const std::vector<std::string>& lines,
                                 const std::vector<std::uint64_t>& seqs) {
    const auto& kept = r.obligations.unneeded_seqs;
    std::vector<std::string> shown;
    for (std::size_t i = 0; i < lines.size() && i < seqs.size(); ++i) {
        if (std::binary_search(kept.begin(), kept.end(), seqs[i])) {
            shown.push_back(lines[i]);
        }
    }
    const std::int64_t total = r.counters.value(topic).value_or(0);
    std::string out = fmt::format("{} = {} in {} under {} ({} record{})\n", topic, total,
                                  r.scenario, r.policy, shown.size(), shown.size() == 1 ? "" : "s");
    for (const auto& line : shown) {
        out += fmt::format("  {}\n", line);
    }
    if (r.obligations.sync_cores_unneeded > static_cast<std::int64_t>(kept.size())) {
        out += fmt::format("  (the first {} unneeded sync_cores of a run are kept in full)\n",
                           check::ObligationSummary::max_unneeded);
    }
    return out;
}

/// The kept calls' obligations of `property` discharged (on `cpu` unless -1).
std::string discharged_explanation(const run::RunResult& r, const std::string& topic, int cpu,
                                   std::string_view property) {
    std::string out = fmt::format("{} = {} in {} under {}\n", topic,
                                  r.counters.value(topic).value_or(0), r.scenario, r.policy);
    for (const auto& k : r.obligations.kept) {
        std::string lines;
        for (const auto& e : k.entries) {
            if (check::name(e.property) == property && (cpu < 0 || e.cpu == cpu) &&
                e.status == ObligationStatus::discharged) {
                lines += fmt::format("    {}\n", entry_line(e));
            }
        }
        if (!lines.empty()) {
            out += fmt::format("  call: {} (t_a={}, t_b={}, t_r={})\n{}", k.call, k.t_a, k.t_b,
                               k.t_r, lines);
        }
    }
    if (r.obligations.calls > static_cast<std::int64_t>(r.obligations.kept.size())) {
        out += fmt::format("  (the first {} membarrier calls of a run are kept in full)\n",
                           check::ObligationSummary::max_calls);
    }
    return out;
}

} // namespace

bool is_obligation_topic(std::string_view topic) {
    const std::string_view name = sim::split_cpu_prefix(topic).second;
    return topic == obligations_topic || name.starts_with(unneeded_counter) ||
           name.starts_with(discharged_prefix);
}

std::optional<std::string> records_counter_for(const std::string& topic) {
    const auto [cpu, name] = sim::split_cpu_prefix(topic);
    if (!name.starts_with(unneeded_counter)) {
        return is_obligation_topic(topic) ? std::nullopt : std::optional<std::string>(topic);
    }
    const std::string prefix = cpu < 0 ? "" : fmt::format("cpu{}.", cpu);
    return prefix + "ser.sync_core" + std::string(name.substr(unneeded_counter.size()));
}

std::string format_obligation_explanation(const run::RunResult& r, const std::string& topic,
                                          const std::vector<std::string>& lines,
                                          const std::vector<std::uint64_t>& seqs) {
    if (topic == obligations_topic) {
        return format_call_obligations(r);
    }
    const auto [cpu, name] = sim::split_cpu_prefix(topic);
    if (name.starts_with(unneeded_counter)) {
        return unneeded_explanation(r, topic, lines, seqs);
    }
    return discharged_explanation(r, topic, cpu, name.substr(discharged_prefix.size()));
}

} // namespace cli
