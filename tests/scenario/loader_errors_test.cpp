// Tests of the strict scenario loader on scenarios it refuses: one line, file:line:column, the
// exact message (docs/scenario-loader.md, docs/limits.md).

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
// Errors: exact one-line messages

SCENARIO("unknown keys list every expected key") {
    CHECK(error_of("[machine]\ncpus = 2\npcid = true\ncpu_count = 4\n") ==
          std::string("seed.toml:4:1: machine.cpu_count: unknown key (expected one of: ") +
              kMachineKeys + ")");
    CHECK(error_of("[machine]\ncpuss = 2\n") ==
          std::string("seed.toml:2:1: machine.cpuss: unknown key (did you mean \"cpus\"? expected "
                      "one of: ") +
              kMachineKeys + ")");
    CHECK(error_of("[machine]\ncpus = 1\n[[threads]]\n") ==
          "seed.toml:3:3: threads: unknown key (did you mean \"thread\"? expected one of: name, "
          "description, policies, machine, process, thread, kthread, inject, policy, expect)");
    CHECK(error_of(kBase + "[[kthread]]\nname = \"k\"\nprocess = \"p\"\n") ==
          "seed.toml:9:1: kthread[0].process: not allowed in a [[kthread]] (kernel threads have no "
          "mm of their own; use \"use_mm PROCESS\" in the program)");
    CHECK(
        error_of("[machine]\ncpus = 1\n[machine.costs]\nirte = 1\n") ==
        "seed.toml:4:1: machine.costs.irte: unknown cost (did you mean \"iret\"? expected one of: "
        "syscall_entry, sysret, iret, ipi_send)");
}

SCENARIO("bad types are reported at the value") {
    CHECK(error_of("[machine]\ncpus = \"2\"\n") ==
          "seed.toml:2:8: machine.cpus: expected an integer, got a string");
    CHECK(error_of("[machine]\ncpus = 2\npcid = 1\n") ==
          "seed.toml:3:8: machine.pcid: expected a boolean (true or false), got an integer");
    CHECK(error_of("machine = [1]\n") == "seed.toml:1:11: machine: expected a table, got an array");
    CHECK(error_of("[machine]\ncpus = 1\n[thread]\nname = \"x\"\n") ==
          "seed.toml:3:1: thread: expected an array of tables, got a table (write [[thread]], not "
          "[thread])");
    CHECK(error_of("process = [1]\n[machine]\ncpus = 1\n") ==
          "seed.toml:1:12: process[0]: expected a table, got an integer");
    CHECK(error_of(thread_with("[\"user 1\", 2]")) ==
          "seed.toml:11:22: thread[0].program[1]: expected a step string, got an integer");
}

SCENARIO("values out of range are rejected") {
    CHECK(error_of("[machine]\ncpus = 0\n") ==
          "seed.toml:2:8: machine.cpus: must be between 1 and 4096 (got 0)");
    CHECK(error_of("[machine]\ncpus = 4097\n") ==
          "seed.toml:2:8: machine.cpus: must be between 1 and 4096 (got 4097)");
    CHECK(error_of("[machine]\ncpus = 1\njitter = 101\n") ==
          "seed.toml:3:10: machine.jitter: must be between 0 and 100 (got 101)");
    CHECK(error_of("[machine]\ncpus = 1\ntimeslice = -1\n") ==
          "seed.toml:3:13: machine.timeslice: must be >= 0 (got -1)");
    CHECK(error_of("[machine]\ncpus = 1\nmax_cycles = 0\n") ==
          "seed.toml:3:14: machine.max_cycles: must be >= 1 (got 0)");
    CHECK(error_of("[machine]\ncpus = 1\nseed = -5\n") ==
          "seed.toml:3:8: machine.seed: must be >= 0 (got -5)");
    CHECK(error_of("[machine]\ncpus = 1\nghz = 0.0\n") ==
          "seed.toml:3:7: machine.ghz: must be a finite number > 0 (got 0)");
    CHECK(error_of("[machine]\ncpus = 1\nghz = inf\n") ==
          "seed.toml:3:7: machine.ghz: must be a finite number > 0 (got inf)");
    CHECK(error_of("[machine]\ncpus = 1\nidle = \"hlt\"\n") ==
          "seed.toml:3:8: machine.idle: expected \"poll\", \"halt\" or \"mwait\", got \"hlt\" (did "
          "you mean "
          "\"halt\"?)");
    CHECK(error_of("[machine]\ncpus = 1\napic = \"x2apci\"\n") ==
          "seed.toml:3:8: machine.apic: expected \"x2apic\" or \"xapic\", got \"x2apci\" (did you "
          "mean \"x2apic\"?)");
    CHECK(error_of("[machine]\ncpus = 1\napic = 2\n") ==
          "seed.toml:3:8: machine.apic: expected \"x2apic\" or \"xapic\", got an integer");
    CHECK(
        error_of("[machine]\ncpus = 2\noffline = [0, 2]\n") ==
        "seed.toml:3:15: machine.offline[1]: CPU 2 does not exist (the machine has 2 CPUs: 0..1)");
    CHECK(error_of("[machine]\ncpus = 2\noffline = [1, 1]\n") ==
          "seed.toml:3:15: machine.offline[1]: CPU 1 is listed twice");
    CHECK(error_of("[machine]\ncpus = 2\noffline = [1, 0]\n") ==
          "seed.toml:3:11: machine.offline: every CPU is offline (at least one must be online)");
    CHECK(error_of("[machine]\ncpus = 1\n[machine.costs]\niret = -1\n") ==
          "seed.toml:4:8: machine.costs.iret: must be >= 0 (got -1)");
    CHECK(error_of(kBase + "[[thread]]\nname = \"t\"\nprocess = \"p\"\ncpu = 0\nstart = -1\n") ==
          "seed.toml:11:9: thread[0].start: must be >= 0 (got -1)");
    CHECK(error_of(thread_with("[\"user 0\"]")) ==
          "seed.toml:11:18: thread[0].program[0]: N must be >= 1 (got 0)");
    CHECK(error_of(thread_with("[\"repeat 0\", \"end\"]")) ==
          "seed.toml:11:20: thread[0].program[0]: N must be >= 1 (got 0)");
    CHECK(error_of(thread_with("[\"user 99999999999999999999\"]")) ==
          "seed.toml:11:18: thread[0].program[0]: N 99999999999999999999 is out of range (64-bit "
          "integers only)");
    CHECK(error_of(thread_with("[\"sleep x\"]")) ==
          "seed.toml:11:19: thread[0].program[0]: N must be an integer, got \"x\"");
}

