// The other commands: diff's order and plain verdicts, policies --markdown generated from the
// policy tables, steps from the step table, -v, usage errors and exit codes.

#include "support.h"

#include "cli/explain.h"
#include "policy/knobs.h"
#include "policy/presets.h"
#include "scenario/steps.h"

using namespace clitest;

namespace {

std::size_t line_of(const std::vector<std::string>& ls, const std::string& prefix) {
    for (std::size_t i = 0; i < ls.size(); ++i) {
        if (ls[i].rfind(prefix, 0) == 0) {
            return i;
        }
    }
    FAIL("no line starts with \"" << prefix << "\"");
    return 0;
}

} // namespace

TEST_CASE("diff: redundant first, then by site, then barriers, then the rest", "[cli][diff]") {
    TempDir dir;
    const std::string busy = dir.write("busy.toml", busy_scenario);
    const std::string viol = dir.write("v.toml", violation_scenario);
    const Cmd c = tlbsim({"diff", busy, viol, "--policy", "v5.10", "--policy", "rfc-v2"});
    INFO(c.out << c.err);
    REQUIRE(c.code == cli::exit_ok);
    const auto ls = lines(c.out);
    const std::size_t head = line_of(ls, "scenario busy");
    std::vector<std::string> rows;
    for (std::size_t i = head + 2;
         i < ls.size() && ls[i].rfind("  ", 0) == 0 && ls[i].find("verdicts") == std::string::npos;
         ++i) {
        rows.push_back(ls[i].substr(2, ls[i].find(' ', 2) - 2));
    }
    REQUIRE(rows.size() >= 6);
    CHECK(rows[0] == "ser.redundant");
    CHECK(rows[1] == "cycles"); // "cycles of ser.redundant (derived)"
    // The whole-run count next to the local rule, then serializations by site.
    CHECK(rows[2] == "ser.sync_core.unneeded");
    CHECK(rows[3] == "ser.sync_core.unneeded@finish_task_switch");
    CHECK(rows[4] == "ser.sync_core@finish_task_switch");
    const auto pos = [&](const std::string& n) {
        return std::find(rows.begin(), rows.end(), n) - rows.begin();
    };
    CHECK(pos("ser.total") < pos("fb.total"));
    CHECK(pos("fb.total") < pos("cycles.fb"));
    // Values and delta.
    const std::string red = ls[head + 2];
    CHECK(red.find(" 1 ") != std::string::npos);
    CHECK(red.substr(red.size() - 2) == "-1");
    // The verdict change in plain words, and the summary.
    CHECK(c.out.find("  G-SC: holds under v5.10, violated under rfc-v2\n") != std::string::npos);
    // mb-lazy: a waits (cpu0 idles lazily on jit), b's call sends cpu0 no IPI; under v5.10
    // finish_task_switch's sync_core on a's way back is cpu0's first [SER] since t_a, under
    // rfc-v2 there is none (the violation): the breakdown rows follow the counters.
    const std::size_t lazy = line_of(ls, "scenario mb-lazy");
    const auto row_after = [&](const std::string& prefix) {
        for (std::size_t i = lazy; i < ls.size(); ++i) {
            if (ls[i].rfind(prefix, 0) == 0) {
                return ls[i];
            }
        }
        return std::string();
    };
    const std::string by_sync = row_after("  G-SC discharged by sync_core [finish_task_switch]");
    CHECK(by_sync.substr(by_sync.size() - 2) == "-1");
    const std::string violated = row_after("  G-SC violated");
    CHECK(violated.substr(violated.size() - 2) == "+1");
    CHECK(c.out.find("summary: 2 scenarios, v5.10 -> rfc-v2") != std::string::npos);
    CHECK(c.out.find("mb-lazy: G-SC: holds under v5.10, violated under rfc-v2") !=
          std::string::npos);
    // A mechanism rule broken under one policy only, with the first such warning, and in the
    // summary: rfc-v2's missing switch-in sync_core is K2 on cpu0, where a returns to user mode.
    CHECK(c.out.find("  K2: 0 warnings under v5.10, 1 under rfc-v2; first under rfc-v2: K2 on "
                     "cpu0 at t=") != std::string::npos);
    CHECK(c.out.find("  mechanism rules broken under one policy only: ") != std::string::npos);
    CHECK(c.out.find("    mb-lazy: K2: 0 under v5.10, 1 under rfc-v2\n") != std::string::npos);
}

