// Tests of the strict scenario loader on scenarios it accepts (docs/scenario-keys.md,
// docs/steps.md, docs/scenario-loader.md); the errors are in loader_errors_test.cpp.

#include "scenario/limits.h"
#include "scenario/loader.h"
#include "scenario/loader_support.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace scenario;
using namespace loader_test;

// ---------------------------------------------------------------------------------------------
// Accepted scenarios

SCENARIO("the example of docs/scenario-format.md loads") {
    const Scenario s = load(kExample);
    CHECK(s.file == "seed.toml");
    CHECK(s.name == "unlazy-via-shootdown");
    CHECK(s.description.rfind("A CPU running a SYNC_CORE-registered thread", 0) == 0);
    CHECK(s.policies == std::vector<std::string>{"v5.10", "rfc-v2", "rfc-v2-intended"});
    CHECK(s.machine.cpus == 2);
    REQUIRE(s.processes.size() == 1);
    CHECK(s.processes[0].name == "jit");
    CHECK(s.processes[0].registrations ==
          std::vector<Registration>{Registration::private_expedited_sync_core});
    CHECK(s.processes[0].loc.line == 10);
    REQUIRE(s.threads.size() == 2);
    const Thread& a = s.threads[0];
    CHECK(a.name == "a");
    CHECK(!a.kthread);
    CHECK(a.process == 0);
    CHECK(a.cpu == 0);
    CHECK(a.loc.line == 14);
    REQUIRE(a.program.size() == 3);
    CHECK(a.program[0].op == Op::user);
    CHECK(a.program[0].n == 1000);
    CHECK(scenario::step_path(s, 0, a.program[0]) == "thread[0].program[0]");
    CHECK(a.program[0].loc.line == 18);
    CHECK(a.program[0].loc.column == 13);
    CHECK(a.program[1].op == Op::wait);
    CHECK(a.program[1].event == 0);
    CHECK(a.program[1].loc.column == 26);
    const Thread& b = s.threads[1];
    CHECK(b.cpu == 1);
    REQUIRE(b.program.size() == 4);
    CHECK(b.program[1].op == Op::flush_tlb);
    CHECK(b.program[1].pages == 1);
    CHECK(b.program[1].freed_tables);
    CHECK(b.program[1].process == -1);
    CHECK(b.program[2].op == Op::signal);
    CHECK(b.program[2].event == 0);
    CHECK(s.events == std::vector<std::string>{"go"});
    REQUIRE(s.expectations.size() == 2);
    const Expectation& e0 = s.expectations[0];
    CHECK(e0.path == "expect[0]");
    CHECK(e0.policies == std::vector<std::string>{"v5.10"});
    REQUIRE(e0.counters.size() == 2);
    CHECK(e0.counters[0].name == "cpu0.ser.sync_core@finish_task_switch");
    CHECK(e0.counters[0].value == 1);
    CHECK(e0.counters[1].name == "ser.redundant");
    REQUIRE(e0.violations.has_value());
    CHECK(e0.violations->empty());
    CHECK(s.expectations[1].policies == std::vector<std::string>{"rfc-v2", "rfc-v2-intended"});
    CHECK(s.expectations[1].counters[0].name == "ser.sync_core");
}

SCENARIO("defaults are applied") {
    const Scenario s = load_string("[machine]\ncpus = 1\n", "some/dir/seed.toml", test_catalog());
    CHECK(s.name == "seed");
    CHECK(s.description.empty());
    CHECK(s.policies == std::vector<std::string>{"v5.10"});
    const Machine& m = s.machine;
    CHECK(m.cpus == 1);
    CHECK(m.pcid);
    CHECK_FALSE(m.pti);
    CHECK_FALSE(m.serialize);
    CHECK_FALSE(m.fred);
    CHECK(m.idle == IdleMode::poll);
    CHECK(m.timeslice == 0);
    CHECK_FALSE(m.wakeup_preempt);
    CHECK(m.offline.empty());
    CHECK_FALSE(m.nohz_full);
    CHECK_FALSE(m.max_cycles.has_value());
    CHECK(m.ghz == 3.0);
    CHECK(m.seed == 0);
    CHECK(m.jitter == 0);
    CHECK(m.costs.empty());
    CHECK(s.processes.empty());
    CHECK(s.threads.empty());
    CHECK(s.injects.empty());
    CHECK(s.policy_defs.empty());
    CHECK(s.expectations.empty());
    CHECK(m.is_online(0));
    CHECK_FALSE(m.is_online(1));
    CHECK_FALSE(m.is_online(-1));

    const Scenario t = load(thread_with("[\"exit\"]"));
    CHECK(t.threads[0].start == 0);
    CHECK(t.processes[0].registrations.empty());
}

