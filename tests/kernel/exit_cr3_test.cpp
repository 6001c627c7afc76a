// The CR3 write of a process exit (docs/kernel-6.18.md "The CR3 write of a process exit",
// docs/kernel-notes.md §3.8). Traces of Linux 6.18 show one `tlb_flush` with reason "flush on task
// switch" on the exiting CPU between `sched_process_exit ... group_dead=true` and the task's last
// sched_switch, and none for a thread that is not the last. It is not a switch of its own:
// exit_mm() leaves the CPU lazy on the dying mm (enter_lazy_tlb), the last mmput() runs
// __mmput() -> exit_mmap() -> tlb_finish_mmu() -> flush_tlb_mm_range(), and flush_tlb_func()
// finds is_lazy: "just switch to init_mm" (arch/x86/mm/tlb.c, the same in v5.10.13's
// flush_tlb_func_common() and 6.18's flush_tlb_func()). Whether that write flushes is
// choose_new_asid(&init_mm)'s answer: NOFLUSH while init_mm holds one of the CPU's
// TLB_NR_DYN_ASIDS (6) slots, a flush on a fresh slot once a sixth mm has recycled init_mm's.

#include "kernel/record_kinds.h"
#include "kernel/scenario_builder.h"
#include "kernel/support.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace {

using kernel::Record;
using kernel::RecordKind;

/// The records one task emitted on one CPU from its exit_mm()'s `tsk->mm = NULL` to its last
/// `rq->curr = next` (do_task_dead's __schedule), both included.
std::vector<Record> exit_window(const test::Recorded& run, const std::string& task_name) {
    const auto& names = run.result.task_names;
    std::vector<Record> out;
    bool open = false;
    for (const Record& r : run.records) {
        if (r.task < 0 || names[static_cast<std::size_t>(r.task)] != task_name) {
            continue;
        }
        if (r.kind == RecordKind::task_mm_store && r.mm < 0) {
            open = true;
        }
        if (open) {
            out.push_back(r);
        }
        if (open && r.kind == RecordKind::rq_curr_store) {
            return out;
        }
    }
    FAIL("task " << task_name << " did not exit and switch away");
    return out;
}

std::vector<Record> cr3_writes(const std::vector<Record>& records) {
    std::vector<Record> out;
    for (const Record& r : records) {
        if (r.kind == RecordKind::cr3_write) {
            out.push_back(r);
        }
    }
    return out;
}

std::string mm_name(const test::Recorded& run, const Record& r) {
    return r.mm < 0 ? "-" : run.result.mm_names[static_cast<std::size_t>(r.mm)];
}

/// `count` single-threaded processes p1..pN, each thread running 1000 cycles on cpu0 and exiting;
/// they run one after another, each on an mm cpu0 has not seen.
scenario::Scenario one_after_another(int count) {
    test::ScenarioBuilder b({.cpus = 1});
    for (int i = 1; i <= count; ++i) {
        const int p = b.process(fmt::format("p{}", i));
        b.thread(fmt::format("t{}", i), p, 0).user(1000);
    }
    return b.build();
}

} // namespace

SCENARIO("a process's last exit writes CR3 once, to init_mm, from exit_mmap's flush",
         "[lifecycle][exit][cr3]") {
    for (const std::string policy : {"v5.10", "mainline"}) {
        GIVEN("p's only thread exits on cpu0, then q's runs there, under " + policy) {
            const test::Recorded run = test::run_recorded(one_after_another(2), policy);
            const std::vector<Record> window = exit_window(run, "t1");
            const std::vector<Record> writes = cr3_writes(window);
            THEN("between exit_mm and the last switch: one unlazy, one CR3 write of init_mm") {
                // flush_tlb_func()'s lazy branch: the unlazy record, then switch_mm_irqs_off(NULL,
                // &init_mm, NULL). The last switch's own CR3 write (q's mm) is emitted after the
                // rq->curr store that closes the window.
                REQUIRE(writes.size() == 1);
                CHECK(mm_name(run, writes[0]) == "init_mm");
                CHECK(writes[0].site == kernel::Fn::switch_mm_irqs_off);
                std::size_t unlazies = 0;
                for (const Record& r : window) {
                    unlazies += r.kind == RecordKind::unlazy ? 1 : 0;
                }
                CHECK(unlazies == 1);
            }
            THEN("init_mm still holds slot 0 from boot (initialize_tlbstate_and_flush): NOFLUSH") {
                REQUIRE(writes.size() == 1);
                CHECK_FALSE(kernel::rec::cr3_flushes(writes[0]));
                CHECK(kernel::rec::cr3_pcid(writes[0]) == 1); // kern_pcid(asid 0) = 1
            }
        }
    }
}

