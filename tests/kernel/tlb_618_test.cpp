// The Linux 6.18 rules of arch/x86/mm/tlb.c that the `mainline` preset takes and v5.10 does not
// (docs/kernel-6.18.md): the once-a-second trim of a lazy mm_cpumask (should_trim_cpumask,
// 6db2526c1d69), the local flush inside flush_tlb_multi (4ce94eabac16) and flush_tlb_func's
// early return on the request's generation (aa44284960d5). Each case runs both kernels on the
// same input and pins where they part.

#include "kernel/arch_rig.h"
#include "kernel/record_kinds.h"
#include "kernel/support.h"

#include <fmt/format.h>

#include <string>

namespace {

using kernel::RecordKind;
using test::Counters;

// p's thread a1 runs on cpu1 first, then sleeps past the end of the run; q's thread b1 takes cpu1
// over. cpu1's bit in mm_cpumask(p) lingers under the lazy mask while cpu1 runs q. After `flush_at`
// cycles p's thread a0 (cpu0) flushes one page of p twice, freeing no page tables.
std::string lingering_bit(long long flush_at) {
    return fmt::format(R"(
[machine]
cpus = 2
max_cycles = {}

[[process]]
name = "p"

[[process]]
name = "q"

[[thread]]
name = "a0"
process = "p"
cpu = 0
program = ["user {}", "flush_tlb pages=1", "flush_tlb pages=1", "user 100000000"]

[[thread]]
name = "a1"
process = "p"
cpu = 1
program = ["user 100", "sleep 100000000000"]

[[thread]]
name = "b1"
process = "q"
cpu = 1
program = ["user 100000000000"]
)",
                       flush_at + 50000000, flush_at);
}

// 3 GHz, HZ = 250: a jiffy is 12,000,000 cycles, HZ jiffies one second (3e9 cycles).
constexpr long long half_a_second = 1500000000;
constexpr long long past_one_second = 3300000000;

} // namespace

SCENARIO("6.18 trims a lingering mm_cpumask bit once a second (should_trim_cpumask)",
         "[flush][mainline][6.18]") {
    GIVEN("cpu1 left p for q while its bit stays in p's mask; cpu0 flushes p after 1.1 s") {
        const auto late = test::run(lingering_bit(past_one_second), "mainline");
        const Counters c{late};
        THEN("the first flush calls cpu1 (trim due), cpu1 clears its bit, the second does not") {
            // p was made at jiffy 0: next_trim_cpumask = HZ = 250. At 1.1 s (jiffy 275)
            // time_after(jiffies, 250) holds, so trim_cpumask = 1 and should_flush_tlb()
            // returns true for cpu1, which is not lazy and runs q. flush_tlb_func() on cpu1
            // finds f->mm != loaded_mm: cpumask_clear_cpu, TLB_REMOTE_WRONG_CPU, no flush.
            // The second flush finds no other CPU in the mask: flush_tlb_func() locally only.
            CHECK(c("cpu0.ipi.tlb") == 1);
            CHECK(c("cpu1.tlb.flush.remote") == 0);
            CHECK(c("cpu0.tlb.flush.local") == 2);
        }
    }
    GIVEN("the same two flushes after half a second") {
        const auto early = test::run(lingering_bit(half_a_second), "mainline");
        const Counters c{early};
        THEN("no trim is due: cpu1 runs another mm, so neither flush calls it") {
            // jiffy 125 < 250: should_trim_cpumask() is false, and should_flush_tlb() skips a
            // CPU whose loaded_mm is not p. Its bit lingers; both flushes IPI nobody.
            CHECK(c("cpu0.ipi.tlb") == 0);
            CHECK(c("cpu0.tlb.flush.local") == 2);
        }
    }
    GIVEN("v5.10 on the late run") {
        const auto v510 = test::run(lingering_bit(past_one_second), "v5.10");
        const Counters c{v510};
        THEN("cpu1's bit was cleared when it left p: no IPI at any time") {
            CHECK(c("cpu0.ipi.tlb") == 0);
            CHECK(c("cpu0.tlb.flush.local") == 2);
        }
    }
}

namespace {

// p runs on cpu0 and cpu1; its third thread c ran on cpu2 and sleeps past the end of the run,
// leaving cpu2 idle and lazy on p. A flush_tlb kernel thread injected on cpu2 borrows p lazily from
// the idle task and flushes two pages of p.
const char* const lazy_initiator = R"(
[machine]
cpus = 3
max_cycles = 40000

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 1000000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000000"]

[[thread]]
name = "c"
process = "p"
cpu = 2
program = ["user 100", "sleep 100000000000"]

[[inject]]
at = 10000
cpu = 2
event = "flush_tlb"
process = "p"
pages = 2
)";

} // namespace

