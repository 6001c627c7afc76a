// The order of membarrier()'s argument checks, version by version: one row per (command, flags,
// cpu_id, registration, machine), with the result and the IPIs under v4.16, v5.10 and mainline.
//
// Sources: v4.16 is SYSCALL_DEFINE2(membarrier, int, cmd, int, flags) (torvalds/linux@70f1413e,
// kernel/sched/membarrier.c): `if (unlikely(flags)) return -EINVAL;`, then the switch; no cpu_id,
// no RSEQ, no GET_REGISTRATIONS; private expedited returns early only when num_online_cpus() == 1.
// v5.10 is SYSCALL_DEFINE3(membarrier, int, cmd, unsigned int, flags, int, cpu_id)
// (Rtoax/linux-5.10.13): a first switch checks flags (only PRIVATE_EXPEDITED_RSEQ may pass
// MEMBARRIER_CMD_FLAG_CPU), then `if (!(flags & MEMBARRIER_CMD_FLAG_CPU)) cpu_id = -1;`, then the
// command switch; membarrier_private_expedited checks the READY bit (EPERM) before the
// mm_users == 1 / one-CPU shortcut and before cpu_id is looked at. Mainline
// (torvalds/linux@0420af54) is v5.10 plus GET_REGISTRATIONS and the 0x3ff QUERY mask. The
// SYSCALL_DEFINE wrappers truncate each 64-bit register to the declared C type.

#include "kernel/support.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace {

/// The machine: two CPUs, the same with cpu1 offline, or two CPUs booted with nohz_full.
enum class Machine { two, one_online, nohz_full };

/// What one policy gives for one row.
struct Outcome {
    std::string result; ///< "EINVAL", "EPERM", or the non-negative return value
    int ipis = 0;       ///< ipi.membarrier
    int rcu = 0;        ///< rcu.sync
    int sync_cores = 0; ///< ser.sync_core@ipi_sync_core
    /// The smp_mb() the call itself runs on the caller's cpu0 (its entry and exit barriers, a local
    /// handler's), where the row shows a barrier count: cpu0.fb.smp_mb minus that of the same
    /// scenario with the step replaced by QUERY (which runs none).
    std::optional<int> call_mb{};
};

struct Case {
    std::string step;             ///< the membarrier step, without its label
    std::vector<std::string> reg; ///< p's registrations from time 0
    Machine machine = Machine::two;
    /// A second thread of p (mm_users == 2): on cpu1 in user mode when cpu1 is online, else
    /// waiting on cpu0's runqueue.
    bool sibling = true;
    std::array<Outcome, 3> by_policy; ///< v4.16, v5.10, mainline
    std::string calls;                ///< the membarrier.calls.* counter the call lands in
};

constexpr std::array<const char*, 3> kPolicies = {"v4.16", "v5.10", "mainline"};

std::array<Outcome, 3> all(const Outcome& o) {
    return {o, o, o};
}

const std::vector<std::string> kPe = {"private_expedited"};
const std::vector<std::string> kSc = {"private_expedited_sync_core"};
const std::vector<std::string> kRseq = {"private_expedited_rseq"};
const std::vector<std::string> kGe = {"global_expedited"};

