#pragma once
// What the loader tests share: a catalog standing in for the CLI's, loading from a string, and
// checking the one-line errors (tests/scenario/loader_test.cpp, loader_errors_test.cpp).

#include "scenario/loader.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace loader_test {

using namespace scenario;

inline Catalog test_catalog() {
    static const std::vector<std::string> counters = {
        "ser.total",
        "ser.redundant",
        "ser.sync_core",
        "ser.sync_core@finish_task_switch",
        "cpu0.ser.sync_core@finish_task_switch",
        "cpu1.ser.sync_core@finish_task_switch",
        "ipi.sent",
    };
    Catalog c;
    c.is_counter = [](std::string_view name) {
        return std::find(counters.begin(), counters.end(), name) != counters.end();
    };
    c.cost_names = {"syscall_entry", "sysret", "iret", "ipi_send"};
    c.preset_names = {"v5.10", "rfc-v2", "rfc-v2-intended"};
    c.property_names = {"G-MB", "G-SC", "G-SC-SELF", "G-TLB", "G-REF"};
    c.check_knob = [](std::string_view knob, const KnobValue& v) -> std::string {
        if (knob == "sync_core_in_switch_mm") {
            return v.kind == KnobValue::Kind::boolean ? "" : "expected a boolean";
        }
        if (knob == "ipi_delay") {
            return v.kind == KnobValue::Kind::integer ? "" : "expected an integer";
        }
        return "unknown knob \"" + std::string(knob) + "\"";
    };
    return c;
}

inline Scenario load(std::string_view text) {
    return load_string(text, "seed.toml", test_catalog());
}

/// The one-line message of the error `text` must produce.
inline std::string error_of(std::string_view text) {
    try {
        load(text);
    } catch (const ScenarioError& e) {
        return e.what();
    }
    FAIL("the scenario loaded without an error:\n" << text);
    return "";
}

inline const char* const kExample = R"(name = "unlazy-via-shootdown"
description = """
A CPU running a SYNC_CORE-registered thread goes idle (lazy on its mm), a
TLB shootdown that frees page tables unlazies it, and it switches back."""
policies = ["v5.10", "rfc-v2", "rfc-v2-intended"]

[machine]
cpus = 2

[[process]]
name = "jit"
register = ["private_expedited_sync_core"]

[[thread]]
name = "a"
process = "jit"
cpu = 0
program = ["user 1000", "wait go", "user 1000"]

[[thread]]
name = "b"
process = "jit"
cpu = 1
program = ["user 3000", "flush_tlb pages=1 freed_tables", "signal go", "user 4000"]

[[expect]]
policy = "v5.10"
counters = { "cpu0.ser.sync_core@finish_task_switch" = 1, "ser.redundant" = 1 }
violations = []

[[expect]]
policy = ["rfc-v2", "rfc-v2-intended"]
counters = { "ser.sync_core" = 0, "ser.redundant" = 0 }
violations = []
)";

// Lines 1-6; tests append from line 7.
inline const std::string kBase = R"([machine]
cpus = 2

[[process]]
name = "p"

)";

/// A [[thread]] of process "p" on CPU 0 whose table starts on line 7; `program` is on line 11.
inline std::string thread_with(std::string_view program) {
    return kBase +
           "[[thread]]\nname = \"t\"\nprocess = \"p\"\ncpu = 0\nprogram = " + std::string(program) +
           "\n";
}

/// `seed.toml:LINE:COL: rest` on one line, LINE and COL decimal numbers.
inline bool is_one_line_error(std::string_view msg) {
    const std::string_view prefix = "seed.toml:";
    if (msg.substr(0, prefix.size()) != prefix || msg.find('\n') != std::string_view::npos) {
        return false;
    }
    std::size_t i = prefix.size();
    for (int field = 0; field < 2; ++field) {
        const std::size_t start = i;
        while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9') {
            ++i;
        }
        if (i == start || i >= msg.size() || msg[i] != ':') {
            return false;
        }
        ++i;
    }
    return msg.substr(i, 1) == " " && msg.size() > i + 1;
}

inline const char* const kMachineKeys =
    "cpus, pcid, pti, invpcid, next_asid, serialize, fred, idle, memory, apic, "
    "timeslice, wakeup_preempt, offline, nohz_full, max_cycles, ghz, "
    "seed, jitter, delays, costs";

} // namespace loader_test
