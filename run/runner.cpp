#include "run/runner.h"

#include "arch_x86/machine.h"
#include "check/counter_catalog.h"
#include "check/counting_observer.h"
#include "check/guarantee_checker.h"
#include "kernel/cost_model.h"
#include "kernel/kernel_state.h"
#include "membarrier/membarrier.h"
#include "policy/presets.h"
#include "sched/scheduler.h"
#include "sim/panic.h"
#include "sim/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace run {

using kernel::Mm;
using kernel::Task;
using kernel::TaskState;

std::optional<policy::Knobs> resolve_policy(const scenario::Scenario& sc, const std::string& name) {
    if (const auto* p = policy::find_preset(name)) {
        return p->knobs;
    }
    for (const auto& def : sc.policy_defs) {
        if (def.name != name) {
            continue;
        }
        auto knobs = resolve_policy(sc, def.base);
        if (!knobs) {
            return std::nullopt;
        }
        for (const auto& [knob, value] : def.knobs) {
            policy::KnobSetting setting;
            setting.name = knob;
            setting.kind = static_cast<policy::KnobSetting::Kind>(value.kind);
            setting.b = value.b;
            setting.i = value.i;
            setting.s = value.s;
            policy::apply_knob(*knobs, setting);
        }
        return knobs;
    }
    return std::nullopt;
}

