#include "sched/scenario_setup.h"

#include "arch_x86/tlb.h"
#include "arch_x86/x86_cpu.h"
#include "sched/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>

namespace sched {

std::string idle_task_name(int cpu) {
    return fmt::format("swapper/{}", cpu);
}

std::string injected_flush_task_name(std::size_t index) {
    return fmt::format("kflush/{}", index);
}

std::vector<std::string> task_names(const scenario::Scenario& sc) {
    std::vector<std::string> names;
    for (int c = 0; c < sc.machine.cpus; ++c) {
        names.push_back(idle_task_name(c));
    }
    for (const auto& t : sc.threads) {
        names.push_back(t.name);
    }
    for (std::size_t i = 0; i < sc.injects.size(); ++i) {
        if (sc.injects[i].event == scenario::InjectEvent::flush_tlb) {
            names.push_back(injected_flush_task_name(i));
        }
    }
    return names;
}

using kernel::Mm;
using kernel::Task;
using kernel::TaskState;

namespace {

/// The mm->membarrier_state bits a process has at time 0 from its `register` list, as the
/// MEMBARRIER_CMD_REGISTER_* commands leave them (kernel/sched/membarrier.c).
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

void build_runqueues(kernel::KernelState& ks, const scenario::Machine& machine) {
    ks.rqs.resize(static_cast<std::size_t>(machine.cpus));
    for (int c = 0; c < machine.cpus; ++c) {
        ks.rqs[static_cast<std::size_t>(c)].cpu = c;
        ks.rqs[static_cast<std::size_t>(c)].online =
            std::find(machine.offline.begin(), machine.offline.end(), c) == machine.offline.end();
    }
}

void build_mms(kernel::KernelState& ks, const scenario::Scenario& sc) {
    ks.init_mm = &ks.new_mm("init_mm", kernel::MmKind::init_mm, -1);
    ks.efi_mm = &ks.new_mm("efi_mm", kernel::MmKind::efi_mm, -1);
    ks.poking_mm = &ks.new_mm("poking_mm", kernel::MmKind::poking_mm, -1);
    for (std::size_t p = 0; p < sc.processes.size(); ++p) {
        Mm& mm = ks.new_mm(sc.processes[p].name, kernel::MmKind::user, static_cast<int>(p));
        mm.mm_users = 0; // counted per live thread (add_task)
        for (auto r : sc.processes[p].registrations) {
            mm.membarrier_state |= registration_bits(r);
        }
        ks.process_mm.push_back(&mm);
    }
}

void build_idle_tasks(kernel::KernelState& ks, int cpus) {
    for (int c = 0; c < cpus; ++c) {
        Task& idle = ks.new_task(idle_task_name(c), /*kthread=*/true);
        idle.idle = true;
        idle.cpu = c;
        ks.rqs[static_cast<std::size_t>(c)].idle = &idle;
    }
}

/// What a scenario task starts with.
struct TaskSpec {
    std::string name;
    bool kthread = false;
    Mm* mm = nullptr;
    int cpu = 0;
    std::int64_t start = 0;
    const std::vector<scenario::Step>* program = nullptr;
    int thread = -1; ///< index into Scenario::threads, -1 for a synthesized task
    int exec_process = -1;
};

void add_task(sim::Simulation& sim, kernel::KernelState& ks, const TaskSpec& spec) {
    Task& t = ks.new_task(spec.name, spec.kthread);
    t.thread = spec.thread;
    t.exec_process = spec.exec_process;
    t.cpu = spec.cpu;
    t.mm = spec.mm;
    t.active_mm = spec.mm;
    t.process_mm = spec.mm;
    t.program.push_back({spec.program, 0, 1});
    ++ks.live_tasks;
    if (spec.start == 0) {
        t.state = TaskState::running;
        t.on_rq = true;
        ks.rqs[static_cast<std::size_t>(spec.cpu)].runnable.push_back(&t);
        if (spec.mm != nullptr) {
            ++spec.mm->mm_users;
        }
    } else {
        // Created at `start` by a timer interrupt on its CPU.
        sim.arm_timer(spec.cpu, sim::Cycles{spec.start}, arch_x86::HRTIMER_VECTOR,
                      timer_data(TimerKind::task_creation, t.id));
    }
}

void add_threads(sim::Simulation& sim, kernel::KernelState& ks, const scenario::Scenario& sc) {
    for (std::size_t i = 0; i < sc.threads.size(); ++i) {
        const auto& th = sc.threads[i];
        Mm* mm = th.kthread ? nullptr : ks.process_mm[static_cast<std::size_t>(th.process)];
        add_task(sim, ks,
                 {th.name, th.kthread, mm, th.cpu, th.start, &th.program, static_cast<int>(i),
                  th.exec_process});
    }
}

} // namespace

void spawn_injected_flush(sim::Simulation& sim, kernel::KernelState& ks,
                          const scenario::Inject& inj, std::size_t index,
                          SynthesizedPrograms& programs) {
    scenario::Step st;
    st.op = scenario::Op::flush_tlb;
    st.process = inj.process;
    st.pages = inj.pages;
    st.freed_tables = inj.freed_tables;
    st.source = static_cast<std::int32_t>(index); // named "inject[N]" (step_path_of)
    st.loc = inj.loc;
    programs.push_back({st});
    add_task(sim, ks,
             {injected_flush_task_name(index), /*kthread=*/true, nullptr, inj.cpu,
              std::max<std::int64_t>(inj.at, 1), &programs.back(), -1});
}

void raise_injected_interrupt(sim::Simulation& sim, const scenario::Inject& inj) {
    sim.send_interrupt({.target = sim::CpuId{inj.cpu},
                        .at = sim::Cycles{inj.at},
                        .vector = arch_x86::DEVICE_VECTOR});
}

void set_up_scenario(sim::Simulation& sim, kernel::KernelState& ks, const scenario::Scenario& sc,
                     SynthesizedPrograms& programs) {
    ks.scenario = &sc;
    build_runqueues(ks, sc.machine);
    build_mms(ks, sc);
    for (const auto& e : sc.events) {
        ks.events.push_back({e, false, {}});
    }
    for (const auto& v : sc.variables) {
        ks.user_vars.push_back({v.name, v.initial});
    }
    build_idle_tasks(ks, sc.machine.cpus);
    add_threads(sim, ks, sc);
    for (std::size_t i = 0; i < sc.injects.size(); ++i) {
        if (sc.injects[i].event == scenario::InjectEvent::interrupt) {
            raise_injected_interrupt(sim, sc.injects[i]);
        } else {
            spawn_injected_flush(sim, ks, sc.injects[i], i, programs);
        }
    }
}

std::string step_path_of(const kernel::KernelState& ks, const kernel::Task& t,
                         const scenario::Step& st) {
    if (ks.scenario != nullptr && t.thread >= 0) {
        return scenario::step_path(*ks.scenario, t.thread, st);
    }
    return st.source >= 0 ? fmt::format("inject[{}]", st.source) : t.name;
}

void preload_asid_slots(arch_x86::Machine& m, const scenario::Scenario& sc) {
    for (std::size_t c = 0; c < sc.machine.next_asid.size(); ++c) {
        arch_x86::preload_next_asid(m, static_cast<int>(c),
                                    static_cast<std::uint16_t>(sc.machine.next_asid[c]));
    }
    for (std::size_t p = 0; p < sc.processes.size(); ++p) {
        const std::vector<int>& slots = sc.processes[p].asid_slots;
        for (std::size_t c = 0; c < slots.size(); ++c) {
            if (slots[c] != 0) {
                arch_x86::preload_asid_slot(m, static_cast<int>(c),
                                            static_cast<std::uint16_t>(slots[c]),
                                            *m.ks.process_mm[p]);
            }
        }
    }
}

} // namespace sched