SCENARIO("the examples of the Errors section are reproduced") {
    CHECK(error_of(thread_with("[\"user 10\",\n  \"usr 5\"]")) ==
          "seed.toml:12:4: thread[0].program[1]: unknown operation \"usr\" (did you mean "
          "\"user\"?)");
    CHECK(error_of(kBase + "[[thread]]\nname = \"t\"\ncpu = 0\nprocess = \"q\"\nprogram = []\n") ==
          "seed.toml:10:11: thread[0].process: no process named \"q\"");
}

SCENARIO("step errors") {
    GIVEN("a kthread-only operation in a user thread and the reverse") {
        CHECK(error_of(thread_with("[\"user 1\", \"use_mm p\"]")) ==
              "seed.toml:11:23: thread[0].program[1]: use_mm is only for [[kthread]]");
        CHECK(error_of(kBase +
                       "[[kthread]]\nname = \"k\"\ncpu = 0\nprogram = [\"membarrier query\"]\n") ==
              "seed.toml:10:13: kthread[0].program[0]: membarrier is only for [[thread]]");
    }
    GIVEN("a bad process reference in a step") {
        CHECK(error_of(kBase + "[[kthread]]\nname = \"k\"\ncpu = 0\nprogram = [\"use_mm pp\"]\n") ==
              "seed.toml:10:20: kthread[0].program[0]: no process named \"pp\" (did you mean "
              "\"p\"?)");
        CHECK(error_of(kBase +
                       "[[kthread]]\nname = \"k\"\ncpu = 0\nprogram = [\"flush_tlb pages=1\"]\n") ==
              "seed.toml:10:13: kthread[0].program[0]: missing argument (usage: flush_tlb PROCESS "
              "[pages=N] [freed_tables])");
    }
    GIVEN("wrong arguments and options") {
        CHECK(error_of(thread_with("[\"user\"]")) ==
              "seed.toml:11:13: thread[0].program[0]: missing argument (usage: user N)");
        CHECK(error_of(thread_with("[\"user 1 2\"]")) ==
              "seed.toml:11:20: thread[0].program[0]: unexpected argument \"2\" (usage: user N)");
        CHECK(error_of(thread_with("[\"flush_tlb p\"]")) ==
              "seed.toml:11:23: thread[0].program[0]: flush_tlb takes no arguments, got \"p\" "
              "(usage: flush_tlb [pages=N] [freed_tables]; a [[thread]] flushes its own mm)");
        CHECK(error_of(thread_with("[\"flush_tlb freed_table\"]")) ==
              "seed.toml:11:23: thread[0].program[0]: unexpected argument \"freed_table\" (did you "
              "mean \"freed_tables\"?) (usage: flush_tlb [pages=N] [freed_tables]; a [[thread]] "
              "flushes its own mm)");
        CHECK(error_of(thread_with("[\"flush_tlb page=1\"]")) ==
              "seed.toml:11:23: thread[0].program[0]: unknown option \"page\" (did you mean "
              "\"pages\"? expected one of: pages, freed_tables, label)");
        CHECK(error_of(thread_with("[\"user 5 pages=1\"]")) ==
              "seed.toml:11:20: thread[0].program[0]: option \"pages\" is not valid for user "
              "(valid: label)");
        CHECK(error_of(thread_with("[\"flush_tlb pages\"]")) ==
              "seed.toml:11:23: thread[0].program[0]: option \"pages\" needs a value (pages=...)");
        CHECK(error_of(thread_with("[\"flush_tlb pages=1 pages=2\"]")) ==
              "seed.toml:11:31: thread[0].program[0]: option \"pages\" given twice");
        CHECK(error_of(thread_with("[\"flush_tlb freed_tables=yes\"]")) ==
              "seed.toml:11:36: thread[0].program[0]: freed_tables must be true or false, got "
              "\"yes\"");
        CHECK(error_of(thread_with("[\"membarrier flags=1 query\"]")) ==
              "seed.toml:11:32: thread[0].program[0]: unexpected argument \"query\" after options "
              "(usage: membarrier CMD [flags=F] [cpu=N] [expect=R])");
        CHECK(error_of(thread_with("[\"end label=x\"]")) ==
              "seed.toml:11:17: thread[0].program[0]: end takes no options, got \"label=x\"");
        CHECK(error_of(thread_with("[\"   \"]")) ==
              "seed.toml:11:12: thread[0].program[0]: empty step (expected an operation such as "
              "\"user 1000\")");
    }
    GIVEN("membarrier arguments") {
        CHECK(error_of(thread_with("[\"membarrier private_expedite\"]")) ==
              "seed.toml:11:24: thread[0].program[0]: unknown membarrier command "
              "\"private_expedite\" (did you mean \"private_expedited\"? expected one of: query, "
              "global, global_expedited, register_global_expedited, private_expedited, "
              "register_private_expedited, private_expedited_sync_core, "
              "register_private_expedited_sync_core, private_expedited_rseq, "
              "register_private_expedited_rseq, get_registrations)");
        CHECK(error_of(thread_with("[\"membarrier query flags=cpus\"]")) ==
              "seed.toml:11:36: thread[0].program[0]: flags must be an integer or \"cpu\", got "
              "\"cpus\" (did you mean \"cpu\"?)");
        CHECK(error_of(thread_with("[\"membarrier query expect=-22\"]")) ==
              "seed.toml:11:37: thread[0].program[0]: expect must be a non-negative integer or an "
              "errno name, got -22 (did you mean \"EINVAL\"?)");
        CHECK(error_of(thread_with("[\"membarrier query expect=EPRM\"]")) ==
              "seed.toml:11:37: thread[0].program[0]: expect must be a non-negative integer or an "
              "errno name, got \"EPRM\" (did you mean \"EPERM\"?)");
    }
    GIVEN("an offline or missing CPU") {
        const std::string offline =
            "[machine]\ncpus = 2\noffline = [1]\n[[process]]\nname = \"p\"\n\n";
        CHECK(error_of(offline +
                       "[[thread]]\nname = \"t\"\nprocess = \"p\"\ncpu = 1\nprogram = []\n") ==
              "seed.toml:10:7: thread[0].cpu: CPU 1 is offline");
        CHECK(error_of(offline + "[[thread]]\nname = \"t\"\nprocess = \"p\"\ncpu = 0\nprogram = "
                                 "[\"migrate 1\"]\n") ==
              "seed.toml:11:21: thread[0].program[0]: CPU 1 is offline");
        CHECK(error_of(offline + "[[inject]]\nat = 5\ncpu = 1\nevent = \"interrupt\"\n") ==
              "seed.toml:9:7: inject[0].cpu: CPU 1 is offline");
        CHECK(error_of(kBase + "[[kthread]]\nname = \"k\"\ncpu = 2\nprogram = []\n") ==
              "seed.toml:9:7: kthread[0].cpu: CPU 2 does not exist (the machine has 2 CPUs: 0..1)");
    }
}