SCENARIO("6.18 judges the flushing CPU like the others (flush_tlb_multi)",
         "[flush][mainline][6.18]") {
    GIVEN("a kernel thread lazily on p flushes p while two other CPUs run it") {
        const auto v510 = test::run(lazy_initiator, "v5.10");
        const auto mainline = test::run(lazy_initiator, "mainline");
        THEN("v5.10 flushes locally first: the lazy CPU leaves p for init_mm (one CR3 more)") {
            // v5.10 flush_tlb_mm_range(): mm == loaded_mm, so flush_tlb_func_local() runs, finds
            // is_lazy and switch_mm_irqs_off(NULL, &init_mm, NULL): a CR3 write on cpu2 besides
            // the switch idle->c. Then cpu0 and cpu1 (not lazy) get their IPI.
            CHECK(Counters{v510}("cpu2.ser.cr3") == 2);
            CHECK(Counters{v510}("cpu2.ipi.tlb") == 2);
        }
        THEN("6.18 sends the IPIs and skips itself: should_flush_tlb() is false for a lazy CPU") {
            // Another CPU is in mm_cpumask(p): flush_tlb_multi(), where on_each_cpu_cond_mask()
            // asks should_flush_tlb() for cpu2 too ("Lazy TLB will get flushed at the next
            // context switch"): no local flush, cpu2 stays lazy on p, no CR3 write.
            CHECK(Counters{mainline}("cpu2.ser.cr3") == 1);
            CHECK(Counters{mainline}("cpu2.ipi.tlb") == 2);
            CHECK(Counters{mainline}("cpu2.tlb.flush.local") == 0);
        }
    }
}

namespace {

/// cpu1 runs p with its slot caught up to generation 1 while p's tlb_gen is already 2 (a second
/// flush's IPI is still on its way); then the first flush's request (new_tlb_gen 1) arrives.
/// Returns cpu1's slot generation after the request, and whether the next switch back into p
/// (after one to q) flushes.
struct LateRequest {
    std::uint64_t slot_gen_after;
    std::size_t cr3_writes_in_handler;
    bool switch_back_flushes;
};

LateRequest late_request(const std::string& policy) {
    test::ArchRig rig({.cpus = 2, .pcid = true, .pti = false, .policy = policy});
    kernel::Mm& p = rig.user_mm("p");
    kernel::Mm& q = rig.user_mm("q");
    kernel::Task& tp = rig.task("tp", &p);
    kernel::Task& tq = rig.task("tq", &q);
    p.tlb_gen = 1; // the first flush's inc_mm_tlb_gen
    rig.run_on(1, tp, [&](arch_x86::Machine& m) {
        arch_x86::switch_mm_irqs_off(m, 1, nullptr, &p, &tp); // a fresh slot, at generation 1
    });
    p.tlb_gen = 2; // the second flush's inc_mm_tlb_gen
    arch_x86::FlushTlbInfo f;
    f.mm = &p;
    f.full = true;
    f.new_tlb_gen = 1;
    f.initiating_cpu = 0;
    rig.clear();
    rig.run_on(1, tp, [&](arch_x86::Machine& m) {
        if (m.knobs.flush_tlb_local == policy::FlushTlbLocal::in_flush_tlb_multi) {
            arch_x86::flush_tlb_func(m, 1, f);
        } else {
            arch_x86::flush_tlb_func_remote(m, 1, f);
        }
    });
    LateRequest out{};
    out.slot_gen_after = rig.m.cpu(1).tlb.ctxs[rig.m.cpu(1).tlb.loaded_mm_asid].tlb_gen;
    out.cr3_writes_in_handler = rig.count(RecordKind::cr3_write);
    rig.run_on(1, tq,
               [&](arch_x86::Machine& m) { arch_x86::switch_mm_irqs_off(m, 1, nullptr, &q, &tq); });
    rig.clear();
    rig.run_on(1, tp,
               [&](arch_x86::Machine& m) { arch_x86::switch_mm_irqs_off(m, 1, nullptr, &p, &tp); });
    const auto writes = rig.of_kind(RecordKind::cr3_write);
    REQUIRE(writes.size() == 1);
    out.switch_back_flushes = kernel::rec::cr3_flushes(writes[0]);
    return out;
}

} // namespace

TEST_CASE("6.18 flush_tlb_func: a request the CPU already covers does nothing", "[flush][6.18]") {
    const LateRequest v510 = late_request("v5.10");
    const LateRequest mainline = late_request("mainline");
    // v5.10 flush_tlb_func_common(): local_tlb_gen 1 != mm_tlb_gen 2, so a full flush (a CR3
    // rewrite) catches the slot up to 2; the switch back into p finds it current: NOFLUSH.
    CHECK(v510.cr3_writes_in_handler == 1);
    CHECK(v510.slot_gen_after == 2);
    CHECK_FALSE(v510.switch_back_flushes);
    // 6.18: "f->new_tlb_gen <= local_tlb_gen" (1 <= 1): "The TLB is already up to date in
    // respect to f->new_tlb_gen", return without reading mm_tlb_gen. The slot stays at 1, so
    // choose_new_asid() finds it behind p's 2 on the switch back: need_flush.
    CHECK(mainline.cr3_writes_in_handler == 0);
    CHECK(mainline.slot_gen_after == 1);
    CHECK(mainline.switch_back_flushes);
}

TEST_CASE("init_new_context: an mm made during the run trims one second after it was made",
          "[flush][6.18]") {
    test::ArchRig rig({.cpus = 1, .pcid = true, .pti = false, .policy = "mainline"});
    kernel::Mm& p = rig.user_mm("p");
    // An mm that exists when the run starts counts as made at jiffy 0.
    CHECK(p.next_trim_cpumask == kernel::HZ);
    kernel::Task& tp = rig.task("tp", &p);
    // 30,000,000 cycles at 3 GHz are 10 ms: jiffy 2 at HZ = 250 (4 ms a jiffy).
    rig.run_on(0, tp, [](arch_x86::Machine& m) { m.sim.cpu(0).advance(sim::Cycles{30000000}); });
    CHECK(arch_x86::jiffies(rig.m) == 2);
    arch_x86::init_new_context(rig.m, p);
    CHECK(p.next_trim_cpumask == 2 + kernel::HZ);
}
