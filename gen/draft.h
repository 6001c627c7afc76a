#pragma once
// A generated scenario before it is written out: the same shape as a scenario file (docs/
// scenario-keys.md) with programs as step strings, so that what the generator decides and the
// TOML it writes are one thing. Only the keys the generator uses are here.

#include <cstdint>
#include <string>
#include <vector>

namespace gen {

struct DraftMachine {
    int cpus = 1;
    bool pcid = true;
    bool pti = false;
    bool serialize = false;
    bool fred = false;
    std::string idle = "poll"; ///< machine.idle: "poll", "halt" or "mwait"
    std::int64_t timeslice = 0;
    bool wakeup_preempt = false;
    std::vector<int> offline; ///< sorted
    bool nohz_full = false;
    std::uint64_t seed = 0;
};

struct DraftProcess {
    std::string name;
    std::vector<std::string> registrations;  ///< the `register` key
    std::vector<std::string> variables = {}; ///< the `variables` key, each starting at 0
};

/// A [[thread]] (process >= 0) or a [[kthread]] (process < 0).
struct DraftThread {
    std::string name;
    int process = -1;
    int cpu = 0;
    std::int64_t start = 0;
    std::vector<std::string> program;
};

/// An [[inject]] device interrupt.
struct DraftInterrupt {
    std::int64_t at = 0;
    int cpu = 0;
};

struct Draft {
    std::string name;
    std::string description;
    std::vector<std::string> policies;
    DraftMachine machine;
    std::vector<DraftProcess> processes;
    std::vector<DraftThread> threads; ///< user threads and kthreads, written in this order
    std::vector<DraftInterrupt> interrupts;
};

/// The scenario file for `d`.
std::string to_toml(const Draft& d);

} // namespace gen
