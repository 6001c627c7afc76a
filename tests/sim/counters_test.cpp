// The counter registry (sim/counters.h).

#include "sim/counters.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string_view>

using sim::CounterRegistry;

TEST_CASE("counters: declare, add, total and per-CPU values", "[sim][counters]") {
    CounterRegistry reg;
    const auto ser = reg.declare("ser.total", "serializing events");
    const auto fb = reg.declare("fb.total", "full barriers");
    reg.reset(4);
    CHECK(reg.cpus() == 4);

    REQUIRE(reg.declared().size() == 2);
    CHECK(reg.declared()[0].name == "ser.total");
    CHECK(reg.declared()[0].description == "serializing events");
    CHECK(reg.declared()[1].name == "fb.total");

    reg.add(ser, 1, 3);
    reg.add(ser, 2);
    reg.add(fb, 3, 10);
    reg.add(fb, -1, 5); // not attributed to a CPU: total only

    CHECK(reg.total(ser) == 4);
    CHECK(reg.on_cpu(ser, 0) == 0);
    CHECK(reg.on_cpu(ser, 1) == 3);
    CHECK(reg.on_cpu(ser, 2) == 1);
    CHECK(reg.on_cpu(ser, 3) == 0);
    CHECK(reg.total(fb) == 15);
    CHECK(reg.on_cpu(fb, 3) == 10);
    CHECK(reg.on_cpu(fb, 1) == 0); // counters do not bleed into each other

    CHECK(reg.value("ser.total") == std::optional<std::int64_t>{4});
    CHECK(reg.value("cpu1.ser.total") == std::optional<std::int64_t>{3});
    CHECK(reg.value("cpu2.ser.total") == std::optional<std::int64_t>{1});
    CHECK(reg.value("cpu3.fb.total") == std::optional<std::int64_t>{10});
    CHECK(reg.value("fb.total") == std::optional<std::int64_t>{15});
}

TEST_CASE("counters: a counter that never fired is zero, not absent", "[sim][counters]") {
    CounterRegistry reg;
    const auto a = reg.declare("a", "fires");
    const auto never = reg.declare("ipi.tlb", "never fires");
    reg.reset(2);
    reg.add(a, 0);
    CHECK(reg.total(never) == 0);
    CHECK(reg.on_cpu(never, 0) == 0);
    CHECK(reg.on_cpu(never, 1) == 0);
    CHECK(reg.value("ipi.tlb") == std::optional<std::int64_t>{0});
    CHECK(reg.value("cpu1.ipi.tlb") == std::optional<std::int64_t>{0});
}

TEST_CASE("counters: unknown names and CPUs give nullopt", "[sim][counters]") {
    CounterRegistry reg;
    reg.declare("x", "x");
    reg.reset(2);
    CHECK_FALSE(reg.value("y").has_value());
    CHECK_FALSE(reg.value("cpu0.y").has_value());
    CHECK_FALSE(reg.value("cpu2.x").has_value()); // no such CPU
    CHECK_FALSE(reg.value("").has_value());
    CHECK(reg.value("cpu1.x") == std::optional<std::int64_t>{0});
    CHECK_FALSE(reg.find("y").has_value());
    REQUIRE(reg.find("x").has_value());
    CHECK(reg.find("x")->index == 0);
}

TEST_CASE("counters: reset zeroes every value and resizes the per-CPU storage", "[sim][counters]") {
    CounterRegistry reg;
    const auto x = reg.declare("x", "x");
    reg.reset(2);
    reg.add(x, 1, 7);
    CHECK(reg.total(x) == 7);
    reg.reset(8);
    CHECK(reg.cpus() == 8);
    CHECK(reg.total(x) == 0);
    CHECK(reg.on_cpu(x, 1) == 0);
    reg.add(x, 7, 2);
    CHECK(reg.on_cpu(x, 7) == 2);
    CHECK(reg.value("cpu7.x") == std::optional<std::int64_t>{2});
    CHECK(reg.total(x) == 2);
}

TEST_CASE("counters: is_name accepts names with or without a cpuN. prefix", "[sim][counters]") {
    CounterRegistry reg;
    reg.declare("ser.total", "");
    reg.declare("ser.sync_core@finish_task_switch", "");
    reg.reset(1);
    CHECK(reg.is_name("ser.total"));
    CHECK(reg.is_name("cpu0.ser.total"));
    CHECK(reg.is_name("cpu999.ser.total")); // N is not checked
    CHECK(reg.is_name("ser.sync_core@finish_task_switch"));
    CHECK(reg.is_name("cpu3.ser.sync_core@finish_task_switch"));
    CHECK_FALSE(reg.is_name("ser"));
    CHECK_FALSE(reg.is_name("cpu0.ser"));
    CHECK_FALSE(reg.is_name("cpu0"));
    CHECK_FALSE(reg.is_name("cpux.ser.total"));
    CHECK_FALSE(reg.is_name(""));
}

TEST_CASE("counters: split_cpu_prefix", "[sim][counters]") {
    using P = std::pair<int, std::string_view>;
    CHECK(sim::split_cpu_prefix("cpu3.ser.total") == P{3, "ser.total"});
    CHECK(sim::split_cpu_prefix("cpu0.x") == P{0, "x"});
    CHECK(sim::split_cpu_prefix("cpu1023.fb.smp_mb") == P{1023, "fb.smp_mb"});
    CHECK(sim::split_cpu_prefix("ser.total") == P{-1, "ser.total"});
    CHECK(sim::split_cpu_prefix("cpu.x") == P{-1, "cpu.x"});
    CHECK(sim::split_cpu_prefix("cpux.y") == P{-1, "cpux.y"});
    CHECK(sim::split_cpu_prefix("cpu3x.y") == P{-1, "cpu3x.y"});
    CHECK(sim::split_cpu_prefix("cpu-1.y") == P{-1, "cpu-1.y"});
    CHECK(sim::split_cpu_prefix("cpu3") == P{-1, "cpu3"});
    CHECK(sim::split_cpu_prefix("") == P{-1, ""});
}