SCENARIO("names, injects and duplicates") {
    CHECK(error_of(kBase + "[[process]]\nname = \"p\"\n") ==
          "seed.toml:8:8: process[1].name: duplicate process name \"p\" (first defined at "
          "process[0], line 4)");
    CHECK(error_of(kBase + "[[kthread]]\nname = \"t\"\ncpu = 0\nprogram = []\n[[thread]]\nname = "
                           "\"t\"\nprocess = \"p\"\ncpu = 0\nprogram = []\n") ==
          "seed.toml:12:8: thread[0].name: duplicate thread name \"t\" (also used by kthread[0])");
    CHECK(error_of(kBase + "[[inject]]\nat = 1\ncpu = 0\nevent = \"flush_tlb\"\n") ==
          "seed.toml:7:1: inject[0].process: required key is missing (required for event = "
          "\"flush_tlb\")");
    CHECK(error_of(kBase + "[[inject]]\nat = 1\ncpu = 0\nevent = \"interrupt\"\npages = 1\n") ==
          "seed.toml:11:1: inject[0].pages: only for event = \"flush_tlb\"");
    CHECK(error_of(kBase + "[[inject]]\nat = -1\ncpu = 0\nevent = \"interrupt\"\n") ==
          "seed.toml:8:6: inject[0].at: must be >= 0 (got -1)");
    CHECK(error_of(kBase + "[[inject]]\nat = 1\ncpu = 0\nevent = \"irq\"\n") ==
          "seed.toml:10:9: inject[0].event: expected \"interrupt\" or \"flush_tlb\", got \"irq\"");
    CHECK(error_of(kBase + "register = [\"register_private_expedited\"]\n") ==
          "seed.toml:7:13: process[0].register[0]: unknown registration "
          "\"register_private_expedited\" (did you mean \"private_expedited\"? expected one of: "
          "private_expedited, private_expedited_sync_core, private_expedited_rseq, "
          "global_expedited)");
}