SCENARIO("the exit's CR3 write flushes once a sixth mm has recycled init_mm's ASID slot",
         "[lifecycle][exit][cr3]") {
    for (const std::string policy : {"v5.10", "mainline"}) {
        GIVEN("six processes exit one after another on cpu0, under " + policy) {
            const test::Recorded run = test::run_recorded(one_after_another(6), policy);
            THEN("the first five exits find init_mm in slot 0; the sixth takes a fresh slot") {
                // Boot: ctxs[0] = init_mm, next_asid = 1. p1..p5 take slots 1..5; p6 finds
                // next_asid 6 >= TLB_NR_DYN_ASIDS and takes slot 0, evicting init_mm. Each exit
                // before that finds init_mm's ctx_id in slot 0 with its tlb_gen (init_mm's never
                // advances): NOFLUSH. p6's exit finds no slot: next_asid 1, p1's old slot, and
                // need_flush.
                for (int i = 1; i <= 6; ++i) {
                    const std::vector<Record> writes =
                        cr3_writes(exit_window(run, fmt::format("t{}", i)));
                    INFO("t" << i);
                    REQUIRE(writes.size() == 1);
                    CHECK(mm_name(run, writes[0]) == "init_mm");
                    CHECK(kernel::rec::cr3_flushes(writes[0]) == (i == 6));
                    CHECK(kernel::rec::cr3_pcid(writes[0]) == (i == 6 ? 2 : 1));
                }
            }
        }
    }
}

namespace {

/// p has two threads: a on cpu0 for a long time, b on cpu1 for a short one. b's exit is not the
/// last of p; a's is, with cpu1 idle and still lazily on p (so in mm_cpumask(p)). The idle loop
/// halts (idle = "halt"), so a call queued for cpu1 is a real IPI, not a polling idle's wakeup.
scenario::Scenario two_threads() {
    return test::load(R"(
[machine]
cpus = 2
idle = "halt"

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["user 20000"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["user 1000"]
)");
}

/// Where in `window` the first record of `kind` is; the window's size when there is none.
std::size_t first_of(const std::vector<Record>& window, RecordKind kind) {
    for (std::size_t i = 0; i < window.size(); ++i) {
        if (window[i].kind == kind) {
            return i;
        }
    }
    return window.size();
}

} // namespace

SCENARIO("a thread that is not the last writes no CR3 at its exit", "[lifecycle][exit][cr3]") {
    for (const std::string policy : {"v5.10", "mainline"}) {
        GIVEN("b exits while its sibling a still runs p, under " + policy) {
            const test::Recorded run = test::run_recorded(two_threads(), policy);
            THEN("b's mmput is not the last: no exit_mmap, cpu1 stays lazy on p, no CR3 write") {
                const std::vector<Record> window = exit_window(run, "b");
                CHECK(cr3_writes(window).empty());
                CHECK(first_of(window, RecordKind::enter_lazy) < window.size());
                CHECK(first_of(window, RecordKind::unlazy) == window.size());
            }
            THEN("a's exit is the last: its own CR3 write to init_mm") {
                const std::vector<Record> writes = cr3_writes(exit_window(run, "a"));
                REQUIRE(writes.size() == 1);
                CHECK(mm_name(run, writes[0]) == "init_mm");
            }
        }
    }
}

SCENARIO("6.18 sends exit_mmap's IPI before the exiting CPU's own CR3 write",
         "[lifecycle][exit][cr3][6.18]") {
    GIVEN("a exits last on cpu0 while cpu1 is still in mm_cpumask(p)") {
        const test::Recorded v510 = test::run_recorded(two_threads(), "v5.10");
        const test::Recorded mainline = test::run_recorded(two_threads(), "mainline");
        THEN("v5.10: flush_tlb_func_local() first, then flush_tlb_others()") {
            const std::vector<Record> window = exit_window(v510, "a");
            REQUIRE(first_of(window, RecordKind::ipi_send) < window.size());
            CHECK(first_of(window, RecordKind::cr3_write) < first_of(window, RecordKind::ipi_send));
        }
        THEN("6.18: flush_tlb_multi() with freed_tables: on_each_cpu_mask(), this CPU included") {
            // Another CPU is in the mask, so flush_tlb_mm_range() takes flush_tlb_multi() (the
            // traces' "remote IPI send" before the write, at preempt depth 2); the local
            // flush_tlb_func() finds is_lazy and switches to init_mm all the same.
            const std::vector<Record> window = exit_window(mainline, "a");
            REQUIRE(first_of(window, RecordKind::cr3_write) < window.size());
            CHECK(first_of(window, RecordKind::ipi_send) < first_of(window, RecordKind::cr3_write));
            REQUIRE(cr3_writes(window).size() == 1);
            CHECK(mm_name(mainline, cr3_writes(window)[0]) == "init_mm");
        }
    }
}