SCENARIO("every machine key is read") {
    const Scenario s = load(R"([machine]
cpus = 4
pcid = false
pti = true
serialize = true
fred = true
idle = "halt"
timeslice = 100000
wakeup_preempt = true
offline = [3, 1]
nohz_full = true
max_cycles = 5000000
ghz = 2
seed = 9223372036854775807
jitter = 100
[machine.costs]
iret = 70
ipi_send = 0
)");
    const Machine& m = s.machine;
    CHECK(m.cpus == 4);
    CHECK_FALSE(m.pcid);
    CHECK(m.pti);
    CHECK(m.serialize);
    CHECK(m.fred);
    CHECK(m.idle == IdleMode::halt);
    CHECK(m.timeslice == 100000);
    CHECK(m.wakeup_preempt);
    CHECK(m.offline == std::vector<int>{1, 3});
    CHECK(m.nohz_full);
    CHECK(m.max_cycles == 5000000);
    CHECK(m.ghz == 2.0);
    CHECK(m.seed == 9223372036854775807ULL);
    CHECK(m.jitter == 100);
    CHECK(m.costs == std::map<std::string, std::int64_t>{{"iret", 70}, {"ipi_send", 0}});
    CHECK(m.cost_locs.at("iret").line == 17);
    CHECK(m.cost_locs.at("iret").column == 8);
    CHECK(m.cost_locs.at("ipi_send").line == 18);
    CHECK(m.is_online(0));
    CHECK_FALSE(m.is_online(1));
    CHECK(m.is_online(2));
    CHECK_FALSE(m.is_online(3));
    CHECK(load("[machine]\ncpus = 1\nghz = 2.5\n").machine.ghz == 2.5);
}

SCENARIO("user and kernel thread steps are parsed") {
    const Scenario s = load(kBase + R"([[kthread]]
name = "k"
cpu = 1
start = 50
program = ["work 10", "use_mm p", "unuse_mm", "flush_tlb p pages=3", "text_poke", "efi_call",
           "sleep 0", "wait e", "yield", "migrate 0", "exit"]

[[thread]]
name = "t"
process = "p"
cpu = 0
program = [
  "signal z",
  "repeat 3",
  "  membarrier register_private_expedited",
  "  repeat 2",
  "    membarrier private_expedited flags=cpu cpu=-1",
  "  end",
  "end",
  "membarrier -1 flags=0x2 expect=EINVAL label=m1",
  "membarrier 3 expect=0 label=m2",
  "flush_tlb freed_tables=false",
  "signal e",
  "exec",
  "syscall 0",
]
)");
    REQUIRE(s.threads.size() == 2);
    // [[thread]] entries come first even when a [[kthread]] is written before them.
    const Thread& t = s.threads[0];
    const Thread& k = s.threads[1];
    CHECK(t.name == "t");
    CHECK(k.name == "k");
    CHECK(k.kthread);
    CHECK(k.process == -1);
    CHECK(k.cpu == 1);
    CHECK(k.start == 50);
    REQUIRE(k.program.size() == 11);
    CHECK(k.program[0].op == Op::work);
    CHECK(k.program[0].n == 10);
    // A [[kthread]] step is named by its index among the kthreads (Scenario::threads[1]).
    CHECK(scenario::step_path(s, 1, k.program[0]) == "kthread[0].program[0]");
    CHECK(k.program[1].op == Op::use_mm);
    CHECK(k.program[1].process == 0);
    CHECK(k.program[2].op == Op::unuse_mm);
    CHECK(k.program[3].op == Op::flush_tlb);
    CHECK(k.program[3].process == 0);
    CHECK(k.program[3].pages == 3);
    CHECK_FALSE(k.program[3].freed_tables);
    CHECK(k.program[4].op == Op::text_poke);
    CHECK(k.program[5].op == Op::efi_call);
    CHECK(k.program[6].op == Op::sleep);
    CHECK(k.program[6].n == 0);
    CHECK(k.program[7].op == Op::wait);
    CHECK(k.program[8].op == Op::yield);
    CHECK(k.program[9].op == Op::migrate);
    CHECK(k.program[9].n == 0);
    CHECK(k.program[10].op == Op::exit);
    // Events are numbered in order of first mention in the file: the kthread is written first.
    CHECK(s.events == std::vector<std::string>{"e", "z"});

    REQUIRE(t.program.size() == 8);
    CHECK(t.program[0].op == Op::signal);
    CHECK(t.program[0].event == 1);
    CHECK(t.program[7].op == Op::syscall);
    const Step& rep = t.program[1];
    CHECK(rep.op == Op::repeat);
    CHECK(rep.n == 3);
    CHECK(scenario::step_path(s, 0, rep) == "thread[0].program[1]");
    REQUIRE(rep.body.size() == 2);
    CHECK(rep.body[0].op == Op::membarrier);
    CHECK(rep.body[0].cmd == 16);
    CHECK(rep.body[0].notes().cmd_name == "register_private_expedited");
    // A repeat body's steps keep their index in the program array.
    CHECK(scenario::step_path(s, 0, rep.body[0]) == "thread[0].program[2]");
    CHECK(rep.body[0].loc.column == 6);
    const Step& inner = rep.body[1];
    CHECK(inner.op == Op::repeat);
    CHECK(inner.n == 2);
    REQUIRE(inner.body.size() == 1);
    CHECK(inner.body[0].cmd == 8);
    CHECK(inner.body[0].flags == 1);
    CHECK(inner.body[0].cpu_id == -1);
    CHECK_FALSE(inner.body[0].notes().expect.has_value());
    const Step& m1 = t.program[2];
    CHECK(m1.cmd == -1);
    CHECK(m1.notes().cmd_name == "-1");
    CHECK(m1.flags == 2);
    CHECK(m1.cpu_id == 0);
    CHECK(m1.notes().label == "m1");
    REQUIRE(m1.notes().expect.has_value());
    CHECK(*m1.notes().expect == ResultValue{true, 0, "EINVAL"});
    const Step& m2 = t.program[3];
    CHECK(m2.cmd == 3);
    CHECK(*m2.notes().expect == ResultValue{false, 0, ""});
    CHECK(t.program[4].op == Op::flush_tlb);
    CHECK_FALSE(t.program[4].freed_tables);
    CHECK(t.program[5].op == Op::signal);
    CHECK(t.program[5].event == 0);
    CHECK(t.program[6].op == Op::exec);
}

