#include "check/memory_barrier_checker.h"

#include <fmt/format.h>

namespace check {

using kernel::Record;

void MemoryBarrierChecker::settle(const Record& r) {
    if (!history_.is_full_barrier(r)) {
        return;
    }
    CpuState& st = cpus_[r.cpu];
    for (const std::uint64_t key : st.pending_fb) {
        Call* k = calls_.find_open(key);
        if (k != nullptr && !k->ended && k->need_b[r.cpu] == NeedB::pending_fb) {
            k->need_b[r.cpu] = NeedB::none;
        }
    }
    st.pending_fb.clear();
    for (const std::uint64_t key : st.owes_fb) {
        if (Call* k = calls_.find_closed(key)) {
            --k->fb_owed;
            calls_.retire_if_done(key);
        }
    }
    st.owes_fb.clear();
}

void MemoryBarrierChecker::call_started(Call& k, std::uint64_t key) {
    for (int c = 0; c < history_.cpus(); ++c) {
        if (!k.covers(c)) {
            continue;
        }
        const CpuHistory& h = history_.cpu(c);
        // User code of mm running before t_a must be followed by an [FB] on its CPU by t_b.
        if (h.user.active && h.user.mm == k.mm && h.user.task != k.t0) {
            k.need_b[c] = NeedB::open;
            cpus_[c].need_open.push_back(key);
        } else if (h.last_user.active && h.last_user.mm == k.mm && h.last_user.task != k.t0 &&
                   h.last_user_end > h.last_fb) {
            k.need_b[c] = NeedB::pending_fb;
            cpus_[c].pending_fb.push_back(key);
        }
    }
}

void MemoryBarrierChecker::call_ended(Call& k) {
    for (int c = 0; c < history_.cpus(); ++c) {
        const NeedB need = k.need_b[c];
        if (need == NeedB::none) {
            continue;
        }
        const CpuHistory& h = history_.cpu(c);
        const UserInterval& u = need == NeedB::open ? h.user : h.last_user;
        reporter_.violate(
            k, Property::g_mb, c, u.start_time, u.task,
            need == NeedB::open
                ? fmt::format("{} was still running user code of mm {} at t_b={}, with no full "
                              "barrier on cpu{} since t_a={}",
                              text_.task_name(u.task), text_.mm_name(k.mm), k.t_b, c, k.t_a)
                : fmt::format("no full barrier on cpu{} between {}'s last user instruction and "
                              "t_b={}",
                              c, text_.task_name(u.task), k.t_b));
        k.need_b[c] = NeedB::none;
    }
}

void MemoryBarrierChecker::user_started(const Record& r) {
    open_calls_user_start(r);
    closed_calls_user_start(r);
}

void MemoryBarrierChecker::open_calls_user_start(const Record& r) {
    calls_.for_each_by_mm(r.mm, [&](std::uint64_t key, Call& k) {
        if (k.t0 == r.task || !k.covers(r.cpu)) {
            return;
        }
        const bool fb_since_a = history_.cpu(r.cpu).last_fb >= k.a; // "A": an [FB] in [t_a, x]
        if (fb_since_a) {
            return;
        }
        if (!k.ended) {
            k.need_b[r.cpu] = NeedB::open;
            cpus_[r.cpu].need_open.push_back(key);
            return;
        }
        reporter_.violate(k, Property::g_mb, r.cpu, r.time.count(), r.task,
                          fmt::format("{} returned to user mode of mm {} with no full barrier on "
                                      "cpu{} since t_a={}",
                                      text_.task_name(r.task), text_.mm_name(k.mm), r.cpu, k.t_a));
    });
}

void MemoryBarrierChecker::closed_calls_user_start(const Record& r) {
    // No [FB] on this CPU since these calls' t_a (an [FB] would have cleared the list).
    for (const std::uint64_t key : cpus_[r.cpu].owes_fb) {
        Call* k = calls_.find_closed(key);
        if (k == nullptr || k->mm != r.mm || k->t0 == r.task) {
            continue;
        }
        reporter_.violate(*k, Property::g_mb, r.cpu, r.time.count(), r.task,
                          fmt::format("{} returned to user mode of mm {} with no full barrier on "
                                      "cpu{} since t_a={}",
                                      text_.task_name(r.task), text_.mm_name(k->mm), r.cpu,
                                      k->t_a));
    }
}

void MemoryBarrierChecker::user_ended(const Record& r) {
    if (!history_.ended_user(r)) {
        return;
    }
    CpuState& st = cpus_[r.cpu];
    for (const std::uint64_t key : st.need_open) {
        Call* k = calls_.find_open(key);
        if (k != nullptr && !k->ended && k->need_b[r.cpu] == NeedB::open) {
            k->need_b[r.cpu] = NeedB::pending_fb;
            st.pending_fb.push_back(key);
        }
    }
    st.need_open.clear();
}

void MemoryBarrierChecker::call_closed(Call& k, std::uint64_t key) {
    for (int c = 0; c < history_.cpus(); ++c) {
        if (k.covers(c) && history_.cpu(c).last_fb < k.a) {
            cpus_[c].owes_fb.push_back(key);
            ++k.fb_owed;
        }
    }
}

} // namespace check