TEST_CASE("diff: usage", "[cli][diff]") {
    TempDir dir;
    const std::string busy = dir.write("busy.toml", busy_scenario);
    CHECK(tlbsim({"diff", busy, "--policy", "v5.10"}).code == cli::exit_usage);
    CHECK(tlbsim({"diff", busy, "--policy", "v5.10", "--policy", "nope"}).code == cli::exit_usage);
    CHECK(tlbsim({"diff", "--policy", "v5.10", "--policy", "rfc-v2"}).code == cli::exit_usage);
    const std::string dead = dir.write("d.toml", deadlock_scenario);
    const Cmd c = tlbsim({"diff", dead, "--policy", "v5.10", "--policy", "rfc-v2"});
    CHECK(c.code == cli::exit_usage);
    CHECK(c.out.find("error under v5.10: deadlock") != std::string::npos);
}

TEST_CASE("policies --markdown is generated from the preset and knob tables", "[cli][docs]") {
    const Cmd c = tlbsim({"policies", "--markdown"});
    REQUIRE(c.code == cli::exit_ok);
    for (const auto& p : policy::presets()) {
        INFO(p.name);
        CHECK(c.out.find("| `" + std::string(p.name) + "` |") != std::string::npos);
    }
    for (const auto& k : policy::knob_table()) {
        INFO(k.name);
        CHECK(c.out.find("| `" + std::string(k.name) + "` |") != std::string::npos);
    }
    // Every table row has as many cells as its header.
    std::size_t header_cells = 0;
    for (const auto& l : lines(c.out)) {
        if (l.empty() || l[0] != '|') {
            header_cells = 0;
            continue;
        }
        std::size_t cells = 0;
        for (std::size_t i = 1; i < l.size(); ++i) {
            cells += l[i] == '|' && l[i - 1] != '\\';
        }
        if (header_cells == 0) {
            header_cells = cells;
        }
        CHECK(cells == header_cells);
    }
    CHECK(tlbsim({"counters", "--markdown"}).code == cli::exit_ok);
    CHECK(tlbsim({"costs", "--markdown"}).code == cli::exit_ok);
}

TEST_CASE("steps lists the step table, in text and in Markdown", "[cli][docs]") {
    const Cmd text = tlbsim({"steps"});
    REQUIRE(text.code == cli::exit_ok);
    const std::vector<std::string> ls = lines(text.out);
    // One line per step under "Steps:", starting with its name and its [[thread]] usage.
    const std::size_t first = line_of(ls, "Steps:") + 2;
    REQUIRE(first + scenario::step_table().size() <= ls.size());
    for (std::size_t i = 0; i < scenario::step_table().size(); ++i) {
        const scenario::StepInfo& s = scenario::step_table()[i];
        INFO(ls[first + i]);
        CHECK(ls[first + i].rfind("  " + std::string(s.name) + " ", 0) == 0);
        const std::string usage =
            scenario::includes(s.kinds, false) ? scenario::step_usage(s, false) : "-";
        CHECK(ls[first + i].find(" " + usage + " ") != std::string::npos);
    }
    CHECK(line_of(ls, "Options:") > first);
    CHECK(text.out.find('`') == std::string::npos); // code spans are for Markdown only
    const Cmd md = tlbsim({"steps", "--markdown"});
    REQUIRE(md.code == cli::exit_ok);
    CHECK(md.out.find("| `flush_tlb` | `flush_tlb [pages=N] [freed_tables]` | "
                      "`flush_tlb PROCESS [pages=N] [freed_tables]` | yes |") != std::string::npos);
    CHECK(md.out.find("| `label=NAME` | label name | none | every step but `end` |") !=
          std::string::npos);
    CHECK(tlbsim({"--help"}).out.find("\n  steps ") != std::string::npos);
}

TEST_CASE("run -v narrates every record", "[cli][run]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Cmd c = tlbsim({"run", file, "--policy", "v5.10", "-v"});
    INFO(c.err);
    REQUIRE(c.code == cli::exit_ok);
    CHECK(c.out.find("-- mb-lazy under v5.10") != std::string::npos);
    CHECK(c.out.find("return to user by IRET (mm jit)") != std::string::npos);
    CHECK(c.out.find("sync_core by IRET-to-self  [finish_task_switch") != std::string::npos);
}