namespace {

std::uint32_t registration_bits(scenario::Registration r) {
    using namespace kernel;
    switch (r) {
    case scenario::Registration::private_expedited:
        return MEMBARRIER_STATE_PRIVATE_EXPEDITED_READY | MEMBARRIER_STATE_PRIVATE_EXPEDITED;
    case scenario::Registration::private_expedited_sync_core:
        return MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE_READY |
               MEMBARRIER_STATE_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_STATE_PRIVATE_EXPEDITED;
    case scenario::Registration::private_expedited_rseq:
        return MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ_READY |
               MEMBARRIER_STATE_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_STATE_PRIVATE_EXPEDITED;
    case scenario::Registration::global_expedited:
        return MEMBARRIER_STATE_GLOBAL_EXPEDITED_READY | MEMBARRIER_STATE_GLOBAL_EXPEDITED;
    }
    return 0;
}

/// Everything one run owns, in construction order.
struct World {
    explicit World(const sim::SimConfig& cfg) : sim(cfg) {}
    sim::Simulation sim;
    kernel::KernelState ks;
    kernel::Trace trace;
    kernel::CostModel costs;
    std::vector<std::vector<scenario::Step>> synthesized_programs;
};

void build_kernel_state(World& w, const scenario::Scenario& sc) {
    kernel::KernelState& ks = w.ks;
    const int cpus = sc.machine.cpus;
    ks.rqs.resize(static_cast<std::size_t>(cpus));
    for (int c = 0; c < cpus; ++c) {
        ks.rqs[static_cast<std::size_t>(c)].cpu = c;
        ks.rqs[static_cast<std::size_t>(c)].online =
            std::find(sc.machine.offline.begin(), sc.machine.offline.end(), c) ==
            sc.machine.offline.end();
    }
    ks.init_mm = &ks.new_mm("init_mm", kernel::MmKind::init_mm, -1);
    ks.efi_mm = &ks.new_mm("efi_mm", kernel::MmKind::efi_mm, -1);
    ks.poking_mm = &ks.new_mm("poking_mm", kernel::MmKind::poking_mm, -1);
    for (std::size_t p = 0; p < sc.processes.size(); ++p) {
        Mm& mm = ks.new_mm(sc.processes[p].name, kernel::MmKind::user, static_cast<int>(p));
        mm.mm_users = 0; // counted per live thread below
        for (auto r : sc.processes[p].registrations) {
            mm.membarrier_state |= registration_bits(r);
        }
        ks.process_mm.push_back(&mm);
    }
    for (const auto& e : sc.events) {
        ks.events.push_back({e, false, {}});
    }
    for (int c = 0; c < cpus; ++c) {
        Task& idle = ks.new_task(fmt::format("swapper/{}", c), /*kthread=*/true);
        idle.idle = true;
        idle.cpu = c;
        ks.rqs[static_cast<std::size_t>(c)].idle = &idle;
    }
}

Task& add_thread(World& w, const std::string& name, bool kthread, Mm* mm, int cpu,
                 std::int64_t start, const std::vector<scenario::Step>& program, int thread) {
    Task& t = w.ks.new_task(name, kthread);
    t.thread = thread;
    t.cpu = cpu;
    t.mm = mm;
    t.active_mm = mm;
    t.process_mm = mm;
    t.program.push_back({&program, 0, 1});
    ++w.ks.live_tasks;
    if (start == 0) {
        t.state = TaskState::running;
        t.on_rq = true;
        w.ks.rqs[static_cast<std::size_t>(cpu)].runnable.push_back(&t);
        if (mm != nullptr) {
            ++mm->mm_users;
        }
    } else {
        // Created at `start` by a timer interrupt on its CPU.
        w.sim.arm_timer(cpu, sim::Cycles{start}, arch_x86::HRTIMER_VECTOR,
                        sched::timer_data(sched::TimerKind::task_creation, t.id));
    }
    return t;
}

std::string deadlock_message(const World& w) {
    std::string names;
    for (const auto& t : w.ks.tasks) {
        if (t->state == TaskState::interruptible || t->state == TaskState::running) {
            if (t->idle) {
                continue;
            }
            const std::string where = t->current_step != nullptr ? t->current_step->path : "start";
            names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", t->name, where);
        }
    }
    return "deadlock: blocked with nothing left that could wake them: " + names;
}

/// G-REF at the end: every remaining mm_count reference is held by the mm's users (one for all
/// of them) or by a task borrowing it as active_mm (kernel threads, idle tasks, a task that
/// exited its mm).
void check_references_at_end(const World& w, check::GuaranteeChecker& checker) {
    for (const auto& mm : w.ks.mms) {
        if (mm->kind != kernel::MmKind::user || mm->freed) {
            continue;
        }
        std::int64_t holders = mm->mm_users > 0 ? 1 : 0;
        for (const auto& t : w.ks.tasks) {
            holders += t->active_mm == mm.get() && (t->kthread || t->mm == nullptr) ? 1 : 0;
        }
        if (holders != mm->mm_count) {
            checker.report_reference_leak(mm->id, mm->mm_count, holders);
        }
    }
}

/// Why a run that did not fail internally stopped early, or "" when it completed.
std::string stop_reason(World& w, const sched::Scheduler& scheduler, sim::RunStatus status) {
    if (!scheduler.run_error.empty()) {
        return scheduler.run_error;
    }
    if (status == sim::RunStatus::out_of_events) {
        return deadlock_message(w);
    }
    if (status == sim::RunStatus::no_progress) {
        return "no progress: the watchdog stopped the run\n" + w.sim.dump_state();
    }
    return "";
}

/// The checker's verdicts and warnings into the counters and the result.
void collect_verdicts(World& w, const check::Counters& ids, const check::GuaranteeChecker& checker,
                      int cpus, RunResult& result) {
    for (const auto& p : check::properties) {
        std::int64_t total = 0;
        for (int c = 0; c < cpus; ++c) {
            const std::int64_t n = checker.count(p.id, c);
            w.sim.counters().add(ids.violation[p.id], c, n);
            total += n;
        }
        if (total > 0) {
            result.violations.emplace_back(p.name);
        }
    }
    for (const auto& k : check::mechanism_rules) {
        for (int c = 0; c < cpus; ++c) {
            w.sim.counters().add(ids.warning[k.id], c, checker.warning_count(k.id, c));
        }
    }
    result.violation_reports = checker.violations();
    result.warnings = checker.warnings();
    result.warning_count = checker.warning_count();
}

/// Runs the simulation. An internal error (our bug) ends it early: what was counted so far is
/// kept and the error is reported in the result.
sim::RunStatus run_simulation(World& w, RunResult& result) {
    try {
        return w.ks.live_tasks == 0 ? sim::RunStatus::finished : w.sim.run();
    } catch (const sim::InternalError& e) {
        result.internal_error = e.headline() + (e.dump().empty() ? "" : "\n" + e.dump());
        return sim::RunStatus::max_cycles;
    }
}

void add_injected(World& w, const scenario::Scenario& sc) {
    w.synthesized_programs.reserve(sc.injects.size());
    for (std::size_t i = 0; i < sc.injects.size(); ++i) {
        const auto& inj = sc.injects[i];
        if (inj.event == scenario::InjectEvent::interrupt) {
            w.sim.send_interrupt(inj.cpu, -1, sim::Cycles{inj.at}, arch_x86::DEVICE_VECTOR, 0);
            continue;
        }
        // A short-lived kernel thread created by a timer interrupt, like kswapd's reclaim flush.
        scenario::Step st;
        st.op = scenario::Op::flush_tlb;
        st.process = inj.process;
        st.pages = inj.pages;
        st.freed_tables = inj.freed_tables;
        st.path = inj.path;
        st.loc = inj.loc;
        w.synthesized_programs.push_back({st});
        add_thread(w, fmt::format("kflush/{}", i), /*kthread=*/true, nullptr, inj.cpu,
                   std::max<std::int64_t>(inj.at, 1), w.synthesized_programs.back(), -1);
    }
}

void run_world(World& w, const scenario::Scenario& sc, const policy::Knobs& knobs,
               const RunOptions& options, RunResult& result) {
    w.costs.override_costs(sc.machine.costs);
    const check::Counters ids = check::declare_counters(w.sim.counters());
    w.sim.counters().reset(sc.machine.cpus);
    check::CountingObserver counting(w.sim.counters(), ids, sc.machine.cpus);
    w.trace.add_observer(&counting);
    check::GuaranteeChecker checker(sc.machine.cpus);
    checker.set_rq_membarrier_state(knobs.membarrier_rq_state);
    w.trace.add_observer(&checker);
    for (auto* o : options.observers) {
        w.trace.add_observer(o);
    }

    build_kernel_state(w, sc);
    for (std::size_t i = 0; i < sc.threads.size(); ++i) {
        const auto& th = sc.threads[i];
        Mm* mm = th.kthread ? nullptr : w.ks.process_mm[static_cast<std::size_t>(th.process)];
        add_thread(w, th.name, th.kthread, mm, th.cpu, th.start, th.program, static_cast<int>(i));
    }
    add_injected(w, sc);

    arch_x86::Machine machine(w.sim, w.ks, w.trace, knobs, w.costs, sc.machine);
    machine.set_state_dumper_into_sim();
    sched::Scheduler scheduler(machine);
    membarrier::Membarrier mb(scheduler);
    w.trace.start(w.ks);
    scheduler.boot();

    const sim::RunStatus status = run_simulation(w, result);
    if (result.internal_error.empty()) {
        result.error = stop_reason(w, scheduler, status);
        result.reached_max_cycles = status == sim::RunStatus::max_cycles;
        if (status == sim::RunStatus::finished) {
            check_references_at_end(w, checker);
        }
    }
    collect_verdicts(w, ids, checker, sc.machine.cpus, result);
    result.counters = w.sim.counters();
    result.results = scheduler.label_results;
    result.step_expect_failures = scheduler.step_expect_failures;
}

} // namespace

