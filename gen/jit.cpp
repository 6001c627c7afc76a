// The `jit` profile: a large steady workload. A JIT process ("jit", registered for SYNC_CORE)
// whose callers issue PRIVATE_EXPEDITED_SYNC_CORE after rewriting code, a process ("pe",
// registered for PRIVATE_EXPEDITED) whose callers issue PRIVATE_EXPEDITED, and mapper processes
// whose threads unmap pages (flush_tlb, sometimes freeing page tables), all under a scheduler
// tick. Every thread loops over user work and sleeps, so CPUs keep switching between processes
// and going idle (lazy TLB).
//
// Each mapper process lives on a group of eight CPUs (as a process pinned to a NUMA node or a
// container's cpuset would): its flushes send IPIs to those CPUs only. One process spread over
// all CPUs would make every flush of a 1,024-CPU machine an IPI to all of them.

#include "gen/choice.h"
#include "gen/profiles.h"

#include <fmt/format.h>

namespace gen {

namespace {

constexpr int group_cpus = 8;
constexpr std::int64_t tick = 100000;

class JitBuilder {
public:
    explicit JitBuilder(const GenParams& p) : p_(p), c_(p.seed, 2) {}
    Draft build();

private:
    const GenParams& p_;
    Choice c_;
    Draft d_;
    int mappers_ = 1;

    void processes();
    void add_thread(int i, int users);
    std::vector<std::string> loop(const std::string& action, int rounds);
    std::string unmap();
};

Draft JitBuilder::build() {
    d_.machine.cpus = p_.cpus;
    d_.machine.seed = p_.seed;
    d_.machine.timeslice = tick;
    processes();
    const int users = p_.threads > 0 ? p_.threads : 4 * p_.cpus;
    for (int i = 0; i < users; ++i) {
        add_thread(i, users);
    }
    return std::move(d_);
}

void JitBuilder::processes() {
    d_.processes.push_back({"jit", {"private_expedited_sync_core"}});
    d_.processes.push_back({"pe", {"private_expedited"}});
    const int groups = (p_.cpus + group_cpus - 1) / group_cpus;
    mappers_ = p_.processes > 2 ? p_.processes - 2 : groups;
    for (int m = 0; m < mappers_; ++m) {
        d_.processes.push_back({fmt::format("map{}", m), {}});
    }
}

/// Thread i of `users`: every tenth is a JIT thread, the next a PRIVATE_EXPEDITED one, the rest
/// mappers. One JIT and one PE thread in 64 calls membarrier; one mapper in four unmaps.
void JitBuilder::add_thread(int i, int users) {
    DraftThread t;
    t.name = fmt::format("t{}", i);
    t.cpu = i % p_.cpus;
    const int rounds = std::max(1, p_.steps / 3);
    const int role = i % 10;
    if (role == 0 || role == 1) {
        t.process = role;
        const bool caller = (i / 10) % 64 == 0 || users < 20;
        const char* cmd = role == 0 ? "private_expedited_sync_core" : "private_expedited";
        t.program = loop(caller ? fmt::format("membarrier {}", cmd) : "", rounds);
    } else {
        // Mapper processes own consecutive CPU groups; a thread joins the one of its CPU.
        const int group = (t.cpu / group_cpus) % mappers_;
        t.process = 2 + group;
        t.program = loop(c_.chance(25) ? unmap() : "", rounds);
    }
    d_.threads.push_back(std::move(t));
}

/// user work, then `rounds` times: user work, the action (if any), a sleep.
std::vector<std::string> JitBuilder::loop(const std::string& action, int rounds) {
    std::vector<std::string> program = {fmt::format("user {}", c_.spread(500, 20000)),
                                        fmt::format("repeat {}", rounds),
                                        fmt::format("user {}", c_.spread(500, 20000))};
    if (!action.empty()) {
        program.push_back(action);
    }
    program.push_back(fmt::format("sleep {}", c_.spread(20000, 400000)));
    program.emplace_back("end");
    return program;
}

std::string JitBuilder::unmap() {
    return fmt::format("flush_tlb pages={}{}", c_.spread(1, 32),
                       c_.chance(20) ? " freed_tables" : "");
}

} // namespace

Draft build_jit(const GenParams& p) {
    return JitBuilder(p).build();
}

} // namespace gen
