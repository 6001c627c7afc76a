#pragma once
// A component-test rig for the arch_x86 layer, without a scenario file or a scheduler: a machine
// with named defaults (ChampSim's style: `ArchRig rig({.cpus = 4, .pcid = false})`), the kernel's
// own mms, user mms and tasks made on demand, and kernel code run on a chosen CPU as a chosen
// task with IRQs off. Every record the code leaves is kept in `records`.
//
//   test::ArchRig rig;
//   kernel::Mm& a = rig.user_mm("a");
//   rig.run_on(0, rig.task("t", &a), [&](arch_x86::Machine& m) {
//       arch_x86::switch_mm_irqs_off(m, 0, nullptr, &a, nullptr);
//   });
//   CHECK(rig.count(kernel::RecordKind::cr3_write) == 1);
//
// Rules for the bodies (they run on a fiber): no Catch2 assertions inside (an exception may not
// cross a fiber stack); look at `records` and the machine after run_on returns.

#include "arch_x86/machine.h"
#include "arch_x86/tlb.h"
#include "kernel/cost_model.h"
#include "kernel/kernel_state.h"
#include "kernel/trace.h"
#include "policy/presets.h"
#include "scenario_model/scenario.h"
#include "sim/fake_model.h" // simtest::FnBody: a fiber body that runs a lambda
#include "sim/fiber.h"
#include "sim/simulation.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace test {

/// What the rig's machine is; every field has the default a scenario's [machine] has.
struct ArchRigConfig {
    int cpus = 2;
    bool pcid = true;
    bool pti = false;
    std::string policy = "v5.10";
    scenario::MemoryModel memory = scenario::MemoryModel::tso;
};

class ArchRig final : public kernel::RecordObserver {
public:
    explicit ArchRig(ArchRigConfig config = {}) : ArchRig(config, preset_knobs(config.policy)) {}
    /// A rig whose policy is `knobs` (a preset with one knob moved), not config.policy's.
    ArchRig(ArchRigConfig config, policy::Knobs knobs)
        : config_(std::move(config)), sim_(sim_config(config_.cpus)), knobs_(std::move(knobs)),
          machine_config_(machine_config(config_)),
          m(sim_, ks_, trace_, knobs_, costs_, machine_config_) {
        trace_.add_observer(this);
        build_kernel_state();
        for (int c = 0; c < config_.cpus; ++c) {
            arch_x86::initialize_tlbstate_and_flush(m, c);
        }
        trace_.start(ks_);
    }

    /// A process's mm (no registrations, no users yet).
    kernel::Mm& user_mm(const std::string& name) {
        const int process = static_cast<int>(ks_.process_mm.size());
        kernel::Mm& mm = ks_.new_mm(name, kernel::MmKind::user, process);
        ks_.process_mm.push_back(&mm);
        return mm;
    }
    /// A task of `mm` (a kernel thread when `mm` is null).
    kernel::Task& task(const std::string& name, kernel::Mm* mm) {
        kernel::Task& t = ks_.new_task(name, /*kthread=*/mm == nullptr);
        t.mm = mm;
        t.active_mm = mm != nullptr ? mm : ks_.init_mm;
        t.process_mm = mm;
        return t;
    }
    kernel::Mm& init_mm() { return *ks_.init_mm; }

    /// Runs `body` on `cpu` with `current` as its current task and IRQs off (as the scheduler
    /// calls switch_mm_irqs_off), until it returns.
    void run_on(int cpu, kernel::Task& current, std::function<void(arch_x86::Machine&)> body) {
        m.cpu(cpu).current = &current;
        current.cpu = cpu;
        body_ = std::move(body);
        simtest::FnBody fn([this, cpu] {
            m.local_irq_disable(cpu);
            body_(m);
            m.local_irq_enable(cpu);
        });
        sim::Fiber fiber(sim_.fiber_pool(), fn);
        sim_.cpu(cpu).start(&fiber, sim_.now());
        sim_.run();
        REQUIRE(fiber.finished());
    }

    /// Records of `kind`, in order.
    std::vector<kernel::Record> of_kind(kernel::RecordKind kind) const {
        std::vector<kernel::Record> out;
        std::copy_if(records.begin(), records.end(), std::back_inserter(out),
                     [kind](const kernel::Record& r) { return r.kind == kind; });
        return out;
    }
    std::size_t count(kernel::RecordKind kind) const { return of_kind(kind).size(); }
    /// Forgets the records so far (after setting a state up).
    void clear() { records.clear(); }

    void on_record(const kernel::Record& r) override { records.push_back(r); }

    std::vector<kernel::Record> records;

private:
    static sim::SimConfig sim_config(int cpus) {
        sim::SimConfig c;
        c.cpus = cpus;
        return c;
    }
    static policy::Knobs preset_knobs(const std::string& name) {
        const policy::Preset* p = policy::find_preset(name);
        REQUIRE(p != nullptr);
        return p->knobs;
    }
    static scenario::Machine machine_config(const ArchRigConfig& c) {
        scenario::Machine mc;
        mc.cpus = c.cpus;
        mc.pcid = c.pcid;
        mc.pti = c.pti;
        mc.memory = c.memory;
        return mc;
    }
    /// What sched::set_up_scenario builds before any process: runqueues, the kernel's mms, and
    /// an idle task per CPU.
    void build_kernel_state() {
        ks_.rqs.resize(static_cast<std::size_t>(config_.cpus));
        for (int c = 0; c < config_.cpus; ++c) {
            ks_.rqs[static_cast<std::size_t>(c)].cpu = c;
        }
        ks_.init_mm = &ks_.new_mm("init_mm", kernel::MmKind::init_mm, -1);
        ks_.efi_mm = &ks_.new_mm("efi_mm", kernel::MmKind::efi_mm, -1);
        ks_.poking_mm = &ks_.new_mm("poking_mm", kernel::MmKind::poking_mm, -1);
    }

    ArchRigConfig config_;
    sim::Simulation sim_; // declared first among the run's objects: outlives every fiber
    kernel::KernelState ks_;
    kernel::Trace trace_;
    kernel::CostModel costs_;
    policy::Knobs knobs_;
    scenario::Machine machine_config_;
    std::function<void(arch_x86::Machine&)> body_;

public:
    arch_x86::Machine m;
};

} // namespace test
