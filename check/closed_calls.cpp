// Closed calls: membarrier calls whose caller has returned. What they still need is per CPU --
// an [FB] since t_a before that CPU next runs user code of the call's mm (G-MB), and a [SER]
// before it (G-SC, pending since t_r) -- so each CPU keeps the keys of the closed calls it owes,
// and a barrier on a CPU settles its list at once. A call is dropped when no CPU owes it
// anything. This keeps the work per record proportional to what that CPU owes, not to every
// call still open somewhere: a CPU that idles for the whole run would otherwise keep every call
// in every other CPU's way.

#include "check/guarantee_checker.h"

#include <fmt/format.h>

namespace check {

using kernel::Record;

void GuaranteeChecker::set_sc_pending(Call& k, int cpu, bool pending) {
    auto& p = k.sc_pending[static_cast<std::size_t>(cpu)];
    if (p != static_cast<std::uint8_t>(pending)) {
        p = static_cast<std::uint8_t>(pending);
        k.sc_owed += pending ? 1 : -1;
    }
}

std::vector<std::uint64_t>
GuaranteeChecker::open_keys(const std::map<int, std::vector<std::uint64_t>>& index, int id) const {
    const auto it = index.find(id);
    return it == index.end() ? std::vector<std::uint64_t>{} : it->second;
}

void GuaranteeChecker::close_call(std::uint64_t key) {
    const auto it = calls_.find(key);
    Call k = std::move(it->second);
    calls_.erase(it);
    for (auto* index : {&open_by_caller_, &open_by_mm_}) {
        const int id = index == &open_by_caller_ ? k.t0 : k.mm;
        auto& keys = (*index)[id];
        std::erase(keys, key);
        if (keys.empty()) {
            index->erase(id);
        }
    }
    // What was only needed while the call was in progress.
    k.need_b = {};
    k.k1_need_fb = {};
    k.k1_need_ser = {};
    k.fb_owed = 0;
    k.sc_owed = 0;
    for (int c = 0; c < cpus_; ++c) {
        CpuState& st = cpu_[static_cast<std::size_t>(c)];
        if (!covers(k, c)) {
            continue;
        }
        if (st.last_fb < k.a) {
            st.owes_fb.push_back(k.a);
            ++k.fb_owed;
        }
        if (k.sc_pending[static_cast<std::size_t>(c)]) {
            st.owes_ser.push_back(k.a);
            ++k.sc_owed;
        }
    }
    if (k.fb_owed > 0 || k.sc_owed > 0) {
        closed_.emplace(key, std::move(k));
    }
}

void GuaranteeChecker::open_calls_barrier(const Record& r) {
    // An [FB] satisfies an interval that needed one before t_b, and K1's barrier; a [SER] K1's
    // serialization. Only the open calls waiting on this CPU are visited; what is left stays.
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    const bool fb = kernel::is_full_barrier(r);
    const bool ser = kernel::is_serializing(r);
    if ((!fb && !ser) || st.open_owed.empty()) {
        return;
    }
    const auto c = static_cast<std::size_t>(r.cpu);
    std::vector<std::uint64_t> still;
    for (const std::uint64_t key : st.open_owed) {
        const auto it = calls_.find(key);
        if (it == calls_.end() || it->second.ended) {
            continue;
        }
        Call& k = it->second;
        if (fb) {
            k.k1_need_fb[c] = 0;
            if (k.need_b[c] == NeedB::pending_fb) {
                k.need_b[c] = NeedB::none;
            }
        }
        if (ser) {
            k.k1_need_ser[c] = 0;
        }
        if (k.k1_need_fb[c] || k.k1_need_ser[c] || k.need_b[c] == NeedB::pending_fb) {
            still.push_back(key);
        }
    }
    st.open_owed = std::move(still);
}

void GuaranteeChecker::retire_if_done(std::uint64_t key) {
    const auto it = closed_.find(key);
    if (it != closed_.end() && it->second.fb_owed == 0 && it->second.sc_owed == 0) {
        closed_.erase(it);
    }
}

void GuaranteeChecker::closed_calls_barrier(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    if (kernel::is_full_barrier(r)) {
        for (const std::uint64_t key : st.owes_fb) {
            if (const auto it = closed_.find(key); it != closed_.end()) {
                --it->second.fb_owed;
                retire_if_done(key);
            }
        }
        st.owes_fb.clear();
    }
    if (kernel::is_serializing(r)) {
        for (const std::uint64_t key : st.owes_ser) {
            if (const auto it = closed_.find(key); it != closed_.end()) {
                set_sc_pending(it->second, r.cpu, false);
                retire_if_done(key);
            }
        }
        st.owes_ser.clear();
    }
}

void GuaranteeChecker::closed_calls_user_start(const Record& r) {
    CpuState& st = cpu_[static_cast<std::size_t>(r.cpu)];
    // No [FB] on this CPU since these calls' t_a (an [FB] would have cleared the list).
    for (const std::uint64_t key : st.owes_fb) {
        const auto it = closed_.find(key);
        if (it == closed_.end() || it->second.mm != r.mm || it->second.t0 == r.task) {
            continue;
        }
        Call& k = it->second;
        violate(k, Property::g_mb, r.cpu, r.time.count(), r.task,
                fmt::format("{} returned to user mode of mm {} with no full barrier on cpu{} "
                            "since t_a={}",
                            text_.task_name(r.task), text_.mm_name(k.mm), r.cpu, k.t_a));
    }
    std::vector<std::uint64_t> settled;
    for (const std::uint64_t key : st.owes_ser) {
        const auto it = closed_.find(key);
        if (it == closed_.end() || it->second.mm != r.mm || it->second.t0 == r.task ||
            !it->second.sc_pending[static_cast<std::size_t>(r.cpu)]) {
            continue;
        }
        Call& k = it->second;
        violate(k, Property::g_sc, r.cpu, r.time.count(), r.task,
                fmt::format("{} returned to user mode by {} at t={} with no serializing "
                            "instruction on cpu{} since t_a={}",
                            text_.task_name(r.task),
                            kernel::return_insn_name(static_cast<kernel::ReturnInsn>(r.detail)),
                            r.time.count(), r.cpu, k.t_a));
        set_sc_pending(k, r.cpu, false);
        settled.push_back(key);
    }
    for (const std::uint64_t key : settled) {
        retire_if_done(key);
    }
}

} // namespace check