RunResult run_scenario(const scenario::Scenario& sc, const std::string& policy_name,
                       const RunOptions& options) {
    const auto wall_start = std::chrono::steady_clock::now();
    RunResult result;
    result.scenario = sc.name;
    result.policy = policy_name;
    result.seed = options.seed.value_or(sc.machine.seed);
    result.jitter = options.jitter.value_or(sc.machine.jitter);
    const auto knobs = options.knobs ? options.knobs : resolve_policy(sc, policy_name);
    SIM_ASSERT(knobs.has_value(), "policy {} was not validated", policy_name);

    sim::SimConfig cfg;
    cfg.cpus = sc.machine.cpus;
    cfg.seed = result.seed;
    cfg.jitter_percent = result.jitter;
    if (sc.machine.max_cycles) {
        cfg.max_cycles = sim::Cycles{*sc.machine.max_cycles};
    }
    World w(cfg);
    try {
        run_world(w, sc, *knobs, options, result);
    } catch (const sim::InternalError& e) {
        // Building the machine failed (a panic on the hub's stack, before any fiber ran).
        result.internal_error = e.headline() + (e.dump().empty() ? "" : "\n" + e.dump());
    }
    result.cycles = w.sim.now().count();
    result.events = w.sim.events_processed();
    for (const auto& t : w.ks.tasks) {
        result.task_names.push_back(t->name);
    }
    for (const auto& mm : w.ks.mms) {
        result.mm_names.push_back(mm->name);
    }
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return result;
}

} // namespace run
