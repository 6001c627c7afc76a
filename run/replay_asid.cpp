#include "run/replay_asid.h"

#include <algorithm>
#include <array>
#include <optional>

namespace run {

namespace {

/// cpu_tlbstate's dynamic ASID slots (TLB_NR_DYN_ASIDS); slot 0 holds init_mm from boot.
constexpr int kSlots = 6;
/// Slots an mm from before the recording can be placed in (1..5).
constexpr std::size_t kPlaceable = kSlots - 1;

/// choose_new_asid()'s rule alone (arch/x86/mm/tlb.c, v5.10.13 and 6.18): the slot holding the
/// mm, else the next one round robin (from next_asid, 1 after boot; past the last, slot 0 and
/// next_asid 1).
struct SlotRule {
    std::array<int, kSlots> owner{};
    int next_asid = 1;
    int loaded = -1; ///< cpu_tlbstate.loaded_mm

    explicit SlotRule(int init_mm, int next = 1) : next_asid(next), loaded(init_mm) {
        owner.fill(-1);
        owner[0] = init_mm;
    }

    /// The slot `mm` gets, and whether it already held it.
    std::pair<int, bool> choose(int mm) {
        for (int s = 0; s < kSlots; ++s) {
            if (owner[static_cast<std::size_t>(s)] == mm) {
                return {s, true};
            }
        }
        int s = next_asid++;
        if (s >= kSlots) {
            s = 0;
            next_asid = 1;
        }
        owner[static_cast<std::size_t>(s)] = mm;
        return {s, false};
    }
};

/// The rule's verdict on one CR3 write: same mm (switch_mm_irqs_off's real_prev == next branch,
/// which keeps the slot), or a lookup that found the slot or took a new one.
struct RuleStep {
    bool same_mm = false;
    bool found = false;
    int slot = 0;
};

RuleStep apply(SlotRule& rule, const AsidLookup& l) {
    if (l.mm == rule.loaded) {
        return {true, true, -1};
    }
    rule.loaded = l.mm;
    const auto [slot, found] = rule.choose(l.mm);
    return {false, found, slot};
}

/// The model's own run, from empty slots: the rule's slot for every lookup, or nullopt when the
/// model chose another (its records then do not follow from the rule alone).
std::optional<std::vector<RuleStep>> model_steps(const std::vector<AsidLookup>& lookups,
                                                 int init_mm) {
    SlotRule rule(init_mm);
    std::vector<RuleStep> steps;
    steps.reserve(lookups.size());
    for (const AsidLookup& l : lookups) {
        const RuleStep s = apply(rule, l);
        if (!s.same_mm && s.slot + 1 != l.pcid) {
            return std::nullopt;
        }
        steps.push_back(s);
    }
    return steps;
}

/// A CR3 write of the model's made after time 0 and outside any context switch.
bool outside_switch(const AsidLookup& l) {
    return !l.lead && !l.in_switch;
}

/// What the recording says each of a CPU's lookups did: a switch's outcome, or, for the CR3
/// writes outside a switch (an exec's activate_mm, an exiting task's switch to init_mm, leave_mm),
/// the recording's writes outside switches on that CPU, in order, when the model made as many
/// (Workload::cr3_writes); none for the lead's, for those of the switches the recording lost or
/// the model made unplanned (no line), and for writes that cannot be paired.
std::vector<ftrace::Cr3Outcome> recorded_outcomes(const ftrace::Workload& w, int cpu,
                                                  const std::vector<AsidLookup>& lookups) {
    std::vector<const ftrace::Cr3Write*> writes;
    for (const ftrace::Cr3Write& cw : w.cr3_writes) {
        if (cw.cpu == cpu) {
            writes.push_back(&cw);
        }
    }
    const auto outside =
        static_cast<std::size_t>(std::count_if(lookups.begin(), lookups.end(), outside_switch));
    std::vector<ftrace::Cr3Outcome> out(lookups.size(), ftrace::Cr3Outcome::none);
    std::size_t next_write = 0;
    for (std::size_t i = 0; i < lookups.size(); ++i) {
        const AsidLookup& l = lookups[i];
        if (l.recorded != ReplayScenario::npos) {
            out[i] = w.switches[l.recorded].observed;
        } else if (outside_switch(l) && outside == writes.size()) {
            out[i] = writes[next_write++]->flush ? ftrace::Cr3Outcome::flush
                                                 : ftrace::Cr3Outcome::noflush;
        }
    }
    return out;
}

/// What one placement predicts, counted against the recording: a lookup that finds its slot
/// flushes only where the model's found it stale too; one that takes a slot flushes.
std::int64_t mismatches_of(const std::vector<ftrace::Cr3Outcome>& recorded,
                           const std::vector<AsidLookup>& lookups,
                           const std::vector<RuleStep>& model, SlotRule rule) {
    std::int64_t wrong = 0;
    for (std::size_t i = 0; i < lookups.size(); ++i) {
        const AsidLookup& l = lookups[i];
        const RuleStep s = apply(rule, l);
        if (recorded[i] == ftrace::Cr3Outcome::none) {
            continue;
        }
        const bool flush = s.same_mm ? l.flush : !s.found || (model[i].found && l.flush);
        const ftrace::Cr3Outcome predicted =
            flush ? ftrace::Cr3Outcome::flush : ftrace::Cr3Outcome::noflush;
        wrong += predicted == recorded[i] ? 0 : 1;
    }
    return wrong;
}

/// The mms from before the recording that held a current slot on this CPU when it began: the
/// first mms of processes alive then whose first lookup here is the lead's (the task the CPU was
/// running) or was NOFLUSH in the recording. At most five, in order of first lookup.
std::vector<int> resident_candidates(const ftrace::Workload& w, const ReplayScenario& rs,
                                     const AsidLookups& all,
                                     const std::vector<AsidLookup>& lookups) {
    std::vector<int> seen;
    std::vector<int> resident;
    for (const AsidLookup& l : lookups) {
        if (std::find(seen.begin(), seen.end(), l.mm) != seen.end()) {
            continue;
        }
        seen.push_back(l.mm);
        const int p = l.mm < static_cast<int>(all.first_mm_of.size())
                          ? all.first_mm_of[static_cast<std::size_t>(l.mm)]
                          : -1;
        const bool predates = p >= 0 && rs.process_predates[static_cast<std::size_t>(p)];
        const bool held =
            l.lead || (l.recorded != ReplayScenario::npos &&
                       w.switches[l.recorded].observed == ftrace::Cr3Outcome::noflush);
        if (predates && held && resident.size() < kPlaceable) {
            resident.push_back(l.mm);
        }
    }
    return resident;
}

/// Tries every next_asid (1..6: where round robin resumes, so slot 0, init_mm's from boot, may
/// be the next to go rather than the last) and, for each, every placement of `mms` in slots 1..5
/// (in lexicographic order of the slots), keeping the first with the fewest mismatches: boot's
/// next_asid 1 wins ties.
struct PlacementSearch {
    const std::vector<ftrace::Cr3Outcome>& recorded; ///< recorded_outcomes()
    const std::vector<AsidLookup>& lookups;
    const std::vector<RuleStep>& model;
    const std::vector<int>& mms;
    int init_mm = -1;
    std::size_t tried = 0;
    std::int64_t best = -1;
    std::array<int, kSlots> best_owner{};
    int best_next = 1;
    std::array<int, kSlots> owner{};
    int next = 1;