// clang-format off
const std::vector<Case> kCases = {
    // --- flags before the command (v4.16: `if (unlikely(flags))` first; v5.10+: the first
    // switch's default branch) ---
    // Unregistered PRIVATE_EXPEDITED with flags=1: the flags check fires before the READY check.
    {"membarrier private_expedited flags=1", {}, Machine::two, true,
     all({"EINVAL"}), "private_expedited"},
    // Registered, flags=1 on PRIVATE_EXPEDITED is still EINVAL: the flags check comes first.
    {"membarrier private_expedited flags=1", kPe, Machine::two, true,
     all({"EINVAL"}), "private_expedited"},
    // A flag bit FLAG_CPU does not define: EINVAL on every command but RSEQ, like flags=1.
    {"membarrier private_expedited flags=2", kPe, Machine::two, true,
     all({"EINVAL"}), "private_expedited"},
    // QUERY with flags=1: the flags check runs before the QUERY case (the selftests' check).
    {"membarrier query flags=1", {}, Machine::two, true,
     all({"EINVAL"}), "query"},
    // A command that names none, with flags: EINVAL (from the flags check; the same errno).
    {"membarrier 3 flags=1", {}, Machine::two, true,
     all({"EINVAL"}), "invalid"},

    // --- MEMBARRIER_CMD_FLAG_CPU is accepted only with PRIVATE_EXPEDITED_RSEQ ---
    // RSEQ registered, FLAG_CPU, cpu 1 (runs p's sibling): v4.16 refuses any flag (and has no
    // RSEQ); v5.10+ pass `flags && flags != FLAG_CPU` and smp_call_function_single(1): one IPI.
    {"membarrier private_expedited_rseq flags=cpu cpu=1", kRseq, Machine::two, true,
     {{{"EINVAL"}, {"0", 1}, {"0", 1}}}, "private_expedited_rseq"},
    // RSEQ with flags=2: not 0 and not FLAG_CPU: EINVAL before the READY check.
    {"membarrier private_expedited_rseq flags=2", kRseq, Machine::two, true,
     all({"EINVAL"}), "private_expedited_rseq"},
    // RSEQ with flags=3 (FLAG_CPU plus an unknown bit): `flags != FLAG_CPU`: EINVAL.
    {"membarrier private_expedited_rseq flags=3 cpu=1", kRseq, Machine::two, true,
     all({"EINVAL"}), "private_expedited_rseq"},
    // FLAG_CPU with registered PRIVATE_EXPEDITED: the first switch's default (flags must be 0).
    {"membarrier private_expedited flags=cpu cpu=1", kPe, Machine::two, true,
     all({"EINVAL"}), "private_expedited"},
    // FLAG_CPU with registered SYNC_CORE: the same default branch.
    {"membarrier private_expedited_sync_core flags=cpu cpu=1", kSc, Machine::two, true,
     all({"EINVAL"}), "private_expedited_sync_core"},
    // FLAG_CPU with GLOBAL_EXPEDITED (p registered): the same default branch, no IPI.
    {"membarrier global_expedited flags=cpu cpu=1", kGe, Machine::two, true,
     all({"EINVAL"}), "global_expedited"},
    // FLAG_CPU with GET_REGISTRATIONS: EINVAL from the flags check on every version (mainline too).
    {"membarrier get_registrations flags=cpu", kPe, Machine::two, true,
     all({"EINVAL"}), "get_registrations"},

    // --- registration (EPERM) before cpu_id's range ---
    // Unregistered RSEQ with FLAG_CPU and cpu 99: v5.10+ return EPERM from the RSEQ_READY check,
    // which runs before `cpu_id >= nr_cpu_ids`; v4.16 refuses the flag.
    {"membarrier private_expedited_rseq flags=cpu cpu=99", {}, Machine::two, true,
     {{{"EINVAL"}, {"EPERM"}, {"EPERM"}}}, "private_expedited_rseq"},
    // Registered, cpu 99: `cpu_id >= nr_cpu_ids` -> goto out: 0 with no IPI (both barriers run).
    {"membarrier private_expedited_rseq flags=cpu cpu=99", kRseq, Machine::two, true,
     {{{"EINVAL"}, {"0", 0, 0, 0, 2}, {"0", 0, 0, 0, 2}}}, "private_expedited_rseq"},
    // Registered, FLAG_CPU with cpu -1: `cpu_id >= 0` fails, so every CPU running p: cpu1's IPI.
    {"membarrier private_expedited_rseq flags=cpu cpu=-1", kRseq, Machine::two, true,
     {{{"EINVAL"}, {"0", 1}, {"0", 1}}}, "private_expedited_rseq"},

    // --- cpu_id is ignored without FLAG_CPU (`cpu_id = -1`; v4.16 has no cpu_id at all) ---
    // RSEQ without the flag, cpu 99: cpu_id becomes -1: the all-CPUs path, cpu1's IPI. v4.16:
    // RSEQ (128) is no command there: the switch's default.
    {"membarrier private_expedited_rseq cpu=99", kRseq, Machine::two, true,
     {{{"EINVAL"}, {"0", 1}, {"0", 1}}}, "private_expedited_rseq"},
    // PRIVATE_EXPEDITED with cpu 99 and no flag: the all-CPUs path on every version.
    {"membarrier private_expedited cpu=99", kPe, Machine::two, true,
     all({"0", 1}), "private_expedited"},

    // --- the RSEQ commands (v5.10+) ---
    // Unregistered RSEQ: v4.16 knows no such command (EINVAL); v5.10+ fail the RSEQ_READY check.
    {"membarrier private_expedited_rseq", {}, Machine::two, true,
     {{{"EINVAL"}, {"EPERM"}, {"EPERM"}}}, "private_expedited_rseq"},
    // REGISTER_PRIVATE_EXPEDITED_RSEQ: v4.16 default -> EINVAL; v5.10+ register. mm_users == 2
    // and two CPUs online: sync_runqueues_membarrier_state waits for one grace period.
    {"membarrier register_private_expedited_rseq", {}, Machine::two, true,
     {{{"EINVAL"}, {"0", 0, 1}, {"0", 0, 1}}}, "register_private_expedited_rseq"},

    // --- registration: v4.16 has no rq->membarrier_state to refresh ---
    // Two threads: v4.16 `if (!(mm_users == 1 && get_nr_threads(p) == 1)) synchronize_sched()`,
    // nothing on cpu0; v5.10 sync_runqueues_membarrier_state: a grace period, then
    // ipi_sync_rq_state to cpu1 only (smp_call_function_many skips cpu0); mainline's
    // on_each_cpu_mask also runs it on cpu0, whose smp_mb is the call's. The caller sleeps
    // through the grace period: cpu0 idles lazily on p, and the switch back to t takes the lazy
    // branch's smp_mb on v5.10 and mainline (v4.16 with PCID left p for init_mm: a CR3 write).
    {"membarrier register_private_expedited", {}, Machine::two, true,
     {{{"0", 0, 1, 0, 0}, {"0", 0, 1, 0, 1}, {"0", 0, 1, 0, 2}}}, "register_private_expedited"},
    // One thread: v4.16 sets the bits and returns (no barrier for the private commands); v5.10+
    // write this CPU's rq->membarrier_state and smp_mb().
    {"membarrier register_private_expedited", {}, Machine::two, false,
     {{{"0", 0, 0, 0, 0}, {"0", 0, 0, 0, 1}, {"0", 0, 0, 0, 1}}}, "register_private_expedited"},
    // GLOBAL_EXPEDITED, one thread: v4.16's "single mm user" smp_mb(); v5.10+ as above.
    {"membarrier register_global_expedited", {}, Machine::two, false,
     all({"0", 0, 0, 0, 1}), "register_global_expedited"},

    // --- each command checks its own READY bit ---
    // SYNC_CORE registered, plain PRIVATE_EXPEDITED not: REGISTER_..._SYNC_CORE sets
    // PRIVATE_EXPEDITED but not PRIVATE_EXPEDITED_READY: EPERM.
    {"membarrier private_expedited", kSc, Machine::two, true,
     all({"EPERM"}), "private_expedited"},
    // Plain PRIVATE_EXPEDITED registered, SYNC_CORE not: SYNC_CORE_READY missing: EPERM.
    {"membarrier private_expedited_sync_core", kPe, Machine::two, true,
     all({"EPERM"}), "private_expedited_sync_core"},
    // GLOBAL_EXPEDITED registered only: PRIVATE_EXPEDITED_READY missing: EPERM.
    {"membarrier private_expedited", kGe, Machine::two, true,
     all({"EPERM"}), "private_expedited"},
    // SYNC_CORE registered: the IPI to cpu1. v4.16 sends ipi_mb (no sync_core, caller not
    // synced); v5.10+ on_each_cpu_mask: ipi_sync_core on cpu1 and locally on cpu0.
    {"membarrier private_expedited_sync_core", kSc, Machine::two, true,
     {{{"0", 1}, {"0", 1, 0, 2}, {"0", 1, 0, 2}}}, "private_expedited_sync_core"},

    // --- registration before the shortcuts ---
    // Unregistered, single-threaded: the READY check comes before the mm_users == 1 shortcut.
    {"membarrier private_expedited", {}, Machine::two, false,
     all({"EPERM"}), "private_expedited"},
    // Unregistered, one CPU online: the READY check comes before the num_online_cpus() == 1 one.
    {"membarrier private_expedited", {}, Machine::one_online, true,
     all({"EPERM"}), "private_expedited"},
    // Registered, single-threaded, two CPUs: v4.16 has no mm_users shortcut (entry and exit
    // smp_mb, cpu1 idle: no IPI); v5.10+ return before the entry barrier.
    {"membarrier private_expedited", kPe, Machine::two, false,
     {{{"0", 0, 0, 0, 2}, {"0", 0, 0, 0, 0}, {"0", 0, 0, 0, 0}}}, "private_expedited"},
    // Registered, one CPU online: num_online_cpus() == 1: 0 at once on every version.
    {"membarrier private_expedited", kPe, Machine::one_online, true,
     all({"0", 0, 0, 0, 0}), "private_expedited"},
    // SYNC_CORE, one CPU online: v4.16 takes the one-CPU shortcut; v5.10+ exclude SYNC_CORE from
    // it (e45cdc71): barriers and ipi_sync_core run on the caller's CPU.
    {"membarrier private_expedited_sync_core", kSc, Machine::one_online, true,
     {{{"0", 0, 0, 0, 0}, {"0", 0, 0, 1, 3}, {"0", 0, 0, 1, 3}}}, "private_expedited_sync_core"},
    // SYNC_CORE, single-threaded, two CPUs: v4.16 runs the call (cpu1 idle: no IPI, no sync);
    // v5.10+ have no mm_users shortcut for SYNC_CORE either: the local ipi_sync_core.
    {"membarrier private_expedited_sync_core", kSc, Machine::two, false,
     {{{"0", 0, 0, 0, 2}, {"0", 0, 0, 1, 3}, {"0", 0, 0, 1, 3}}}, "private_expedited_sync_core"},
    // RSEQ with FLAG_CPU, one CPU online: v5.10+ return at the num_online_cpus() == 1 shortcut.
    {"membarrier private_expedited_rseq flags=cpu cpu=0", kRseq, Machine::one_online, true,
     {{{"EINVAL"}, {"0", 0, 0, 0, 0}, {"0", 0, 0, 0, 0}}}, "private_expedited_rseq"},

    // --- GLOBAL, QUERY and nohz_full ---
    // GLOBAL under nohz_full: `if (tick_nohz_full_enabled()) return -EINVAL;`, no grace period.
    {"membarrier global", {}, Machine::nohz_full, true,
     all({"EINVAL"}), "global"},
    // QUERY under nohz_full: the mask without bit 0 (0x7f & ~1; 0x3ff & ~1 on mainline).
    {"membarrier query", {}, Machine::nohz_full, true,
     {{{"126"}, {"126"}, {"1022"}}}, "query"},
    // QUERY: MEMBARRIER_CMD_BITMASK (v5.10.13 never ORs its misnamed RSEQ sub-mask in).
    {"membarrier query", {}, Machine::two, true,
     {{{"127"}, {"127"}, {"1023"}}}, "query"},
    // GLOBAL with two CPUs online: synchronize_rcu (v4.16: synchronize_sched): one grace period.
    {"membarrier global", {}, Machine::two, true,
     all({"0", 0, 1}), "global"},
    // GLOBAL with one CPU online: `if (num_online_cpus() > 1)` is false: 0, no grace period.
    {"membarrier global", {}, Machine::one_online, true,
     all({"0", 0, 0}), "global"},
    // GLOBAL_EXPEDITED is not affected by nohz_full: the IPI to cpu1 (p registered, running).
    {"membarrier global_expedited", kGe, Machine::nohz_full, true,
     all({"0", 1}), "global_expedited"},
    // GLOBAL_EXPEDITED with one CPU online: `num_online_cpus() == 1` returns before any barrier.
    {"membarrier global_expedited", kGe, Machine::one_online, true,
     all({"0", 0, 0, 0, 0}), "global_expedited"},

    // --- GET_REGISTRATIONS (v6.3+) ---
    // Before mainline 512 is no command: the switch's default.
    {"membarrier get_registrations", {}, Machine::two, true,
     {{{"EINVAL"}, {"EINVAL"}, {"0"}}}, "get_registrations"},
    // Mainline: REGISTER_GLOBAL_EXPEDITED (4) | REGISTER_PRIVATE_EXPEDITED (16).
    {"membarrier get_registrations", {"private_expedited", "global_expedited"}, Machine::two,
     true, {{{"EINVAL"}, {"EINVAL"}, {"20"}}}, "get_registrations"},

    // --- integers that name no command: the switch's default ---
    // 3 = GLOBAL | GLOBAL_EXPEDITED: no case matches it: default -> EINVAL.
    {"membarrier 3", {}, Machine::two, true, all({"EINVAL"}), "invalid"},
    // 1 << 10, the first unassigned bit (mainline's last is 1 << 9): default -> EINVAL.
    {"membarrier 1024", {}, Machine::two, true, all({"EINVAL"}), "invalid"},
    // -1: default -> EINVAL.
    {"membarrier -1", {}, Machine::two, true, all({"EINVAL"}), "invalid"},
    // INT_MIN: default -> EINVAL.
    {"membarrier -2147483648", {}, Machine::two, true, all({"EINVAL"}), "invalid"},
    // Two command bits at once (GLOBAL_EXPEDITED | PRIVATE_EXPEDITED) name no case either.
    {"membarrier 10", kPe, Machine::two, true, all({"EINVAL"}), "invalid"},

    // --- 64-bit arguments truncated to the C types by the SYSCALL_DEFINE wrapper ---
    // cmd 4294967304 = 0x1_0000_0008: int cmd = 8 = PRIVATE_EXPEDITED, registered: cpu1's IPI.
    {"membarrier 4294967304", kPe, Machine::two, true, all({"0", 1}), "private_expedited"},
    // The same command unregistered: the READY check's EPERM, not the default's EINVAL.
    {"membarrier 4294967304", {}, Machine::two, true, all({"EPERM"}), "private_expedited"},
    // cmd -4294967288 = 0xffff_ffff_0000_0008: int cmd = 8 as well.
    {"membarrier -4294967288", kPe, Machine::two, true, all({"0", 1}), "private_expedited"},
    // cmd 4294967296 = 1 << 32: int cmd = 0 = QUERY.
    {"membarrier 4294967296", {}, Machine::two, true,
     {{{"127"}, {"127"}, {"1023"}}}, "query"},
    // cmd 2147483648 = 1 << 31: int cmd = INT_MIN, no command.
    {"membarrier 2147483648", {}, Machine::two, true, all({"EINVAL"}), "invalid"},
    // flags 4294967296 = 1 << 32: (unsigned) int flags = 0: accepted, cpu1's IPI.
    {"membarrier private_expedited flags=4294967296", kPe, Machine::two, true,
     all({"0", 1}), "private_expedited"},
    // flags 4294967297 and cpu 4294967297: flags = FLAG_CPU, cpu_id = 1: cpu1's IPI on v5.10+;
    // v4.16's int flags = 1: EINVAL.
    {"membarrier private_expedited_rseq flags=4294967297 cpu=4294967297", kRseq, Machine::two,
     true, {{{"EINVAL"}, {"0", 1}, {"0", 1}}}, "private_expedited_rseq"},
    // cpu 4294967295: int cpu_id = -1: the all-CPUs path (cpu1's IPI).
    {"membarrier private_expedited_rseq flags=cpu cpu=4294967295", kRseq, Machine::two, true,
     {{{"EINVAL"}, {"0", 1}, {"0", 1}}}, "private_expedited_rseq"},
    // cpu 4294967296: int cpu_id = 0, the caller's CPU: ipi_rseq runs locally, no IPI.
    {"membarrier private_expedited_rseq flags=cpu cpu=4294967296", kRseq, Machine::two, true,
     {{{"EINVAL"}, {"0", 0}, {"0", 0}}}, "private_expedited_rseq"},
};
// clang-format on