TEST_CASE("exit codes of the command line", "[cli]") {
    TempDir dir;
    CHECK(tlbsim({}).code == cli::exit_usage);
    CHECK(tlbsim({"--help"}).code == cli::exit_ok);
    CHECK(tlbsim({"--version"}).code == cli::exit_ok);
    CHECK(tlbsim({"frobnicate"}).code == cli::exit_usage);
    CHECK(tlbsim({"run", "--no-such-option"}).code == cli::exit_usage);
    const std::string bad = dir.write("bad.toml", "[machine]\ncpus = 0\n");
    const Cmd c = tlbsim({"run", bad});
    CHECK(c.code == cli::exit_usage);
    CHECK(lines(c.err).size() == 1); // one line: file:line:col: path: message
    CHECK(c.err.rfind(bad + ":", 0) == 0);
    // An expectation that fails under run exits 1.
    const std::string wrong = dir.write(
        "w.toml", std::string(violation_scenario) +
                      "\n[[expect]]\npolicy = \"v5.10\"\ncounters = { \"ser.total\" = 1 }\n");
    CHECK(tlbsim({"run", wrong}).code == cli::exit_expectation);
    // explain still works.
    const std::string v = dir.write("v.toml", violation_scenario);
    const Cmd e = tlbsim({"explain", v, "--policy", "v5.10", "ser.sync_core"});
    CHECK(e.code == cli::exit_ok);
    CHECK(e.out.find("ser.sync_core = ") == 0);
}

TEST_CASE("policy names on the command line: did-you-mean, all, FILE's [[policy]]", "[cli]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    const Cmd typo = tlbsim({"run", file, "--policy", "rfc_v2"});
    CHECK(typo.code == cli::exit_usage);
    CHECK(typo.err.find("unknown policy \"rfc_v2\" (did you mean \"rfc-v2\"?)") !=
          std::string::npos);
    // `all`: every preset, in the table's order, each once.
    const Cmd all = tlbsim({"run", file, "--policy", "all", "--policy", "v5.10"});
    REQUIRE(all.code == cli::exit_ok);
    std::string header = "counter";
    for (const auto& p : policy::presets()) {
        header += " " + std::string(p.name);
    }
    const std::string first_row = lines(all.out).at(1);
    std::string words;
    for (std::size_t i = 0; i < first_row.size(); ++i) {
        if (first_row[i] != ' ' || (i > 0 && first_row[i - 1] != ' ')) {
            words += first_row[i];
        }
    }
    CHECK(words == header);
    // --diff accepts a file's [[policy]], as --bisect does; --bisect wants one file.
    const std::string defs =
        dir.write("d.toml", std::string(violation_scenario) +
                                "\n[[policy]]\nname = \"mine\"\nbase = \"v5.10\"\n"
                                "knobs = { lazy_switch_mb = false }\n");
    const Cmd d = tlbsim({"policies", "--diff", "v5.10", "mine", defs});
    INFO(d.err);
    CHECK(d.code == cli::exit_ok);
    CHECK(d.out.rfind("lazy_switch_mb: true -> false\n", 0) == 0);
    CHECK(tlbsim({"policies", "--diff", "v5.10", "mine"}).code == cli::exit_usage);
    const Cmd b = tlbsim({"policies", "--bisect", "v5.10", "rfc-v2", dir.path.string()});
    CHECK(b.code == cli::exit_usage);
    CHECK(b.err.find("is a directory; give one scenario file") != std::string::npos);
}

TEST_CASE("no scenario files: the message names where it looked", "[cli]") {
    TempDir dir;
    const Cmd r = tlbsim({"run", dir.path.string()});
    CHECK(r.code == cli::exit_usage);
    CHECK(r.err.find("run: no scenario files (*.toml) found in " + dir.path.string()) !=
          std::string::npos);
    const Cmd c = tlbsim({"check", dir.path.string()});
    CHECK(c.code == cli::exit_usage);
    CHECK(c.err.find("check: no scenario files (*.toml) found in " + dir.path.string()) !=
          std::string::npos);
}

TEST_CASE("explain names each record's function once in its call path", "[cli][explain]") {
    CHECK(cli::call_line("context_switch", "context_switch ← __schedule") ==
          "context_switch ← __schedule");
    CHECK(cli::call_line("sync_core", "finish_task_switch ← context_switch") ==
          "sync_core ← finish_task_switch ← context_switch");
    CHECK(cli::call_line("smp_mb", "") == "smp_mb");
    TempDir dir;
    const std::string v = dir.write("v.toml", violation_scenario);
    const Cmd e = tlbsim({"explain", v, "--policy", "v5.10", "ctxsw.total"});
    REQUIRE(e.code == cli::exit_ok);
    CHECK(e.out.find("    context_switch ← __schedule") != std::string::npos);
    CHECK(e.out.find("context_switch ← context_switch") == std::string::npos);
}