    void run() {
        for (next = 1; next <= kSlots; ++next) {
            owner.fill(-1);
            place(0);
        }
    }

    void place(std::size_t i) {
        if (i == mms.size()) {
            return score();
        }
        for (std::size_t s = 1; s < kSlots; ++s) {
            if (owner[s] == -1) {
                owner[s] = mms[i];
                place(i + 1);
                owner[s] = -1;
            }
        }
    }

    void score() {
        SlotRule rule(init_mm, next);
        for (std::size_t s = 1; s < kSlots; ++s) {
            rule.owner[s] = owner[s];
        }
        ++tried;
        const std::int64_t wrong = mismatches_of(recorded, lookups, model, rule);
        if (best < 0 || wrong < best) {
            best = wrong;
            best_owner = owner;
            best_next = next;
        }
    }
};

std::optional<InferredCpuSlots> infer_cpu(const ftrace::Workload& w, const ReplayScenario& rs,
                                          const AsidLookups& all, int cpu,
                                          const std::vector<RuleStep>& model) {
    const std::vector<AsidLookup>& lookups = all.by_cpu[static_cast<std::size_t>(cpu)];
    const std::vector<int> mms = resident_candidates(w, rs, all, lookups);
    if (mms.empty()) {
        return std::nullopt;
    }
    const std::vector<ftrace::Cr3Outcome> recorded = recorded_outcomes(w, cpu, lookups);
    PlacementSearch search{recorded, lookups, model, mms, all.init_mm};
    search.run();
    InferredCpuSlots out;
    out.cpu = cpu;
    out.candidates = search.tried;
    out.mismatches_empty = mismatches_of(recorded, lookups, model, SlotRule(all.init_mm));
    out.mismatches = search.best;
    out.next_asid = search.best_next;
    if (out.mismatches >= out.mismatches_empty) {
        return std::nullopt; // empty slots explain the recording as well
    }
    for (std::size_t s = 1; s < kSlots; ++s) {
        const int mm = search.best_owner[s];
        out.slot_process.push_back(mm < 0 ? -1 : all.first_mm_of[static_cast<std::size_t>(mm)]);
    }
    return out;
}

} // namespace

AsidSlotInference infer_asid_slots(const ftrace::Workload& w, const ReplayScenario& rs,
                                   const AsidLookups& lookups) {
    AsidSlotInference out;
    if (!rs.scenario.machine.pcid) {
        return out; // one ASID, flushed on every switch: nothing before the recording matters
    }
    for (std::size_t c = 0; c < lookups.by_cpu.size(); ++c) {
        const auto model = model_steps(lookups.by_cpu[c], lookups.init_mm);
        if (!model) {
            out.skipped.push_back(static_cast<int>(c));
            continue;
        }
        if (auto cpu = infer_cpu(w, rs, lookups, static_cast<int>(c), *model)) {
            out.cpus.push_back(std::move(*cpu));
        }
    }
    return out;
}

ReplayScenario with_inferred_slots(const ReplayScenario& rs, const AsidSlotInference& inferred) {
    ReplayScenario seeded = rs;
    const auto cpus = static_cast<std::size_t>(rs.scenario.machine.cpus);
    for (const InferredCpuSlots& c : inferred.cpus) {
        std::vector<int>& next = seeded.scenario.machine.next_asid;
        next.resize(cpus, 1);
        next[static_cast<std::size_t>(c.cpu)] = c.next_asid;
        for (std::size_t s = 0; s < c.slot_process.size(); ++s) {
            const int p = c.slot_process[s];
            if (p < 0) {
                continue;
            }
            std::vector<int>& slots =
                seeded.scenario.processes[static_cast<std::size_t>(p)].asid_slots;
            slots.resize(cpus, 0);
            slots[static_cast<std::size_t>(c.cpu)] = static_cast<int>(s) + 1;
        }
    }
    return seeded;
}

} // namespace run