SCENARIO("events that are waited for must be signalled") {
    CHECK(error_of(thread_with("[\"signal og\", \"wait go\"]")) ==
          "seed.toml:11:31: thread[0].program[1]: event \"go\" is waited for but never signalled "
          "(did you mean \"og\"?)");
    CHECK(error_of(thread_with("[\"repeat 2\", \"wait x\", \"end\"]")) ==
          "seed.toml:11:30: thread[0].program[1]: event \"x\" is waited for but never signalled");
}

SCENARIO("labels") {
    CHECK(
        error_of(thread_with("[\"membarrier query label=a\",\n  \"membarrier query label=a\"]")) ==
        "seed.toml:12:27: thread[0].program[1]: duplicate label \"a\" (first used at "
        "thread[0].program[0], line 11)");
    CHECK(error_of(thread_with("[\"repeat 2\", \"membarrier query label=a\", \"end\"]")) ==
          "seed.toml:11:42: thread[0].program[1]: labels are not allowed inside repeat");
    CHECK(error_of(thread_with("[\"user 1 label=1a\"]")) ==
          "seed.toml:11:26: thread[0].program[0]: invalid label \"1a\" (a label is "
          "[A-Za-z_][A-Za-z0-9_.-]*)");
}

SCENARIO("repeat and end must match") {
    CHECK(error_of(thread_with("[\"user 1\", \"end\"]")) ==
          "seed.toml:11:23: thread[0].program[1]: \"end\" without a matching \"repeat\"");
    CHECK(error_of(thread_with("[\"repeat 2\", \"repeat 3\", \"user 1\", \"end\"]")) ==
          "seed.toml:11:13: thread[0].program[0]: \"repeat\" without a matching \"end\"");
    std::string deep = "[";
    for (int i = 0; i < 100000; ++i) {
        deep += "\"repeat 1\",";
    }
    deep += "]";
    CHECK(
        error_of(thread_with(deep)) ==
        "seed.toml:11:717: thread[0].program[64]: repeat nested too deeply (more than 64 levels)");
}

SCENARIO("policies") {
    const std::string pre = "[machine]\ncpus = 1\n\n";
    GIVEN("a [[policy]] that shadows a preset") {
        CHECK(
            error_of(pre + "[[policy]]\nname = \"v5.10\"\nbase = \"rfc-v2\"\n") ==
            "seed.toml:5:8: policy[0].name: \"v5.10\" is a preset; a [[policy]] may not shadow it "
            "(choose another name)");
    }
    GIVEN("a base defined later in the file") {
        CHECK(
            error_of(pre +
                     "[[policy]]\nname = \"a\"\nbase = \"b\"\n\n[[policy]]\nname = \"b\"\nbase = "
                     "\"v5.10\"\n") ==
            "seed.toml:6:8: policy[0].base: policy \"b\" is defined later in the file (policy[1], "
            "line 8); a base must be a preset or a policy defined earlier");
        CHECK(
            error_of(pre + "[[policy]]\nname = \"a\"\nbase = \"rfc-v3\"\n") ==
            "seed.toml:6:8: policy[0].base: unknown policy \"rfc-v3\" (did you mean \"rfc-v2\"?)");
        CHECK(error_of(pre + "[[policy]]\nname = \"a\"\n") ==
              "seed.toml:4:1: policy[0].base: required key is missing");
    }
    GIVEN("bad knobs") {
        CHECK(error_of(
                  pre +
                  "[[policy]]\nname = \"a\"\nbase = \"v5.10\"\nknobs = { ipi_delay = true }\n") ==
              "seed.toml:7:23: policy[0].knobs.ipi_delay: expected an integer");
        CHECK(error_of(
                  pre +
                  "[[policy]]\nname = \"a\"\nbase = \"v5.10\"\n[policy.knobs]\nsome_knob = 1\n") ==
              "seed.toml:8:1: policy[0].knobs.some_knob: unknown knob \"some_knob\"");
        CHECK(error_of(pre + "[[policy]]\nname = \"a\"\nbase = \"v5.10\"\nknobs = { x = 1.5 }\n") ==
              "seed.toml:7:15: policy[0].knobs.x: expected a boolean, integer or string, got a "
              "float");
    }
    GIVEN("unknown policies in policies and [[expect]]") {
        CHECK(
            error_of(pre + "[[expect]]\npolicy = [\"v5.10\", \"rfc-v2-intented\"]\n") ==
            "seed.toml:5:20: expect[0].policy[1]: unknown policy \"rfc-v2-intented\" (did you mean "
            "\"rfc-v2-intended\"?)");
        CHECK(error_of(pre + "[[expect]]\npolicy = \"mine\"\n") ==
              "seed.toml:5:10: expect[0].policy: unknown policy \"mine\"");
        CHECK(error_of("policies = [\"v5.10\", \"v5.1\"]\n" + pre) ==
              "seed.toml:1:22: policies[1]: unknown policy \"v5.1\" (did you mean \"v5.10\"?)");
        // A [[policy]] written after [[expect]] may still be named there.
        CHECK(load(pre +
                   "[[expect]]\npolicy = \"mine\"\n[[policy]]\nname = \"mine\"\nbase = \"v5.10\"\n")
                  .expectations[0]
                  .policies == std::vector<std::string>{"mine"});
    }
}

