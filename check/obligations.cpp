#include "check/obligations.h"

#include "kernel/record_kinds.h"

#include <algorithm>
#include <tuple>

namespace check {

using kernel::Record;
using kernel::RecordKind;
using Status = ObligationStatus;

namespace {

constexpr bool is_ser_property(Property p) {
    return p == Property::g_sc || p == Property::g_sc_self;
}

/// The index of a sync_core site in sync_core_sites, or sync_core_sites.size().
std::size_t site_index(kernel::Fn site) {
    const std::string_view name = kernel::fn_name(site);
    const auto it = std::find(sync_core_sites.begin(), sync_core_sites.end(), name);
    return static_cast<std::size_t>(it - sync_core_sites.begin());
}

/// The key of by_: (property, record kind, detail, site), each in its own bits.
std::uint64_t pack(Property p, const Discharger& d) {
    return (std::uint64_t{to_index(p)} << 40) |
           (std::uint64_t{static_cast<std::uint8_t>(d.kind)} << 32) |
           (std::uint64_t{d.detail} << 16) | std::uint64_t{static_cast<std::uint16_t>(d.site)};
}

Discharger unpack(std::uint64_t key, Property& p) {
    p = static_cast<Property>((key >> 40) & 0xff);
    Discharger d;
    d.kind = static_cast<RecordKind>((key >> 32) & 0xff);
    d.detail = static_cast<std::uint8_t>((key >> 16) & 0xff);
    d.site = static_cast<kernel::Fn>(key & 0xffff);
    return d;
}

} // namespace

Discharger Discharger::of(const Record& r) {
    Discharger d;
    d.seq = r.seq;
    d.time = r.time.count();
    d.task = r.task;
    d.kind = r.kind;
    d.site = r.site;
    if (r.kind == RecordKind::atomic) {
        d.detail = static_cast<std::uint8_t>(kernel::rec::atomic_op(r));
    } else if (r.kind == RecordKind::smp_mb) {
        d.detail = kernel::rec::is_mfence(r) ? 1 : 0;
    }
    return d;
}

std::string Discharger::kind_name() const {
    switch (kind) {
    case RecordKind::sync_core:
        return "sync_core";
    case RecordKind::cr3_write:
        return "write_cr3";
    case RecordKind::invlpg:
        return "invlpg";
    case RecordKind::return_to_user:
    case RecordKind::irq_return:
        return "iret";
    case RecordKind::smp_mb:
        return detail != 0 ? "mfence" : "smp_mb";
    case RecordKind::atomic:
        return "atomic." +
               std::string(kernel::atomic_op_name(static_cast<kernel::AtomicOp>(detail)));
    default:
        return std::string(kernel::record_kind_name(kind));
    }
}

std::string_view status_name(ObligationStatus s) {
    switch (s) {
    case Status::not_owed:
        return "not owed";
    case Status::unmaterialised:
    case Status::materialised:
        return "open";
    case Status::discharged:
        return "discharged";
    case Status::violated:
        return "violated";
    case Status::not_needed:
        return "not needed";
    case Status::still_owed:
        return "still owed";
    }
    return "?";
}

ObligationLedger::ObligationLedger(const History& history, const kernel::RecordText& text)
    : history_(history), text_(text), cpus_(history.cpus()) {}

ObligationLedger::LedgerCall* ObligationLedger::find(std::uint64_t key) {
    const auto it = calls_.find(key);
    return it == calls_.end() ? nullptr : &it->second;
}

void ObligationLedger::on_record(const Record& r) {
    if (r.kind == RecordKind::sync_core) {
        ++summary_.sync_cores;
    }
    if (history_.is_full_barrier(r) && !cpus_[r.cpu].wait_fb.empty()) {
        serve_fb(r);
    }
    if (history_.is_serializing(r)) {
        serve_ser(r);
    }
    if (r.kind == RecordKind::mm_free) {
        drop_mm(r.mm);
    }
    sweep();
}

void ObligationLedger::serve_fb(const Record& r) {
    const Discharger d = Discharger::of(r);
    for (const std::uint64_t key : cpus_[r.cpu].wait_fb) {
        if (LedgerCall* k = find(key)) {
            Slot& s = k->slots[r.cpu];
            s.fb = d;
            s.has_fb = true;
            try_discharge(key, *k, r.cpu, Property::g_mb);
        }
    }
    cpus_[r.cpu].wait_fb.clear();
    pool_mb(r.cpu);
}

void ObligationLedger::pool_mb(int cpu) {
    // Every call still waiting here for user code has its first [FB] now: what is left to know
    // is whether the obligation materialises, so the calls not kept in full become counts.
    CpuState& st = cpus_[cpu];
    const std::size_t mb = index_of(Property::g_mb);
    st.await_mb.take_all([&](int mm, int caller, std::uint64_t key) {
        LedgerCall* k = find(key);
        if (k == nullptr || k->slots[cpu].status[mb] != Status::unmaterialised) {
            return;
        }
        if (k->kept >= 0) {
            st.await_kept_mb.add(mm, caller, key);
            return;
        }
        st.pooled_mb.add(mm, caller, pack(Property::g_mb, k->slots[cpu].fb));
        k->slots[cpu].status[mb] = Status::not_owed; // the pool counts it from now on
        if (--k->open == 0) {
            done_.push_back(key);
        }
    });
}

void ObligationLedger::serve_ser(const Record& r) {
    int node = -1; // created for the first call that takes it; its own reference until the end
    for (const std::uint64_t key : cpus_[r.cpu].wait_ser) {
        LedgerCall* k = find(key);
        if (k == nullptr) {
            continue;
        }
        Slot& s = k->slots[r.cpu];
        const auto sc = ObligationLedger::index_of(Property::g_sc);
        const auto self = ObligationLedger::index_of(Property::g_sc_self);
        if (!is_open(s.status[sc]) && !is_open(s.status[self])) {
            continue;
        }
        if (node < 0) {
            node = new_ser_node(r);
        }
        s.ser = node;
        ++ser_nodes_[static_cast<std::size_t>(node)].refs;
        try_discharge(key, *k, r.cpu, Property::g_sc_self);
        try_discharge(key, *k, r.cpu, Property::g_sc);
    }
    cpus_[r.cpu].wait_ser.clear();
    if (node >= 0) {
        unref_ser_node(node);
    } else if (r.kind == RecordKind::sync_core) {
        count_unneeded(Discharger::of(r), r.cpu); // no call is waiting for a [SER] here
    }
}

int ObligationLedger::new_ser_node(const Record& r) {
    int node = 0;
    if (free_nodes_.empty()) {
        node = static_cast<int>(ser_nodes_.size());
        ser_nodes_.emplace_back();
    } else {
        node = free_nodes_.back();
        free_nodes_.pop_back();
    }
    ser_nodes_[static_cast<std::size_t>(node)] = SerNode{Discharger::of(r), r.cpu, 1, false};
    return node;
}

void ObligationLedger::unref_ser_node(int node) {
    SerNode& n = ser_nodes_[static_cast<std::size_t>(node)];
    if (--n.refs > 0) {
        return;
    }
    if (n.d.kind == RecordKind::sync_core && !n.credited) {
        count_unneeded(n.d, n.cpu);
    }
    free_nodes_.push_back(node);
}

void ObligationLedger::count_unneeded(const Discharger& d, int cpu) {
    ++summary_.sync_cores_unneeded;
    ++cpus_[cpu].unneeded;
    if (const std::size_t site = site_index(d.site); site < sync_core_sites.size()) {
        ++summary_.unneeded_at[site];
        ++cpus_[cpu].unneeded_at[site];
    }
    // The smallest seqs seen, at least max_unneeded of them once there are that many.
    auto& seqs = summary_.unneeded_seqs;
    seqs.push_back(d.seq);
    if (seqs.size() >= 2 * ObligationSummary::max_unneeded) {
        std::sort(seqs.begin(), seqs.end());
        seqs.resize(ObligationSummary::max_unneeded);
    }
}

void ObligationLedger::call_started(const Call& k, std::uint64_t key) {
    LedgerCall& lc = calls_[key];
    lc.mm = k.mm;
    lc.t0 = k.t0;
    lc.slots = PerCpu<Slot>(history_.cpus());
    ++summary_.calls;
    if (summary_.kept.size() < ObligationSummary::max_calls) {
        lc.kept = static_cast<int>(summary_.kept.size());
        lc.needs = PerCpu<Need>(history_.cpus());
        summary_.kept.push_back({k.name(text_), k.t_a, -1, -1, {}, {}});
    }
    for (int c = 0; c < history_.cpus(); ++c) {
        if (!k.covers(c)) {
            continue;
        }
        Slot& s = lc.slots[c];
        s.status[index_of(Property::g_mb)] = Status::unmaterialised;
        ++lc.open;
        cpus_[c].wait_fb.push_back(key);
        if (k.sync_core()) {
            s.status[index_of(Property::g_sc)] = Status::unmaterialised;
            s.status[index_of(Property::g_sc_self)] = Status::unmaterialised;
            lc.open += 2;
            cpus_[c].wait_ser.push_back(key);
        }
        // User code of the mm running at t_a, or ended with no [FB] since: G-MB needs an [FB]
        // on c after t_a already (MemoryBarrierChecker::call_started).
        const NeedB need = k.need_b[c];
        if (need == NeedB::none) {
            cpus_[c].await_mb.add(k.mm, k.t0, key);
            continue;
        }
        const CpuHistory& h = history_.cpu(c);
        const UserInterval& u = need == NeedB::open ? h.user : h.last_user;
        materialise(key, c, Property::g_mb, u.start_time, u.task);
    }
}

void ObligationLedger::call_ended(const Call& k, std::uint64_t key) {
    if (const LedgerCall* lc = find(key); lc != nullptr && lc->kept >= 0) {
        summary_.kept[static_cast<std::size_t>(lc->kept)].t_b = k.t_b;
    }
}

void ObligationLedger::caller_returned(const Call& k, std::uint64_t key, const Record& r) {
    LedgerCall* lc = find(key);
    if (lc == nullptr) {
        return;
    }
    if (lc->kept >= 0) {
        summary_.kept[static_cast<std::size_t>(lc->kept)].t_r = k.t_r;
    }
    if (!k.sync_core()) {
        return;
    }
    for (int c = 0; c < history_.cpus(); ++c) {
        if (c == r.cpu) {
            materialise(key, c, Property::g_sc_self, r.time.count(), r.task);
        } else if (is_open(lc->slots[c].status[index_of(Property::g_sc_self)])) {
            settle(key, *lc, c, Property::g_sc_self, Status::not_owed);
        }
        if (!is_open(lc->slots[c].status[index_of(Property::g_sc)])) {
            continue; // not covered, or already reported (CoreSerializationChecker)
        }
        const UserInterval& u = history_.cpu(c).user;
        if (u.active && u.mm == k.mm && u.task != k.t0) {
            materialise(key, c, Property::g_sc, k.t_r, u.task);
        } else {
            cpus_[c].await_sc.add(k.mm, k.t0, key);
        }
    }
    sweep();
}

void ObligationLedger::user_started(const Record& r) {
    CpuState& st = cpus_[r.cpu];
    visit_groups(st.await_mb, r, Property::g_mb);
    visit_groups(st.await_kept_mb, r, Property::g_mb);
    st.pooled_mb.take_others(r.mm, r.task, [&](std::uint64_t packed, std::int64_t n) {
        count_discharges(r.cpu, Property::g_mb, packed, n);
    });
    visit_groups(st.await_sc, r, Property::g_sc);
    sweep();
}

template <class Calls>
void ObligationLedger::visit_groups(Calls& calls, const Record& r, Property p) {
    // The caller's own user code is not constrained by its calls.
    calls.take_others(r.mm, r.task, [&](std::uint64_t key) {
        materialise(key, r.cpu, p, r.time.count(), r.task);
    });
}

void ObligationLedger::violated(std::uint64_t key, Property p, int cpu, std::int64_t time,
                                int task) {
    LedgerCall* k = find(key);
    if (k == nullptr || !is_open(k->slots[cpu].status[index_of(p)])) {
        return;
    }
    if (k->slots[cpu].status[index_of(p)] == Status::unmaterialised) {
        note_need(*k, cpu, p, time, task);
    }
    settle(key, *k, cpu, p, Status::violated);
    sweep();
}

void ObligationLedger::materialise(std::uint64_t key, int cpu, Property p, std::int64_t time,
                                   int task) {
    LedgerCall* k = find(key);
    if (k == nullptr) {
        return;
    }
    Slot& s = k->slots[cpu];
    const std::size_t i = index_of(p);
    if (s.status[i] != Status::unmaterialised) {
        return; // settled already (a violation reported at this record), or not owed
    }
    s.status[i] = Status::materialised;
    note_need(*k, cpu, p, time, task);
    try_discharge(key, *k, cpu, p);
}

void ObligationLedger::note_need(LedgerCall& k, int cpu, Property p, std::int64_t time, int task) {
    if (k.kept >= 0) {
        k.needs[cpu].at[index_of(p)] = time;
        k.needs[cpu].task[index_of(p)] = task;
    }
}

void ObligationLedger::try_discharge(std::uint64_t key, LedgerCall& k, int cpu, Property p) {
    const Slot& s = k.slots[cpu];
    if (s.status[index_of(p)] != Status::materialised) {
        return;
    }
    if (p == Property::g_mb ? s.has_fb : s.ser >= 0) {
        settle(key, k, cpu, p, Status::discharged);
    }
}

void ObligationLedger::settle(std::uint64_t key, LedgerCall& k, int cpu, Property p,
                              Status status) {
    Slot& s = k.slots[cpu];
    const std::size_t i = index_of(p);
    s.status[i] = status;
    if (status == Status::discharged) {
        const bool ser = is_ser_property(p);
        if (ser) {
            ser_nodes_[static_cast<std::size_t>(s.ser)].credited = true;
        }
        count_discharge(cpu, p, ser ? ser_nodes_[static_cast<std::size_t>(s.ser)].d : s.fb);
    } else if (status == Status::violated) {
        ++summary_.tally[i].violated;
    } else if (status == Status::not_needed) {
        ++summary_.tally[i].not_needed;
    } else if (status == Status::still_owed) {
        ++summary_.tally[i].still_owed;
    }
    keep_entry(k, cpu, p);
    if (is_ser_property(p)) {
        release_ser(s);
    }
    if (--k.open == 0) {
        done_.push_back(key);
    }
}

void ObligationLedger::release_ser(Slot& s) {
    const bool open = is_open(s.status[index_of(Property::g_sc)]) ||
                      is_open(s.status[index_of(Property::g_sc_self)]);
    if (s.ser >= 0 && !open) {
        unref_ser_node(s.ser);
        s.ser = -1;
    }
}

void ObligationLedger::count_discharge(int cpu, Property p, const Discharger& d) {
    count_discharges(cpu, p, pack(p, d), 1);
}

void ObligationLedger::count_discharges(int cpu, Property p, std::uint64_t packed, std::int64_t n) {
    summary_.tally[index_of(p)].discharged += n;
    cpus_[cpu].discharged[index_of(p)] += n;
    by_[packed] += n;
}

void ObligationLedger::keep_entry(const LedgerCall& k, int cpu, Property p) {
    const Slot& s = k.slots[cpu];
    const std::size_t i = index_of(p);
    if (k.kept < 0 || s.status[i] == Status::not_owed) {
        return;
    }
    CallObligations& kept = summary_.kept[static_cast<std::size_t>(k.kept)];
    if (s.status[i] == Status::not_needed) {
        kept.not_needed[i].push_back(cpu); // a list of CPUs: on a big machine most are these
        return;
    }
    ObligationEntry e;
    e.cpu = cpu;
    e.property = p;
    e.status = s.status[i];
    e.needed_at = k.needs[cpu].at[i];
    e.needed_by = k.needs[cpu].task[i] < 0 ? "" : text_.task_name(k.needs[cpu].task[i]);
    if (e.status == Status::discharged) {
        e.by = is_ser_property(p) ? ser_nodes_[static_cast<std::size_t>(s.ser)].d : s.fb;
        e.by_task = text_.task_name(e.by.task);
    }
    kept.entries.push_back(std::move(e));
}

void ObligationLedger::drop_mm(int mm) {
    // Nothing of a freed mm runs again (G-REF): what waits for its user code is not needed.
    for (int c = 0; c < cpus_.size(); ++c) {
        CpuState& st = cpus_[c];
        drop_waiting(st.await_mb, c, mm, Property::g_mb);
        drop_waiting(st.await_kept_mb, c, mm, Property::g_mb);
        drop_waiting(st.await_sc, c, mm, Property::g_sc);
        summary_.tally[index_of(Property::g_mb)].not_needed += st.pooled_mb.take_count(mm);
    }
}

template <class Calls>
void ObligationLedger::drop_waiting(Calls& calls, int cpu, int mm, Property p) {
    calls.take_mm(mm, [&](std::uint64_t key) {
        LedgerCall* k = find(key);
        if (k != nullptr && k->slots[cpu].status[index_of(p)] == Status::unmaterialised) {
            settle(key, *k, cpu, p, Status::not_needed);
        }
    });
}

void ObligationLedger::sweep() {
    if (done_.empty()) {
        return; // the common case: nothing settled at this record
    }
    for (const std::uint64_t key : done_) {
        calls_.erase(key);
    }
    done_.clear();
}

void ObligationLedger::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    for (CpuState& st : cpus_) {
        summary_.tally[index_of(Property::g_mb)].not_needed += st.pooled_mb.take_all_count();
    }
    for (auto& [key, k] : calls_) {
        for (int c = 0; c < k.slots.size(); ++c) {
            for (const Property p : call_properties) {
                const Status s = k.slots[c].status[index_of(p)];
                if (is_open(s)) {
                    settle(key, k, c, p,
                           s == Status::materialised ? Status::still_owed : Status::not_needed);
                }
            }
        }
    }
    sweep();
    summarise();
}

void ObligationLedger::summarise() {
    // Records of two kinds may share a name (an IRET to user and one to kernel are both "iret"):
    // one row per (property, name, site).
    std::map<std::tuple<Property, std::string, std::string>, std::int64_t> rows;
    for (const auto& [key, count] : by_) {
        Property p{};
        const Discharger d = unpack(key, p);
        rows[{p, d.kind_name(), std::string(d.site_name())}] += count;
    }
    for (const auto& [row, count] : rows) {
        summary_.by.push_back({std::get<0>(row), std::get<1>(row), std::get<2>(row), count});
    }
    auto& seqs = summary_.unneeded_seqs;
    std::sort(seqs.begin(), seqs.end());
    seqs.resize(std::min(seqs.size(), ObligationSummary::max_unneeded));
    for (auto& k : summary_.kept) {
        std::sort(k.entries.begin(), k.entries.end(), [](const auto& x, const auto& y) {
            return std::pair(x.cpu, x.property) < std::pair(y.cpu, y.property);
        });
        for (auto& cpus : k.not_needed) {
            std::sort(cpus.begin(), cpus.end());
        }
    }
}

} // namespace check
