#include "run/runner.h"

#include "arch_x86/machine.h"
#include "arch_x86/user_memory.h"
#include "check/run_checks.h"
#include "kernel/cost_model.h"
#include "kernel/kernel_state.h"
#include "membarrier/membarrier.h"
#include "policy/presets.h"
#include "sched/directed.h"
#include "sched/scenario_setup.h"
#include "sched/scheduler.h"
#include "sim/panic.h"
#include "sim/simulation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace run {

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

/// Everything one run owns, in construction order.
struct World {
    explicit World(const sim::SimConfig& cfg) : sim(cfg) {}
    /// A run that stopped early (max_cycles, a panic, a task that died in place) leaves kernel
    /// stacks suspended mid-path: unwind them while the tasks their frames name still exist.
    ~World() { sim.fiber_pool().unwind_suspended(); }
    World(const World&) = delete;
    World& operator=(const World&) = delete;
    sim::Simulation sim;
    kernel::KernelState ks;
    kernel::Trace trace;
    kernel::CostModel costs;
    sched::SynthesizedPrograms synthesized_programs;
};

/// The run's identity: what it runs and with which seed and jitter.
RunResult describe_run(const scenario::Scenario& sc, const std::string& policy_name,
                       const RunOptions& options) {
    RunResult result;
    result.scenario = sc.name;
    result.policy = policy_name;
    result.seed = options.seed.value_or(sc.machine.seed);
    result.jitter = options.jitter.value_or(sc.machine.jitter);
    result.delays = options.delays.value_or(sc.machine.delays);
    return result;
}

sim::SimConfig sim_config(const scenario::Scenario& sc, const RunResult& result) {
    sim::SimConfig cfg;
    cfg.cpus = sc.machine.cpus;
    cfg.seed = result.seed;
    cfg.jitter_percent = result.jitter;
    for (const scenario::Delay& d : result.delays) {
        cfg.delays.push_back({d.cpu, sim::Cycles{d.at}, sim::Cycles{d.extra}});
    }
    if (sc.machine.max_cycles) {
        cfg.max_cycles = sim::Cycles{*sc.machine.max_cycles};
    }
    return cfg;
}