SCENARIO("expectations") {
    const std::string pre = "[machine]\ncpus = 1\n\n[[expect]]\npolicy = \"v5.10\"\n";
    CHECK(error_of(pre + "counters = { \"ser.totl\" = 1 }\n") ==
          "seed.toml:6:14: expect[0].counters.\"ser.totl\": unknown counter (did you mean "
          "\"ser.total\"?)");
    CHECK(error_of(pre + "counters = { \"nothing.like.it\" = 1 }\n") ==
          "seed.toml:6:14: expect[0].counters.\"nothing.like.it\": unknown counter");
    // The catalogue knows counter names, not the machine: the loader checks the CPU of a
    // per-CPU name (found by the fuzz harness: the run had no such counter, fuzz/regressions/).
    CHECK(error_of(pre + "counters = { \"cpu1.ser.sync_core@finish_task_switch\" = 0 }\n") ==
          "seed.toml:6:14: expect[0].counters.\"cpu1.ser.sync_core@finish_task_switch\": CPU 1 "
          "does not exist (the machine has 1 CPU: 0..0)");
    CHECK(load(pre + "counters = { \"cpu0.ser.sync_core@finish_task_switch\" = 0 }\n")
              .expectations[0]
              .counters[0]
              .name == "cpu0.ser.sync_core@finish_task_switch");
    CHECK(error_of(pre + "counters = { ser.total = 1 }\n") ==
          "seed.toml:6:14: expect[0].counters.ser: expected an integer, got a table (quote dotted "
          "counter names: \"ser.total\" = 1)");
    CHECK(error_of(pre + "violations = [\"G-SC\", \"G-SX\"]\n") ==
          "seed.toml:6:23: expect[0].violations[1]: unknown property \"G-SX\" (did you mean "
          "\"G-SC\"? expected one of: G-MB, G-SC, G-SC-SELF, G-TLB, G-REF)");
    CHECK(
        error_of(pre + "result = {}\n") ==
        "seed.toml:6:1: expect[0].result: unknown key (did you mean \"results\"? expected one of: "
        "policy, counters, violations, results, forbid, require)");
    CHECK(error_of(pre + "results = { lbl = 0 }\n") ==
          "seed.toml:6:13: expect[0].results.lbl: no step is labelled \"lbl\"");
    CHECK(
        error_of(
            "[machine]\ncpus = 1\n[[process]]\nname = \"p\"\n[[thread]]\nname = \"t\"\nprocess = "
            "\"p\"\ncpu = 0\nprogram = [\"user 5 label=u\"]\n[[expect]]\npolicy = "
            "\"v5.10\"\nresults = { u = \"EPERM\" }\n") ==
        "seed.toml:12:13: expect[0].results.u: label \"u\" is not on a membarrier step (it labels "
        "thread[0].program[0])");
    CHECK(error_of(
              "[machine]\ncpus = 1\n[[process]]\nname = \"p\"\n[[thread]]\nname = \"t\"\nprocess = "
              "\"p\"\ncpu = 0\nprogram = [\"membarrier query label=u\"]\n[[expect]]\npolicy = "
              "\"v5.10\"\nresults = { u = \"EPRM\" }\n") ==
          "seed.toml:12:17: expect[0].results.u: unknown errno name \"EPRM\" (did you mean "
          "\"EPERM\"?)");
    CHECK(error_of("[machine]\ncpus = 1\n\n[[expect]]\ncounters = {}\n") ==
          "seed.toml:4:1: expect[0].policy: required key is missing");
}

SCENARIO("syntax errors, missing sections and unreadable files") {
    CHECK(error_of("[machine]\ncpus = = 2\n") ==
          "seed.toml:2:8: syntax: Error while parsing value: could not determine value type");
    CHECK(error_of("") == "seed.toml:1:1: machine: required table [machine] is missing");
    CHECK(error_of("[machine]\n") == "seed.toml:1:1: machine.cpus: required key is missing");
    CHECK(error_of(kBase + "[[thread]]\nname = \"t\"\ncpu = 0\nprogram = []\n") ==
          "seed.toml:7:1: thread[0].process: required key is missing");
    try {
        load_file("/nonexistent/dir/x.toml", test_catalog());
        FAIL("no error");
    } catch (const ScenarioError& e) {
        CHECK(std::string(e.what()) ==
              "/nonexistent/dir/x.toml:0:0: file: cannot read (No such file or directory)");
    }
}

SCENARIO("load_file reads a file") {
    const std::string path = "loader_test_tmp.toml";
    {
        std::ofstream out(path, std::ios::binary);
        out << kExample;
    }
    const Scenario s = load_file(path, test_catalog());
    std::remove(path.c_str());
    CHECK(s.file == path);
    CHECK(s.name == "unlazy-via-shootdown");
    CHECK(s.threads.size() == 2);
}

