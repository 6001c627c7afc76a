#pragma once
// Scenarios built in C++, without TOML, with named defaults (ChampSim's style): for component
// tests of the sched and membarrier layers that need the real scheduler on every CPU but want
// each case to state only what it varies.
//
//   test::ScenarioBuilder b({.cpus = 3});
//   const int p = b.process("p", {scenario::Registration::private_expedited});
//   b.thread("caller", p, 0).user(1000).membarrier(membarrier::MEMBARRIER_CMD_PRIVATE_EXPEDITED);
//   b.thread("peer", p, 1).user(100000);
//   const test::Recorded run = test::run_recorded(b.build());
//
// The loader's validation is not applied: a builder scenario must be valid by construction (the
// run's invariants still hold it to the kernel's rules).

#include "kernel/support.h"
#include "scenario_model/scenario.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace test {

/// The [machine] table; every field has the loader's default except `max_cycles`, which stops a
/// run whose threads end in a long `user` step.
struct MachineSpec {
    int cpus = 2;
    bool pcid = true;
    std::int64_t max_cycles = 200000;
    std::int64_t timeslice = 0;
};

/// Appends steps to one thread's program.
class ThreadBuilder {
public:
    explicit ThreadBuilder(scenario::Thread& t) : t_(t) {}

    ThreadBuilder& user(std::int64_t cycles) { return add(scenario::Op::user, cycles); }
    ThreadBuilder& sleep(std::int64_t cycles) { return add(scenario::Op::sleep, cycles); }
    ThreadBuilder& yield() { return add(scenario::Op::yield, 0); }
    ThreadBuilder& exit() { return add(scenario::Op::exit, 0); }
    /// membarrier(cmd, flags, cpu_id), labelled `label` so that its result can be read.
    ThreadBuilder& membarrier(std::int64_t cmd, std::int64_t flags = 0, std::int64_t cpu_id = 0,
                              std::string label = "") {
        scenario::Step& st = add_step(scenario::Op::membarrier);
        st.cmd = cmd;
        st.edit_notes().cmd_name = std::to_string(cmd);
        st.flags = flags;
        st.cpu_id = cpu_id;
        st.edit_notes().label = std::move(label);
        return *this;
    }

private:
    ThreadBuilder& add(scenario::Op op, std::int64_t n) {
        add_step(op).n = n;
        return *this;
    }
    scenario::Step& add_step(scenario::Op op) {
        scenario::Step& st = t_.program.emplace_back();
        st.op = op;
        st.source = static_cast<std::int32_t>(t_.program.size() - 1);
        return st;
    }

    scenario::Thread& t_;
};

class ScenarioBuilder {
public:
    explicit ScenarioBuilder(MachineSpec m = {}) {
        sc_.name = "builder";
        sc_.machine.cpus = m.cpus;
        sc_.machine.pcid = m.pcid;
        sc_.machine.max_cycles = m.max_cycles;
        sc_.machine.timeslice = m.timeslice;
    }

    /// A process with the registrations it holds from time 0; returns its index.
    int process(std::string name, std::vector<scenario::Registration> registrations = {}) {
        scenario::Process& p = sc_.processes.emplace_back();
        p.name = std::move(name);
        p.registrations = std::move(registrations);
        return static_cast<int>(sc_.processes.size()) - 1;
    }
    /// A thread of `process` starting on `cpu` at `start`.
    ThreadBuilder thread(std::string name, int process, int cpu, std::int64_t start = 0) {
        scenario::Thread& t = sc_.threads.emplace_back();
        t.name = std::move(name);
        t.process = process;
        t.cpu = cpu;
        t.start = start;
        return ThreadBuilder(sc_.threads.back());
    }

    const scenario::Scenario& build() const { return sc_; }

private:
    scenario::Scenario sc_;
};

/// A run and every record it left.
struct Recorded {
    run::RunResult result;
    std::vector<kernel::Record> records;

    std::vector<kernel::Record> of_kind(kernel::RecordKind kind) const {
        std::vector<kernel::Record> out;
        for (const auto& r : records) {
            if (r.kind == kind) {
                out.push_back(r);
            }
        }
        return out;
    }
};

class RecordCollector final : public kernel::RecordObserver {
public:
    explicit RecordCollector(std::vector<kernel::Record>& out) : out_(out) {}
    void on_record(const kernel::Record& r) override { out_.push_back(r); }

private:
    std::vector<kernel::Record>& out_;
};

/// Runs `sc` under `policy`, or under `knobs` when given (named `policy` in the result).
inline Recorded run_recorded(const scenario::Scenario& sc, const std::string& policy = "v5.10",
                             std::optional<policy::Knobs> knobs = std::nullopt) {
    Recorded rec;
    RecordCollector collector(rec.records);
    run::RunOptions options;
    options.observers.push_back(&collector);
    options.knobs = std::move(knobs);
    rec.result = run(sc, policy, options);
    return rec;
}

} // namespace test
