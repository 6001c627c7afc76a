#pragma once
// Random valid scenarios (docs/stress.md): machines of 1 to 4,096 CPUs whose threads mix user
// work, system calls, sleeps, waits and signals, yields, migrations, exits and execs, kernel
// threads with kthread_use_mm, TLB flushes with and without freed page tables, text_poke and
// every membarrier command. Deterministic: the same parameters give the same text.
//
// "Valid" means more than "loads": every generated scenario runs to completion under every
// policy, seed and jitter -- no deadlock, no use_mm of a process that has exited, no kernel
// thread exiting with an mm (the construction rules are in mix.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gen {

enum class Profile {
    mix, ///< everything above, for fuzzing
    jit, ///< a JIT process calling SYNC_CORE membarriers, a process calling PRIVATE_EXPEDITED,
         ///< threads unmapping pages, a scheduler tick (a large steady workload)
};

struct GenParams {
    int cpus = 4;      ///< 1..4096
    int threads = 0;   ///< user threads; 0: chosen from cpus
    int processes = 0; ///< 0: chosen from threads (at most threads)
    int kthreads = -1; ///< -1: chosen from cpus (mix only)
    int steps = 10;    ///< mean program length, in steps (repeat bodies count once)
    Profile profile = Profile::mix;
    bool efi = false; ///< also efi_call in kernel threads (mix only)
    std::uint64_t seed = 0;
};

inline constexpr int max_cpus = 4096;
inline constexpr int max_threads = 200000;
inline constexpr int max_steps = 1000;

/// The profile called `name`, if any.
std::optional<Profile> profile_named(std::string_view name);
std::vector<std::string_view> profile_names();

/// "" when `p` can be generated, otherwise why not (one line).
std::string check_params(const GenParams& p);

/// The scenario file text (TOML). `p` must pass check_params.
std::string generate(const GenParams& p);

} // namespace gen