SCENARIO("the column points at the offending word only in plain single-line basic strings") {
    WHEN("the string is a plain basic string") {
        CHECK(error_of(thread_with("[\"user 1 label=x frob=1\"]")) ==
              "seed.toml:11:28: thread[0].program[0]: unknown option \"frob\" (expected one of: "
              "label)");
    }
    WHEN("an escape sequence precedes the word") {
        CHECK(error_of(thread_with("[\"user\\t1 frob=1\"]")) ==
              "seed.toml:11:12: thread[0].program[0]: unknown option \"frob\" (expected one of: "
              "label)");
    }
    WHEN("an escape sequence follows the word") {
        CHECK(error_of(thread_with("[\"user 1 frob=1\\t\"]")) ==
              "seed.toml:11:20: thread[0].program[0]: unknown option \"frob\" (expected one of: "
              "label)");
    }
    WHEN("the string is a literal string") {
        CHECK(error_of(thread_with("['user 1 frob=1']")) ==
              "seed.toml:11:12: thread[0].program[0]: unknown option \"frob\" (expected one of: "
              "label)");
    }
    WHEN("the string is a multi-line basic string") {
        CHECK(error_of(thread_with("[\"\"\"user 1 frob=1\"\"\"]")) ==
              "seed.toml:11:12: thread[0].program[0]: unknown option \"frob\" (expected one of: "
              "label)");
    }
    WHEN("non-ASCII text precedes the word, columns count code points") {
        const std::string text = kBase +
                                 "[[thread]]\nname = \"t\"\nprocess = \"p\"\ncpu = 0\n"
                                 "program = [\"signal \xC3\xA9t\xC3\xA9\", \"user 1 frob=1\"]\n";
        CHECK(error_of(text) == "seed.toml:11:34: thread[0].program[1]: unknown option \"frob\" "
                                "(expected one of: label)");
    }
}

SCENARIO("malformed input never crashes and always gives one line") {
    auto check = [&](const std::string& text) {
        try {
            load(text);
        } catch (const ScenarioError& e) {
            INFO(text);
            CHECK(is_one_line_error(e.what()));
        }
    };
    GIVEN("hand-picked bad inputs") {
        check("\xff\xfe garbage");
        check("a = " + std::string(300, '[') + std::string(300, ']'));
        check("[machine]\ncpus = 1\n[[process]]\nname = \"\\n\\u0001\"\n[[process]]\nname = "
              "\"\\n\\u0001\"\n");
        check("[machine]\ncpus = 1\nname = 5\n");
        check("[[machine]]\ncpus = 1\n");
        check("[machine]\ncpus = 1\n[[expect]]\npolicy = []\n");
        check("[machine]\ncpus = 1\n[[expect]]\npolicy = [[1]]\n");
        check("[machine]\ncpus = 1\n[[thread]]\nprogram = {}\n");
        check("[machine]\ncpus = 1\n[[inject]]\nat = 1\ncpu = 0\nevent = \"flush_tlb\"\n");
        check(std::string("[machine]\ncpus = 1\0\n", 20));
        CHECK_THROWS_AS(load("[machine]\ncpus = 1\n[[process]]\nname = \"\"\n"), ScenarioError);
    }
    GIVEN("every single-character deletion and substitution of the example") {
        const std::string base = kExample;
        for (std::size_t i = 0; i < base.size(); ++i) {
            std::string del = base;
            del.erase(i, 1);
            check(del);
            for (const char c : {'"', '[', '=', '0', 'x', '\n', ' ', '\\', '{'}) {
                std::string sub = base;
                sub[i] = c;
                check(sub);
            }
        }
    }
}

