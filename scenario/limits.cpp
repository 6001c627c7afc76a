#include "scenario/limits.h"

#include "scenario/loader.h"

#include <fmt/format.h>

#include <algorithm>

namespace scenario::limits {

namespace {

/// a + b and a * b, saturating at `cap` (every operand is non-negative).
std::int64_t add_capped(std::int64_t a, std::int64_t b, std::int64_t cap) {
    return a > cap - b ? cap : a + b;
}
std::int64_t mul_capped(std::int64_t a, std::int64_t b, std::int64_t cap) {
    return b != 0 && a > cap / b ? cap : a * b;
}

/// Steps `program` executes after repeat expansion, saturating just above `cap`.
std::int64_t expanded_steps(const std::vector<Step>& program, std::int64_t cap) {
    std::int64_t n = 0;
    for (const Step& st : program) {
        const std::int64_t one =
            st.op == Op::repeat ? mul_capped(expanded_steps(st.body, cap), st.n, cap + 1) : 1;
        n = add_capped(n, one, cap + 1);
    }
    return n;
}

/// Cycles the program's own steps ask for (user, syscall, sleep, work), after expansion.
std::int64_t expanded_cycles(const std::vector<Step>& program, std::int64_t cap) {
    std::int64_t n = 0;
    for (const Step& st : program) {
        std::int64_t one = 0;
        switch (st.op) {
        case Op::user:
        case Op::syscall:
        case Op::page_fault:
        case Op::sleep:
        case Op::work:
            one = st.n;
            break;
        case Op::repeat:
            one = mul_capped(expanded_cycles(st.body, cap), st.n, cap + 1);
            break;
        // The steps that ask for no time of their own. Every Op is listed (no default), so that
        // a step added to the enum must say whether it does.
        case Op::wait:
        case Op::signal:
        case Op::yield:
        case Op::migrate:
        case Op::membarrier:
        case Op::flush_tlb:
        case Op::exec:
        case Op::exit:
        case Op::use_mm:
        case Op::unuse_mm:
        case Op::text_poke:
        case Op::efi_call:
        case Op::store: // one user instruction each: the cost model's time
        case Op::load:
        case Op::fence:
        case Op::lock_rmw:
        case Op::xchg:
        case Op::cmpxchg:
            break;
        }
        n = add_capped(n, one, cap + 1);
    }
    return n;
}

[[noreturn]] void fail(const Scenario& sc, SourceLoc loc, const std::string& what) {
    throw ScenarioError(fmt::format("{}:{}:{}: {}", sc.file, loc.line, loc.column, what));
}

} // namespace

std::int64_t estimated_memory(const Scenario& sc) {
    const auto tasks = static_cast<std::int64_t>(sc.threads.size() + sc.injects.size()) +
                       sc.machine.cpus; // every CPU has its idle task
    return tasks * bytes_per_task + std::int64_t{sc.machine.cpus} * bytes_per_cpu;
}

/// With max_cycles, a CPU executes at most one step per cycle before the run stops, so the run
/// executes at most cpus x max_cycles steps, and one thread at most max_cycles.
std::int64_t step_bound(const Scenario& sc, std::int64_t expanded_total) {
    if (!sc.machine.max_cycles) {
        return expanded_total;
    }
    return std::min(expanded_total, mul_capped(sc.machine.cpus, *sc.machine.max_cycles, steps + 1));
}

void check_thread_time(const Scenario& sc, std::size_t i) {
    const Thread& th = sc.threads[i];
    const std::int64_t time = add_capped(th.start, expanded_cycles(th.program, cycles), cycles + 1);
    if (time > cycles && !sc.machine.max_cycles) {
        fail(sc, th.loc,
             fmt::format("{}[{}] ({}): its program spans more than 2^50 cycles after repeat "
                         "expansion (set max_cycles for a workload meant to outlast the run; "
                         "docs/limits.md)",
                         th.kthread ? "kthread" : "thread", i, th.name));
    }
}

void check_limits(const Scenario& sc) {
    // A thread executes at most one step per cycle until max_cycles; the cap stays above the
    // limit so that one thread alone can exceed it.
    const std::int64_t per_thread_cap =
        sc.machine.max_cycles ? std::min(steps + 1, *sc.machine.max_cycles) : steps + 1;
    std::int64_t total = 0;
    std::size_t crossing = sc.threads.size();
    for (std::size_t i = 0; i < sc.threads.size(); ++i) {
        check_thread_time(sc, i);
        const std::int64_t n =
            std::min(expanded_steps(sc.threads[i].program, steps), per_thread_cap);
        total = add_capped(total, n, steps + 1);
        if (total > steps && crossing == sc.threads.size()) {
            crossing = i;
        }
    }
    if (step_bound(sc, total) > steps) {
        const Thread& th = sc.threads[crossing];
        fail(sc, th.loc,
             fmt::format("{} ({}): with it the scenario's programs execute more than {} steps "
                         "after repeat expansion (docs/limits.md)",
                         th.name, th.kthread ? "kthread" : "thread", steps));
    }
    if (const std::int64_t bytes = estimated_memory(sc); bytes > memory_bytes) {
        fail(sc, sc.machine.loc,
             fmt::format("machine: {} CPUs and {} threads need about {} MiB of host memory; the "
                         "limit is {} MiB (docs/limits.md)",
                         sc.machine.cpus, sc.threads.size(), bytes >> 20, memory_bytes >> 20));
    }
}

} // namespace scenario::limits