SCENARIO("injects, policies and expectations are parsed") {
    const Scenario s = load("policies = [\"mine\", \"v5.10\"]\n" + kBase + R"([[thread]]
name = "t"
process = "p"
cpu = 1
program = ["membarrier private_expedited label=mb expect=EPERM"]

[[inject]]
at = 100
cpu = 0
event = "interrupt"

[[inject]]
at = 0
cpu = 1
event = "flush_tlb"
process = "p"
pages = 4
freed_tables = true

[[policy]]
name = "base2"
base = "rfc-v2"
knobs = { sync_core_in_switch_mm = true, ipi_delay = 7 }

[[policy]]
name = "mine"
base = "base2"

[[expect]]
policy = ["mine"]
results = { mb = "EPERM" }
violations = ["G-MB", "G-SC-SELF"]
)");
    CHECK(s.policies == std::vector<std::string>{"mine", "v5.10"});
    REQUIRE(s.injects.size() == 2);
    CHECK(s.injects[0].at == 100);
    CHECK(s.injects[0].cpu == 0);
    CHECK(s.injects[0].event == InjectEvent::interrupt);
    CHECK(s.injects[0].path == "inject[0]");
    CHECK(s.injects[1].event == InjectEvent::flush_tlb);
    CHECK(s.injects[1].process == 0);
    CHECK(s.injects[1].pages == 4);
    CHECK(s.injects[1].freed_tables);
    REQUIRE(s.policy_defs.size() == 2);
    CHECK(s.policy_defs[0].name == "base2");
    CHECK(s.policy_defs[0].base == "rfc-v2");
    REQUIRE(s.policy_defs[0].knobs.size() == 2);
    CHECK(s.policy_defs[0].knobs[0].first == "sync_core_in_switch_mm");
    CHECK(s.policy_defs[0].knobs[0].second.kind == KnobValue::Kind::boolean);
    CHECK(s.policy_defs[0].knobs[0].second.b);
    CHECK(s.policy_defs[0].knobs[1].first == "ipi_delay");
    CHECK(s.policy_defs[0].knobs[1].second.i == 7);
    CHECK(s.policy_defs[1].base == "base2");
    REQUIRE(s.expectations.size() == 1);
    CHECK(s.expectations[0].policies == std::vector<std::string>{"mine"});
    REQUIRE(s.expectations[0].results.size() == 1);
    CHECK(s.expectations[0].results[0].first == "mb");
    CHECK(s.expectations[0].results[0].second == ResultValue{true, 0, "EPERM"});
    CHECK(s.expectations[0].violations == std::vector<std::string>{"G-MB", "G-SC-SELF"});
}