SCENARIO("dotted keys longer than toml++ can parse are refused before parsing") {
    // toml++ recurses once per segment of a dotted key: 50,000 segments crashed tlbsim with a
    // stack overflow (fuzz/regressions/fuzz_loader/dotted-key-50000.toml).
    const auto chain = [](std::size_t parts, std::string_view segment) {
        std::string out(segment);
        for (std::size_t i = 1; i < parts; ++i) {
            out += ".";
            out += segment;
        }
        return out;
    };
    GIVEN("chains of 64 parts: parsed, then refused as unknown keys") {
        CHECK(error_of(chain(64, "a") + " = 1\n").find(": a: unknown key") != std::string::npos);
        CHECK(error_of("[" + chain(64, "\"a\"") + "]\n").find(": a: unknown key") !=
              std::string::npos);
    }
    GIVEN("chains of 65 parts and more, anywhere a dotted key can be") {
        // The 64th dot (the 65th part) is at column 128 (a.a.a...) or 256 ("a"."a"...).
        const std::string msg = "syntax: dotted key of more than 64 parts";
        CHECK(error_of(chain(65, "a") + " = 1\n") == "seed.toml:1:128: " + msg);
        CHECK(error_of(chain(50'000, "a") + " = 1\n") == "seed.toml:1:128: " + msg);
        CHECK(error_of(kBase + "[" + chain(65, "a") + "]\n") == "seed.toml:7:129: " + msg);
        CHECK(error_of(kBase + "[[" + chain(65, "a") + "]]\n") == "seed.toml:7:130: " + msg);
        CHECK(error_of(chain(65, "\"a\"") + " = 1\n") == "seed.toml:1:256: " + msg);
        CHECK(error_of("x = { " + chain(65, "'é'") + " = 1 }\n") == "seed.toml:1:262: " + msg);
    }
    GIVEN("dots in strings and comments are not keys") {
        const std::string dots = chain(100, "a");
        const Scenario s = load("description = \"" + dots + "\" # " + dots + "\n" + kBase);
        CHECK(s.description == dots);
        CHECK(load("description = '" + dots + "'\n" + kBase).description == dots);
        CHECK(load("description = \"\"\"\n" + dots + " = 1\n\"\"\"\n" + kBase).description ==
              dots + " = 1\n");
        CHECK(load("description = '''\n\"" + dots + "'''\n" + kBase).description == "\"" + dots);
        CHECK(load("description = \"\\\"" + dots + "\"\n" + kBase).description == "\"" + dots);
    }
}

SCENARIO("limits: what a scenario may ask of the simulator (docs/limits.md)") {
    // One time or length: 2^50 cycles.
    CHECK(error_of(thread_with("[\"user 1125899906842625\"]")) ==
          "seed.toml:11:18: thread[0].program[0]: N must be at most 2^50 cycles, tlbsim's limit "
          "(got 1125899906842625; docs/limits.md)");
    CHECK_NOTHROW(load(thread_with("[\"user 1125899906842624\"]")));
    CHECK(error_of("[machine]\ncpus = 1\nmax_cycles = 1125899906842625\n") ==
          "seed.toml:3:14: machine.max_cycles: must be at most 2^50 cycles, tlbsim's limit (got "
          "1125899906842625; docs/limits.md)");
    // A thread's program after repeat expansion: 2 x 2^49 + 1 cycles.
    CHECK(error_of(thread_with("[\"repeat 2\", \"user 562949953421312\", \"end\", \"user 1\"]")) ==
          "seed.toml:7:1: thread[0] (t): its program spans more than 2^50 cycles after repeat "
          "expansion (set max_cycles for a workload meant to outlast the run; docs/limits.md)");
    CHECK_NOTHROW(load(thread_with("[\"repeat 2\", \"user 562949953421312\", \"end\"]")));
    // ... which max_cycles allows (4 x 10^15 cycles, 4 x 10^9 steps): the run stops first.
    const std::string forever =
        "[machine]\ncpus = 2\nmax_cycles = 1000000\n\n[[process]]\nname = \"p\"\n" +
        thread_with("[\"repeat 4000000000\", \"user 1000000\", \"end\"]").substr(kBase.size());
    CHECK_NOTHROW(load(forever));
    // Steps after expansion: 10^9, every thread together (two threads of 6 x 10^8).
    const std::string big = R"([machine]
cpus = 2

[[process]]
name = "p"

[[thread]]
name = "a"
process = "p"
cpu = 0
program = ["repeat 600000000", "user 1", "end"]

[[thread]]
name = "b"
process = "p"
cpu = 1
program = ["repeat 600000000", "user 1", "end"]
)";
    CHECK(error_of(big) == "seed.toml:13:1: b (thread): with it the scenario's programs execute "
                           "more than 1000000000 steps after repeat expansion (docs/limits.md)");
    // One thread alone over the limit (it once slipped through: its count was clipped to it).
    CHECK(error_of(thread_with("[\"repeat 2000000000\", \"user 1\", \"end\"]")) ==
          "seed.toml:7:1: t (thread): with it the scenario's programs execute more than "
          "1000000000 steps after repeat expansion (docs/limits.md)");
    CHECK_NOTHROW(load(thread_with("[\"repeat 999999999\", \"user 1\", \"end\"]")));
    // With max_cycles = 10^8 the two CPUs execute at most 2 x 10^8 steps.
    CHECK_NOTHROW(load(
        std::string(big).replace(big.find("cpus = 2"), 8, "cpus = 2\nmax_cycles = 100000000")));
    // Host memory: 16 KiB per task (two idle tasks here) and 32 KiB per CPU.
    CHECK(scenario::limits::estimated_memory(load(kBase)) == 2 * (16 + 32) * 1024);
    // 4,096 CPUs and 1,100,000 threads: 1,104,096 tasks x 16 KiB + 4,096 x 32 KiB > 16 GiB. (No
    // file under the 16 MiB file limit holds that many threads; a generated Scenario can.)
    Scenario many = load(kBase);
    many.machine.cpus = 4096;
    many.threads.resize(1'100'000);
    try {
        scenario::limits::check_limits(many);
        FAIL("1.1 million threads passed the memory limit");
    } catch (const ScenarioError& e) {
        CHECK(std::string(e.what()) == "seed.toml:1:1: machine: 4096 CPUs and 1100000 threads "
                                       "need about 17379 MiB of host memory; the limit is 16384 "
                                       "MiB (docs/limits.md)");
    }
}

SCENARIO("page_fault: a [[thread]] step with the cycles its handler takes") {
    const Scenario s = load(thread_with("[\"page_fault 700 label=pf\", \"page_fault 0\"]"));
    const auto& program = s.threads.at(0).program;
    REQUIRE(program.size() == 2);
    CHECK(program[0].op == Op::page_fault);
    CHECK(program[0].n == 700);
    CHECK(program[0].notes().label == "pf");
    CHECK(program[1].n == 0);
    CHECK(error_of(kBase + "[[kthread]]\nname = \"k\"\ncpu = 0\nprogram = [\"page_fault 5\"]\n") ==
          "seed.toml:10:13: kthread[0].program[0]: page_fault is only for [[thread]]");
    CHECK(error_of(thread_with("[\"page_fault\"]")).find("page_fault") != std::string::npos);
}

TEST_CASE("[machine] delays: CPU@AT+EXTRA strings, each checked", "[scenario][delays]") {
    const char* const head = "[machine]\ncpus = 2\ndelays = ";
    const auto with = [&](const std::string& value) { return std::string(head) + value + "\n"; };
    const Scenario s = load(with("[\"1@5000+300\", \"0@0+1\"]"));
    REQUIRE(s.machine.delays.size() == 2);
    CHECK(s.machine.delays[0] == Delay{1, 5000, 300});
    CHECK(s.machine.delays[1] == Delay{0, 0, 1});
    CHECK(format_delay(s.machine.delays[0]) == "1@5000+300");
    // The machine has CPUs 0 and 1; EXTRA is at least 1; the three numbers are decimal.
    CHECK(error_of(with("[\"2@10+5\"]")).starts_with("seed.toml:3:11: machine.delays[0]: "));
    CHECK(error_of(with("[\"0@10+0\"]")).find("expected \"CPU@AT+EXTRA\"") != std::string::npos);
    CHECK(error_of(with("[\"0@10\"]")).find("expected \"CPU@AT+EXTRA\"") != std::string::npos);
    CHECK(error_of(with("[\"0@-1+5\"]")).find("expected \"CPU@AT+EXTRA\"") != std::string::npos);
    CHECK(error_of(with("[\"x@1+5\"]")).find("expected \"CPU@AT+EXTRA\"") != std::string::npos);
    CHECK(error_of(with("[\"0@1+5 \"]")).find("expected \"CPU@AT+EXTRA\"") != std::string::npos);
    CHECK(error_of(with("[7]")).starts_with("seed.toml:3:11: machine.delays[0]: "));
    CHECK(error_of(with("\"0@1+5\"")).starts_with("seed.toml:3:10: machine.delays: "));
}

TEST_CASE("[machine] next_asid: one per CPU, 1..6, with PCID", "[scenario][asid]") {
    const auto with = [](const std::string& machine) {
        return "[machine]\ncpus = 2\n" + machine + "\n";
    };
    CHECK(load(with("next_asid = [1, 6]")).machine.next_asid == std::vector<int>{1, 6});
    CHECK(load(kBase).machine.next_asid.empty()); // 1 everywhere, as after boot
    CHECK(error_of(with("next_asid = [1]")) ==
          "seed.toml:3:13: machine.next_asid: 1 values for 2 CPUs (one per CPU)");
    CHECK(error_of(with("next_asid = [1, 7]")) ==
          "seed.toml:3:17: machine.next_asid[1]: must be between 1 and 6 (got 7)");
    CHECK(error_of(with("next_asid = [0, 1]")) ==
          "seed.toml:3:14: machine.next_asid[0]: must be between 1 and 6 (got 0)");
    CHECK(error_of(with("next_asid = [1, 3]\noffline = [1]")) ==
          "seed.toml:3:17: machine.next_asid[1]: CPU 1 is offline (its next_asid stays 1)");
    CHECK(load(with("next_asid = [3, 1]\noffline = [1]")).machine.next_asid ==
          std::vector<int>{3, 1});
    CHECK(error_of(with("next_asid = [1, 2]\npcid = false")) ==
          "seed.toml:3:13: machine.next_asid: next_asid needs PCID ([machine] pcid = false gives "
          "every mm ASID 0)");
}

TEST_CASE("[[process]] asid_slots: one ASID slot per CPU, each checked", "[scenario][asid]") {
    const auto with = [](const std::string& machine, const std::string& p, const std::string& q) {
        return "[machine]\ncpus = 2\n" + machine + "[[process]]\nname = \"p\"\nasid_slots = " + p +
               "\n[[process]]\nname = \"q\"\nasid_slots = " + q + "\n";
    };
    const Scenario s = load(with("", "[1, 0]", "[2, 1]"));
    CHECK(s.processes[0].asid_slots == std::vector<int>{1, 0});
    CHECK(s.processes[1].asid_slots == std::vector<int>{2, 1});
    CHECK(load(kBase).processes[0].asid_slots.empty()); // none anywhere by default
    // One per CPU; slots 1..5 (slot 0 is init_mm's, loaded at boot); each slot of a CPU is one
    // mm's; an offline CPU holds none; without PCID there are no slots.
    CHECK(error_of(with("", "[1]", "[0, 0]")) ==
          "seed.toml:5:14: process[0].asid_slots: 1 ASID slots for 2 CPUs (one per CPU, 0 for "
          "none)");
    CHECK(error_of(with("", "[6, 0]", "[0, 0]"))
              .starts_with("seed.toml:5:15: "
                           "process[0].asid_slots[0]: "));
    CHECK(error_of(with("", "[1, 0]", "[1, 0]")) ==
          "seed.toml:8:15: process[1].asid_slots[0]: ASID slot 1 of CPU 0 is already \"p\"'s "
          "(line 3)");
    CHECK(error_of(with("offline = [1]\n", "[0, 2]", "[0, 0]")) ==
          "seed.toml:6:18: process[0].asid_slots[1]: CPU 1 is offline");
    CHECK(error_of(with("pcid = false\n", "[1, 0]", "[0, 0]"))
              .ends_with("ASID slots need PCID ([machine] pcid = false gives every mm ASID 0)"));
}
