// The step table (scenario/steps.h) is complete and consistent: every operation has its step,
// every option a step lists is declared with somewhere to store its value, and the usage lines
// derived from it are the ones the loader's messages show.

#include "scenario/steps.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using scenario::ArgType;
using scenario::Op;
using scenario::OptionType;
using scenario::StepInfo;

TEST_CASE("every operation has exactly one step, and `end` closes repeat", "[steps]") {
    // Op::repeat is the last enumerator.
    for (int i = 0; i <= static_cast<int>(Op::repeat); ++i) {
        const auto op = static_cast<Op>(i);
        INFO(i);
        int steps = 0;
        for (const StepInfo& s : scenario::step_table()) {
            steps += s.op == op && !s.closes_repeat ? 1 : 0;
        }
        CHECK(steps == 1);
        CHECK(scenario::step_info(op).op == op);
    }
    const StepInfo* end = scenario::find_step("end");
    REQUIRE(end != nullptr);
    CHECK(end->closes_repeat);
    CHECK(end->op == Op::repeat);
    CHECK(end->options.empty());
    CHECK(end->args.empty());
}

TEST_CASE("step names are unique, and every step may be used by some thread", "[steps]") {
    std::set<std::string> names;
    for (const StepInfo& s : scenario::step_table()) {
        INFO(s.name);
        CHECK(names.insert(std::string(s.name)).second);
        CHECK((scenario::includes(s.kinds, false) || scenario::includes(s.kinds, true)));
        CHECK(scenario::find_step(s.name) == &s);
        CHECK_FALSE(s.meaning.empty());
    }
    CHECK(scenario::find_step("usr") == nullptr);
}

TEST_CASE("every option of a step is declared, with a field for its value", "[steps]") {
    for (const StepInfo& s : scenario::step_table()) {
        for (const scenario::StepOption o : s.options) {
            const scenario::OptionInfo& info = scenario::option_info(o);
            INFO(s.name << " " << info.name);
            const bool integer =
                info.type == OptionType::integer || info.type == OptionType::membarrier_flags;
            CHECK((info.int_field != nullptr) == integer);
            CHECK((info.bool_field != nullptr) == (info.type == OptionType::flag));
            CHECK(info.value.empty() == (info.type == OptionType::flag));
            CHECK(info.min <= info.max);
        }
        for (const scenario::ArgInfo& a : s.args) {
            INFO(s.name << " " << a.name);
            CHECK(a.min <= a.max);
            CHECK((a.type == ArgType::integer || (a.min == 0 && a.max == 0)));
        }
    }
}

TEST_CASE("usage lines come from the table, per kind of thread", "[steps]") {
    const auto usage = [](std::string_view name, bool kthread) {
        return scenario::step_usage(*scenario::find_step(name), kthread);
    };
    CHECK(usage("user", false) == "user N");
    CHECK(usage("yield", true) == "yield");
    CHECK(usage("end", false) == "end");
    CHECK(usage("membarrier", false) == "membarrier CMD [flags=F] [cpu=N] [expect=R]");
    CHECK(usage("flush_tlb", false) == "flush_tlb [pages=N] [freed_tables]");
    CHECK(usage("flush_tlb", true) == "flush_tlb PROCESS [pages=N] [freed_tables]");
}

TEST_CASE("the reference names types and ranges", "[steps]") {
    CHECK(scenario::type_text(scenario::find_step("user")->args[0]) == "int 1..2^50");
    CHECK(scenario::type_text(scenario::find_step("sleep")->args[0]) == "int 0..2^50");
    CHECK(scenario::type_text(scenario::find_step("repeat")->args[0]) == "int >= 1");
    CHECK(scenario::type_text(scenario::option_info(scenario::StepOption::pages)) == "int >= 0");
    CHECK(scenario::type_text(scenario::option_info(scenario::StepOption::cpu)) == "int");
}