TEST_CASE("explain prints the findings behind violation and warning counters", "[cli][explain]") {
    const std::string file = std::string(TLBSIM_SOURCE_DIR) + "/scenarios/history/idle-return.toml";
    const Cmd v = tlbsim({"explain", file, "--policy", "rfc-v2", "violation.G-SC"});
    REQUIRE(v.code == cli::exit_ok);
    CHECK(v.out.rfind("violation.G-SC = 1 in idle-return under rfc-v2\n", 0) == 0);
    CHECK(v.out.find("  violation (rfc-v2): G-SC on cpu1 at t=") != std::string::npos);
    CHECK(v.out.find("when the caller read it") != std::string::npos);
    const Cmd k = tlbsim({"explain", file, "--policy", "rfc-v2", "cpu1.warning.K2"});
    REQUIRE(k.code == cli::exit_ok);
    CHECK(k.out.find("  warning (rfc-v2): K2 on cpu1 at t=11460: ") != std::string::npos);
    // ... with the records behind it: from the rq->curr store that made jit cpu1's visible mm
    // (K2's window opens there) to the SYSRET into jit with no [SER] in between (rfc-v2 drops
    // the switch-in sync_core; the smp_mb of switch_mm_irqs_off is an [FB], not a [SER]).
    const auto at = [&](const std::string& s) { return k.out.find(s); };
    const auto store =
        at("      cpu1 t=10465 swapper/1: rq->curr = t2 (mm NULL -> jit) [__schedule]");
    const auto ret = at("      cpu1 t=11460 t2: return to user by SYSRET (mm jit)");
    REQUIRE(store != std::string::npos);
    REQUIRE(ret != std::string::npos);
    CHECK(store < ret);
    CHECK(k.out.find("sync_core", store) == std::string::npos);
    const Cmd none = tlbsim({"explain", file, "--policy", "rfc-v2", "cpu0.warning.K2"});
    CHECK(none.out == "cpu0.warning.K2 = 0 in idle-return under rfc-v2\n");
}

TEST_CASE("--list-commands: every command, each with --help and a line in tlbsim --help",
          "[cli][docs]") {
    // The man page and the bash completion are generated from this listing (scripts/cli-files).
    const Cmd list = tlbsim({"--list-commands"});
    REQUIRE(list.code == cli::exit_ok);
    const auto names = lines(list.out);
    REQUIRE(!names.empty());
    CHECK(names.front() == "run");
    CHECK(names.back() == "gen");
    const std::string usage = tlbsim({"--help"}).out;
    for (const std::string& name : names) {
        INFO(name);
        CHECK(usage.find("\n  " + name + " ") != std::string::npos);
        const Cmd help = tlbsim({name, "--help"});
        CHECK(help.code == cli::exit_ok);
        CHECK(help.out.find("--help") != std::string::npos);
    }
}

TEST_CASE("a membarrier call's record names its command", "[cli]") {
    const std::string file = std::string(TLBSIM_SOURCE_DIR) + "/scenarios/history/idle-return.toml";
    const Cmd e = tlbsim({"explain", file, "--policy", "v5.10", "membarrier.calls"});
    REQUIRE(e.code == cli::exit_ok);
    CHECK(e.out.find("membarrier(private_expedited_sync_core) returns 0") != std::string::npos);
    TempDir dir;
    const std::string bad = dir.write(
        "bad.toml", "[machine]\ncpus = 1\n[[process]]\nname = \"p\"\n[[thread]]\nname = \"t\"\n"
                    "process = \"p\"\ncpu = 0\nprogram = [\"membarrier 3 expect=EINVAL\"]\n");
    const Cmd v = tlbsim({"run", bad, "-v"});
    REQUIRE(v.code == cli::exit_ok);
    CHECK(v.out.find("membarrier(cmd 3) returns -22") != std::string::npos);
}

TEST_CASE("--seed takes the values [machine] seed takes", "[cli]") {
    TempDir dir;
    const std::string file = dir.write("v.toml", violation_scenario);
    for (const char* bad : {"-1", "12x", "", "9223372036854775808"}) {
        INFO(bad);
        const Cmd c = tlbsim({"run", file, "--seed", bad});
        CHECK(c.code == cli::exit_usage);
        CHECK(c.err.find("--seed must be a whole number from 0 to 9223372036854775807") !=
              std::string::npos);
    }
    CHECK(tlbsim({"run", file, "--seed", "9223372036854775807"}).code == cli::exit_ok);
}
