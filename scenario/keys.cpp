#include "scenario/keys.h"

namespace scenario {

namespace {

/// The top level of a scenario file.
KeyTableInfo top_level_keys() {
    return {KeyTable::top,
            "top level",
            {{"name", "string", "file stem", "scenario name in reports"},
             {"description", "string", "\"\"", "free text"},
             {"policies", "array of strings", "[\"v5.10\"]",
              "policies to run when the command line names none"},
             {"machine", "table", "required", "the simulated machine"},
             {"process", "array of tables", "none", "processes (each one mm)"},
             {"thread", "array of tables", "none", "user threads"},
             {"kthread", "array of tables", "none", "kernel threads (no mm of their own)"},
             {"inject", "array of tables", "none", "events injected at fixed times"},
             {"policy", "array of tables", "none", "user-defined policies"},
             {"expect", "array of tables", "none", "expected results"}}};
}

/// [machine]: the simulated machine.
KeyTableInfo machine_keys() {
    return {
        KeyTable::machine,
        "[machine]",
        {{"cpus", "int 1..4096", "required",
          "number of CPUs; each starts in its idle task on init_mm"},
         {"pcid", "bool", "true",
          "PCID/ASID support (6 dynamic ASIDs; ASID 0 and always flush when off)"},
         {"pti", "bool", "false",
          "page-table isolation: CR3 written on every kernel entry and exit"},
         {"invpcid", "bool", "true",
          "INVPCID_SINGLE (with pcid): under PTI a one-page flush also flushes the user PCID "
          "by INVPCID instead of flushing all of it at the next return to user"},
         {"next_asid", "array of ints 1..6, one per CPU", "[1, ...]",
          "cpu_tlbstate.next_asid at time 0: the ASID slot choose_new_asid() takes next (6: "
          "slot 0, init_mm's from boot, then 1), the state a recording implies from before it "
          "began with [[process]] asid_slots (docs/replay.md)"},
         {"serialize", "bool", "false",
          "sync_core() uses SERIALIZE instead of IRET-to-self (cost only)"},
         {"fred", "bool", "false",
          "FRED: under a kernel with fred_entry (mainline) and without PTI, returns are "
          "ERETU/ERETS, not serializing"},
         {"idle", "\"poll\", \"halt\" or \"mwait\"", "\"poll\"",
          "the idle routine: idle=poll, HLT, or intel_idle's MWAIT (sched/idle.h)"},
         {"memory", "\"sc\" or \"tso\"", "\"tso\"",
          "user memory and the kernel's rq->curr, rq->membarrier_state and tsk->mm stores: "
          "sequentially consistent, or x86-TSO with a FIFO store buffer per CPU "
          "(docs/memory-model.md)"},
         {"apic", "\"x2apic\" or \"xapic\"", "\"x2apic\"",
          "how IPIs are sent: x2APIC WRMSR, each send call after an MFENCE, or xAPIC MMIO"},
         {"timeslice", "int >= 0", "0", "scheduler tick period; 0 = no tick"},
         {"wakeup_preempt", "bool", "false", "a wakeup onto a busy CPU sets need_resched there"},
         {"offline", "array of ints", "[]", "CPUs that exist but are offline"},
         {"nohz_full", "bool", "false", "booted with nohz_full (membarrier GLOBAL and QUERY)"},
         {"max_cycles", "int > 0", "none", "stop the run at this simulated time"},
         {"ghz", "float > 0", "3.0", "only for printing nanoseconds and trace timestamps"},
         {"seed", "int", "0", "root seed for anything random"},
         {"jitter", "int 0..100", "0", "percent by which every cost and step length is perturbed"},
         {"delays", "array of strings", "[]",
          "schedule perturbation, each \"CPU@AT+EXTRA\": the first step on CPU drawn at or after "
          "cycle AT lasts EXTRA cycles longer (what tlbsim explore and --shrink write)"},
         {"costs", "table", "defaults", "cost-model overrides by name (tlbsim costs)"}}};
}

} // namespace

const std::vector<KeyTableInfo>& key_tables() {
    static const std::vector<KeyTableInfo> tables = {
        top_level_keys(),
        machine_keys(),
        {KeyTable::process,
         "[[process]]",
         {{"name", "string", "required", "unique among processes"},
          {"register", "array of strings", "[]",
           "membarrier registrations from time 0: private_expedited, private_expedited_sync_core, "
           "private_expedited_rseq, global_expedited"},
          {"variables", "table name -> int", "none",
           "user variables shared by the process's threads, with their initial values; names "
           "[A-Za-z_][A-Za-z0-9_]*, unique in the scenario (docs/memory-model.md)"},
          {"asid_slots", "array of ints, one per CPU", "[]",
           "the dynamic ASID slot (1..5, 0: none) the mm holds on each CPU at time 0, the state "
           "a recording implies from before it began (docs/replay.md); slot 1 is reused first"}}},
        {KeyTable::thread,
         "[[thread]]",
         {{"name", "string", "required", "unique among all threads and kthreads"},
          {"process", "string", "required", "the process (mm) the thread belongs to"},
          {"cpu", "int", "required", "the online CPU whose runqueue it starts on"},
          {"start", "int >= 0", "0", "when it is created"},
          {"program", "array of strings", "required", "the steps it executes, in order"}}},
        {KeyTable::kthread,
         "[[kthread]]",
         {{"name", "string", "required", "unique among all threads and kthreads"},
          {"cpu", "int", "required", "the online CPU whose runqueue it starts on"},
          {"start", "int >= 0", "0", "when it is created"},
          {"program", "array of strings", "required", "the steps it executes, in order"}}},
        {KeyTable::inject,
         "[[inject]]",
         {{"at", "int", "required", "time"},
          {"cpu", "int", "required", "the CPU it happens on"},
          {"event", "\"interrupt\" or \"flush_tlb\"", "required",
           "a device interrupt, or a kernel thread running flush_tlb_mm_range"},
          {"process", "string", "required for flush_tlb", "the mm to flush"},
          {"pages", "int", "0", "for flush_tlb: pages (0 = full flush)"},
          {"freed_tables", "bool", "false", "for flush_tlb: page tables were freed"}}},
        {KeyTable::policy,
         "[[policy]]",
         {{"name", "string", "required", "new name; may not shadow a preset"},
          {"base", "string", "required", "a preset, or a policy defined earlier in the file"},
          {"knobs", "table", "none", "knob name -> value (tlbsim policies lists them)"}}},
        {KeyTable::expect,
         "[[expect]]",
         {{"policy", "string or array of strings", "required", "the policies it applies to"},
          {"counters", "table name -> int", "none", "exact values of counters"},
          {"violations", "array of strings", "none", "the exact set of properties violated"},
          {"results", "table label -> int or errno name", "none",
           "results of labelled membarrier steps"},
          {"forbid", "string", "none",
           "a condition over final registers and memory that must not hold "
           "(\"t0:r1 == 0 && t1:r2 == 0\"; docs/memory-model.md)"},
          {"require", "string", "none",
           "a condition over final registers and memory that must hold"}}},
    };
    return tables;
}

std::vector<std::string_view> key_names(KeyTable table) {
    std::vector<std::string_view> names;
    for (const auto& t : key_tables()) {
        if (t.table == table) {
            for (const auto& k : t.keys) {
                names.push_back(k.name);
            }
        }
    }
    return names;
}

} // namespace scenario