std::string scenario_text(const Case& c, const std::string& step) {
    std::string s = "[machine]\ncpus = 2\n";
    if (c.machine == Machine::one_online) {
        s += "offline = [1]\n";
    }
    if (c.machine == Machine::nohz_full) {
        s += "nohz_full = true\n";
    }
    s += "\n[[process]]\nname = \"p\"\nregister = [";
    for (std::size_t i = 0; i < c.reg.size(); ++i) {
        s += (i == 0 ? "\"" : ", \"") + c.reg[i] + "\"";
    }
    s += "]\n\n[[thread]]\nname = \"t\"\nprocess = \"p\"\ncpu = 0\n";
    s += "program = [\"user 1000\", \"" + step + " label=r\", \"user 1000\"]\n";
    if (c.sibling) {
        s += "\n[[thread]]\nname = \"u\"\nprocess = \"p\"\n";
        s += c.machine == Machine::one_online ? "cpu = 0\n" : "cpu = 1\n";
        s += "program = [\"user 20000\"]\n";
    }
    return s;
}

std::string shown(const scenario::ResultValue& v) {
    return v.is_errno ? v.errno_name : std::to_string(v.value);
}

} // namespace

TEST_CASE("membarrier() checks its arguments in the kernel's order, version by version",
          "[membarrier][dispatch]") {
    for (const Case& c : kCases) {
        const std::string text = scenario_text(c, c.step);
        const scenario::Scenario sc = test::load(text);
        const scenario::Scenario baseline = test::load(scenario_text(c, "membarrier query"));
        for (std::size_t p = 0; p < kPolicies.size(); ++p) {
            const Outcome& want = c.by_policy[p];
            INFO("policy " << kPolicies[p] << ", step \"" << c.step << "\", registered "
                           << c.reg.size() << ", scenario:\n"
                           << text);
            const run::RunResult r = test::run(sc, kPolicies[p]);
            const auto it = r.results.find("r");
            REQUIRE(it != r.results.end());
            CHECK(shown(it->second) == want.result);
            CHECK(test::counter(r, "ipi.membarrier") == want.ipis);
            CHECK(test::counter(r, "rcu.sync") == want.rcu);
            CHECK(test::counter(r, "ser.sync_core@ipi_sync_core") == want.sync_cores);
            if (want.call_mb) {
                const run::RunResult b = test::run(baseline, kPolicies[p]);
                CHECK(test::counter(r, "cpu0.fb.smp_mb") - test::counter(b, "cpu0.fb.smp_mb") ==
                      *want.call_mb);
            }
            // One call, counted under the command the kernel dispatched, and its errno.
            CHECK(test::counter(r, "membarrier.calls") == 1);
            CHECK(test::counter(r, "membarrier.calls." + c.calls) == 1);
            CHECK(test::counter(r, "membarrier.errors.EINVAL") ==
                  (want.result == "EINVAL" ? 1 : 0));
            CHECK(test::counter(r, "membarrier.errors.EPERM") == (want.result == "EPERM" ? 1 : 0));
            CHECK(test::counter(r, "membarrier.errors.ENOMEM") == 0);
        }
    }
}
