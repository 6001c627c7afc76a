#include "check/calls.h"

#include "kernel/record_kinds.h"

#include <fmt/format.h>

namespace check {

std::string_view Call::command() const {
    switch (kind) {
    case kernel::BarrierCall::private_expedited:
        return "private_expedited";
    case kernel::BarrierCall::sync_core:
        return "private_expedited_sync_core";
    case kernel::BarrierCall::rseq:
        return "private_expedited_rseq";
    case kernel::BarrierCall::global_expedited:
        return "global_expedited";
    case kernel::BarrierCall::global:
        return "global";
    }
    return "?";
}

std::string Call::name(const kernel::RecordText& text) const {
    return fmt::format("membarrier({}) by {} on cpu{} for mm {}", command(), text.task_name(t0), c0,
                       text.mm_name(mm));
}

Call& CallTable::open(const kernel::Record& r) {
    Call k;
    k.id = kernel::rec::call_id(r);
    k.kind = kernel::rec::barrier_call(r);
    k.mm = r.mm;
    k.t0 = r.task;
    k.c0 = r.cpu;
    k.cpu_filter = kernel::rec::call_cpu_filter(r);
    k.a = r.seq;
    k.t_a = r.time.count();
    k.reported = PerCpu<PropertySet>(cpus_);
    k.need_b = PerCpu<NeedB>(cpus_, NeedB::none);
    k.sc_pending = PerCpu<std::uint8_t>(cpus_);
    k.k1_need_fb = PerCpu<std::uint8_t>(cpus_);
    k.k1_need_ser = PerCpu<std::uint8_t>(cpus_);
    const std::uint64_t key = k.a;
    by_caller_.add(k.t0, key);
    by_mm_.add(k.mm, key);
    return open_.emplace(key, std::move(k)).first->second;
}

void CallTable::Index::add(int id, std::uint64_t key) {
    keys[id].push_back(key);
    ids |= bit(id);
}

void CallTable::Index::remove(int id, std::uint64_t key) {
    const auto it = keys.find(id);
    std::erase(it->second, key);
    if (!it->second.empty()) {
        return;
    }
    keys.erase(it);
    ids = 0; // rebuilt from the ids left: as many as there are open calls, a handful
    for (const auto& entry : keys) {
        ids |= bit(entry.first);
    }
}

Call* CallTable::find_open(std::uint64_t key) {
    const auto it = open_.find(key);
    return it == open_.end() ? nullptr : &it->second;
}

Call CallTable::take_open(std::uint64_t key) {
    const auto it = open_.find(key);
    Call k = std::move(it->second);
    open_.erase(it);
    by_caller_.remove(k.t0, key);
    by_mm_.remove(k.mm, key);
    k.need_b = {};
    k.k1_need_fb = {};
    k.k1_need_ser = {};
    k.fb_owed = 0;
    k.sc_owed = 0;
    return k;
}

void CallTable::keep_closed(std::uint64_t key, Call&& k) {
    if (k.fb_owed > 0 || k.sc_owed > 0) {
        closed_.emplace(key, std::move(k));
    }
}

Call* CallTable::find_closed(std::uint64_t key) {
    const auto it = closed_.find(key);
    return it == closed_.end() ? nullptr : &it->second;
}

void CallTable::retire_if_done(std::uint64_t key) {
    const auto it = closed_.find(key);
    if (it != closed_.end() && it->second.fb_owed == 0 && it->second.sc_owed == 0) {
        closed_.erase(it);
    }
}

} // namespace check