std::string deadlock_message(const World& w) {
    std::string names;
    for (const auto& t : w.ks.tasks) {
        if (t->state == TaskState::interruptible || t->state == TaskState::running) {
            if (t->idle) {
                continue;
            }
            const std::string where = t->current_step != nullptr
                                          ? sched::step_path_of(w.ks, *t, *t->current_step)
                                          : "start";
            names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", t->name, where);
        }
    }
    return "deadlock: blocked with nothing left that could wake them: " + names;
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

std::string internal_error_text(const sim::InternalError& e) {
    return e.headline() + (e.dump().empty() ? "" : "\n" + e.dump());
}

/// Runs the simulation. An internal error (our bug) ends it early: what was counted so far is
/// kept and the error is reported in the result.
sim::RunStatus run_simulation(World& w, RunResult& result) {
    try {
        return w.ks.live_tasks == 0 ? sim::RunStatus::finished : w.sim.run();
    } catch (const sim::InternalError& e) {
        result.internal_error = internal_error_text(e);
        return sim::RunStatus::max_cycles;
    }
}

/// How the run ended, the checker's verdicts and the scheduler's results, into `result`.
void collect(World& w, check::RunChecks& checks, const sched::Scheduler& scheduler,
             sim::RunStatus status, RunResult& result) {
    if (result.internal_error.empty()) {
        result.error = stop_reason(w, scheduler, status);
        result.reached_max_cycles = status == sim::RunStatus::max_cycles;
        // A replay that ends with its recording, tasks still alive, has no final state to check.
        const bool cut_by_recording = scheduler.directed != nullptr && w.ks.live_tasks > 0;
        if (status == sim::RunStatus::finished && !cut_by_recording) {
            w.trace.finish(w.ks);
        }
    }
    checks.fold_verdicts();
    result.violations = checks.violated_properties();
    result.violation_reports = checks.checker().violations();
    result.warnings = checks.checker().warnings();
    result.warning_count = checks.checker().warning_count();
    result.obligations = checks.take_obligations();
    result.counters = w.sim.counters();
    result.results = scheduler.label_results;
    result.step_expect_failures = scheduler.step_expect_failures;
}

/// The user memory and registers the run ended with (docs/memory-model.md).
void collect_user_state(const scenario::Scenario& sc, const arch_x86::Machine& machine,
                        const sched::Scheduler& scheduler, RunResult& result) {
    UserState& u = result.user;
    u.memory = arch_x86::final_memory(machine);
    u.registers = scheduler.registers;
    u.registers.resize(sc.threads.size());
    for (std::size_t t = 0; t < sc.threads.size(); ++t) {
        u.registers[t].resize(sc.threads[t].registers.size());
    }
}

/// Builds the machine of `sc` under `knobs` in `w`, runs it and collects what it did.
void run_world(World& w, const scenario::Scenario& sc, const policy::Knobs& knobs,
               const RunOptions& options, RunResult& result) {
    w.costs.override_costs(sc.machine.costs);
    check::RunChecks checks(w.sim.counters(), {.cpus = sc.machine.cpus,
                                               .rq_membarrier_state = knobs.membarrier_rq_state,
                                               .pti = sc.machine.pti});
    checks.attach(w.trace);
    for (auto* o : options.observers) {
        w.trace.add_observer(o);
    }
    sched::set_up_scenario(w.sim, w.ks, sc, w.synthesized_programs);

    arch_x86::Machine machine(w.sim, w.ks, w.trace, knobs, w.costs, sc.machine);
    machine.set_state_dumper_into_sim();
    std::optional<arch_x86::MemorySearch> search;
    if (options.memory_chooser != nullptr) {
        search.emplace(*options.memory_chooser, sc.threads, options.search_reduction);
        machine.search = &*search;
    }
    sched::Scheduler scheduler(machine);
    membarrier::Membarrier mb(scheduler);
    // A replay's recorded schedule replaces the FIFO policy's choices (sched/directed.h).
    std::unique_ptr<sched::DirectedSchedule> directed;
    if (!sc.directed_schedule.empty()) {
        directed = std::make_unique<sched::DirectedSchedule>(w.ks, sc);
        scheduler.directed = directed.get();
    }
    w.trace.start(w.ks);
    scheduler.boot();
    sched::preload_asid_slots(machine, sc);
    if (directed) {
        directed->start(scheduler);
    }

    const sim::RunStatus status = run_simulation(w, result);
    collect(w, checks, scheduler, status, result);
    collect_user_state(sc, machine, scheduler, result);
    if (search) {
        result.final_memories = arch_x86::all_final_memories(machine);
        result.search_repeats = search->repeats;
    }
}

/// What the machine ended with: time, events, and the names reports refer to by id.
void collect_end_state(const World& w, RunResult& result) {
    result.cycles = w.sim.now().count();
    result.events = w.sim.events_processed();
    for (const auto& t : w.ks.tasks) {
        result.task_names.push_back(t->name);
    }
    for (const auto& mm : w.ks.mms) {
        result.mm_names.push_back(mm->name);
    }
}

} // namespace

RunResult run_scenario(const scenario::Scenario& sc, const std::string& policy_name,
                       const RunOptions& options) {
    const auto wall_start = std::chrono::steady_clock::now();
    RunResult result = describe_run(sc, policy_name, options);
    const auto knobs = options.knobs ? options.knobs : resolve_policy(sc, policy_name);
    SIM_ASSERT(knobs.has_value(), "policy {} was not validated", policy_name);

    World w(sim_config(sc, result));
    try {
        run_world(w, sc, *knobs, options, result);
    } catch (const sim::InternalError& e) {
        // Building the machine failed (a panic on the hub's stack, before any fiber ran).
        result.internal_error = internal_error_text(e);
    }
    collect_end_state(w, result);
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return result;
}

} // namespace run
