// The sections that describe the machine and what runs on it apart from programs: the top-level
// name, [machine], [[process]] and [[inject]].

#include "scenario/sections.h"

#include "scenario/keys.h"
#include "scenario/limits.h"
#include "scenario/text_util.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

/// The [machine] keys that are plain booleans, and the field each sets.
constexpr std::pair<std::string_view, bool Machine::*> kMachineFlags[] = {
    {"pcid", &Machine::pcid},           {"pti", &Machine::pti},
    {"invpcid", &Machine::invpcid},     {"serialize", &Machine::serialize},
    {"fred", &Machine::fred},           {"wakeup_preempt", &Machine::wakeup_preempt},
    {"nohz_full", &Machine::nohz_full},
};

struct RegistrationName {
    std::string_view name;
    Registration reg;
};
constexpr RegistrationName kRegistrations[] = {
    {"private_expedited", Registration::private_expedited},
    {"private_expedited_sync_core", Registration::private_expedited_sync_core},
    {"private_expedited_rseq", Registration::private_expedited_rseq},
    {"global_expedited", Registration::global_expedited},
};

double load_ghz(const LoadState& st, const toml::node& n, const std::string& path) {
    double v = 0;
    if (const auto* i = n.as_integer()) {
        v = static_cast<double>(i->get());
    } else if (const auto* f = n.as_floating_point()) {
        v = f->get();
    } else {
        st.in.bad_type(n, path, "a number");
    }
    if (!std::isfinite(v) || !(v > 0)) {
        st.in.fail(TomlReader::node_loc(n), path,
                   fmt::format("must be a finite number > 0 (got {})", v));
    }
    return v;
}

/// `offline`: existing CPUs, each once, not all of them; sorted.
std::vector<int> load_offline(const LoadState& st, const toml::node& n, const std::string& path) {
    const Machine& m = st.sc.machine;
    const toml::array& arr = st.in.get_array(n, path, "an array of CPU numbers");
    std::vector<int> off;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const toml::node& c = *arr.get(i);
        const std::string cp = index_path(path, i);
        const std::int64_t cpu = st.in.get_int(c, cp);
        if (cpu < 0 || cpu >= m.cpus) {
            st.in.fail(TomlReader::node_loc(c), cp, no_such_cpu(cpu, m));
        }
        if (std::find(off.begin(), off.end(), static_cast<int>(cpu)) != off.end()) {
            st.in.fail(TomlReader::node_loc(c), cp, fmt::format("CPU {} is listed twice", cpu));
        }
        off.push_back(static_cast<int>(cpu));
    }
    if (static_cast<int>(off.size()) == m.cpus) {
        st.in.fail(TomlReader::node_loc(n), path,
                   "every CPU is offline (at least one must be online)");
    }
    std::sort(off.begin(), off.end());
    return off;
}

/// `next_asid = [1, 6]`: by CPU, cpu_tlbstate.next_asid at time 0 (arch/x86/mm/tlb.c:
/// 1..TLB_NR_DYN_ASIDS; at 6 choose_new_asid() wraps to slot 0 and sets it to 1).
std::vector<int> load_next_asid(const LoadState& st, const toml::node& n, const std::string& path) {
    const Machine& m = st.sc.machine;
    const toml::array& arr = st.in.get_array(n, path, "an array of ASID slots, one per CPU");
    if (static_cast<int>(arr.size()) != m.cpus) {
        st.in.fail(TomlReader::node_loc(n), path,
                   fmt::format("{} values for {} CPUs (one per CPU)", arr.size(), m.cpus));
    }
    std::vector<int> next;
    for (std::size_t c = 0; c < arr.size(); ++c) {
        next.push_back(
            static_cast<int>(st.in.get_int_range(*arr.get(c), index_path(path, c), 1, 6)));
    }
    return next;
}

/// What `next_asid` needs from the rest of [machine] (its keys may come in any order): PCID, and
/// boot's 1 on an offline CPU (it never allocates an ASID).
void check_next_asid(const LoadState& st, const toml::node& n, const std::string& path) {
    const Machine& m = st.sc.machine;
    if (!m.pcid) {
        st.in.fail(TomlReader::node_loc(n), path,
                   "next_asid needs PCID ([machine] pcid = false gives every mm ASID 0)");
    }
    for (std::size_t c = 0; c < m.next_asid.size(); ++c) {
        if (m.next_asid[c] != 1 && !m.is_online(static_cast<int>(c))) {
            st.in.fail(TomlReader::node_loc(*n.as_array()->get(c)), index_path(path, c),
                       fmt::format("CPU {} is offline (its next_asid stays 1)", c));
        }
    }
}

/// `delays`: "CPU@AT+EXTRA" strings naming existing CPUs, times within the cycle limit.
std::vector<Delay> load_delays(const LoadState& st, const toml::node& n, const std::string& path) {
    const Machine& m = st.sc.machine;
    const toml::array& arr = st.in.get_array(n, path, "an array of \"CPU@AT+EXTRA\" strings");
    std::vector<Delay> delays;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const toml::node& d = *arr.get(i);
        const std::string dp = index_path(path, i);
        const std::string text = st.in.get_string(d, dp);
        const std::optional<Delay> delay = parse_delay(text);
        if (!delay) {
            st.in.fail(TomlReader::node_loc(d), dp,
                       fmt::format("expected \"CPU@AT+EXTRA\" (e.g. \"1@5000+300\": CPU 1's first "
                                   "step at or after cycle 5000 lasts 300 cycles longer), got {}",
                                   quote(text)));
        }
        if (delay->cpu >= m.cpus) {
            st.in.fail(TomlReader::node_loc(d), dp, no_such_cpu(delay->cpu, m));
        }
        if (delay->at > limits::cycles || delay->extra > limits::cycles) {
            st.in.fail(TomlReader::node_loc(d), dp,
                       fmt::format("{}: AT and EXTRA must be at most {} cycles", quote(text),
                                   limits::cycles));
        }
        delays.push_back(*delay);
    }
    return delays;
}

void load_machine_costs(LoadState& st, const toml::node& n, const std::string& path) {
    const Tbl t = st.in.open(st.in.get_table(n, path), path);
    std::vector<std::string_view> names(st.catalog.cost_names.begin(), st.catalog.cost_names.end());
    for (const Entry& e : t.entries) {
        const std::string cp = t.child(e.key);
        if (std::find(names.begin(), names.end(), e.key) == names.end()) {
            st.in.fail(e.key_loc, cp,
                       "unknown cost" + suggest_and_list(closest(e.key, names), names));
        }
        const std::int64_t v = st.in.get_int_range(*e.node, cp, 0, limits::cycles);
        st.sc.machine.costs[std::string(e.key)] = v;
        st.sc.machine.cost_locs[std::string(e.key)] = TomlReader::node_loc(*e.node);
    }
}

/// One [machine] key other than `cpus` (read first: other keys check CPUs against it).
void load_machine_key(LoadState& st, const Entry& e, const std::string& path) {
    Machine& m = st.sc.machine;
    const toml::node& n = *e.node;
    for (const auto& [key, field] : kMachineFlags) {
        if (e.key == key) {
            m.*field = st.in.get_bool(n, path);
            return;
        }
    }
    if (e.key == "idle") {
        m.idle = static_cast<IdleMode>(st.in.get_choice(n, path, {"poll", "halt", "mwait"}));
    } else if (e.key == "memory") {
        m.memory = static_cast<MemoryModel>(st.in.get_choice(n, path, {"sc", "tso"}));
    } else if (e.key == "apic") {
        m.apic = static_cast<ApicMode>(st.in.get_choice(n, path, {"x2apic", "xapic"}));
    } else if (e.key == "timeslice") {
        m.timeslice = st.in.get_int_range(n, path, 0, limits::cycles);
    } else if (e.key == "max_cycles") {
        m.max_cycles = st.in.get_int_range(n, path, 1, limits::cycles);
    } else if (e.key == "ghz") {
        m.ghz = load_ghz(st, n, path);
    } else if (e.key == "seed") {
        m.seed = static_cast<std::uint64_t>(st.in.get_int_range(n, path, 0));
    } else if (e.key == "jitter") {
        m.jitter = static_cast<int>(st.in.get_int_range(n, path, 0, 100));
    } else if (e.key == "offline") {
        m.offline = load_offline(st, n, path);
    } else if (e.key == "next_asid") {
        m.next_asid = load_next_asid(st, n, path);
    } else if (e.key == "delays") {
        m.delays = load_delays(st, n, path);
    } else if (e.key == "costs") {
        load_machine_costs(st, n, path);
    }
}

/// A registration named in `register`, also accepting the command's spelling in the message's
/// suggestion ("register_private_expedited", "MEMBARRIER_CMD_...").
Registration find_registration(const LoadState& st, const toml::node& n, const std::string& path) {
    const std::string v = st.in.get_string(n, path);
    std::vector<std::string_view> names;
    for (const RegistrationName& r : kRegistrations) {
        if (r.name == v) {
            return r.reg;
        }
        names.push_back(r.name);
    }
    std::string norm = lower_ascii(v);
    if (norm.rfind("membarrier_cmd_", 0) == 0) {
        norm = norm.substr(15);
    }
    if (norm.rfind("register_", 0) == 0) {
        norm = norm.substr(9);
    }
    st.in.fail(TomlReader::node_loc(n), path,
               fmt::format("unknown registration {}{}", quote(v),
                           suggest_and_list(closest(norm, names), names)));
}

std::vector<Registration> load_registrations(const LoadState& st, const toml::node& n,
                                             const std::string& path) {
    const toml::array& arr = st.in.get_array(n, path, "an array of strings");
    std::vector<Registration> regs;
    for (std::size_t j = 0; j < arr.size(); ++j) {
        const toml::node& rn = *arr.get(j);
        const std::string ep = index_path(path, j);
        const Registration reg = find_registration(st, rn, ep);
        if (std::find(regs.begin(), regs.end(), reg) != regs.end()) {
            st.in.fail(
                TomlReader::node_loc(rn), ep,
                fmt::format("registration {} is listed twice", quote(rn.as_string()->get())));
        }
        regs.push_back(reg);
    }
    return regs;
}

/// `variables = { x = 0, y = 0 }`: the process's user variables, each name unique in the file.
std::vector<int> load_variables(LoadState& st, const toml::node& n, const std::string& path,
                                int process) {
    const Tbl t = st.in.open(st.in.get_table(n, path), path);
    std::vector<int> ids;
    for (const Entry& e : t.entries) {
        const std::string vp = t.child(e.key);
        if (!is_identifier(e.key)) {
            st.in.fail(e.key_loc, vp,
                       fmt::format("invalid variable name {} (a variable is "
                                   "[A-Za-z_][A-Za-z0-9_]*)",
                                   quote(e.key)));
        }
        if (auto it = st.variable_index.find(e.key); it != st.variable_index.end()) {
            const Variable& first = st.sc.variables[static_cast<std::size_t>(it->second)];
            st.in.fail(e.key_loc, vp,
                       fmt::format("duplicate variable {} (first declared at line {})",
                                   quote(e.key), first.loc.line));
        }
        Variable v{std::string(e.key), process, st.in.get_int(*e.node, vp), e.key_loc};
        const int id = static_cast<int>(st.sc.variables.size());
        st.variable_index.emplace(v.name, id);
        st.sc.variables.push_back(std::move(v));
        ids.push_back(id);
    }
    return ids;
}

/// The process (before `self`) whose mm holds ASID slot `slot` of `cpu` at time 0, or -1.
int asid_slot_owner(const LoadState& st, int cpu, int slot) {
    for (std::size_t p = 0; p < st.sc.processes.size(); ++p) {
        const std::vector<int>& slots = st.sc.processes[p].asid_slots;
        if (static_cast<std::size_t>(cpu) < slots.size() &&
            slots[static_cast<std::size_t>(cpu)] == slot) {
            return static_cast<int>(p);
        }
    }
    return -1;
}

/// `asid_slots = [1, 0]`: by CPU, the dynamic ASID slot the mm holds at time 0 (0: none).
std::vector<int> load_asid_slots(const LoadState& st, const toml::node& n,
                                 const std::string& path) {
    const Machine& m = st.sc.machine;
    const toml::array& arr = st.in.get_array(n, path, "an array of ASID slots, one per CPU");
    if (!m.pcid) {
        st.in.fail(TomlReader::node_loc(n), path,
                   "ASID slots need PCID ([machine] pcid = false gives every mm ASID 0)");
    }
    if (static_cast<int>(arr.size()) != m.cpus) {
        st.in.fail(
            TomlReader::node_loc(n), path,
            fmt::format("{} ASID slots for {} CPUs (one per CPU, 0 for none)", arr.size(), m.cpus));
    }
    std::vector<int> slots;
    for (std::size_t c = 0; c < arr.size(); ++c) {
        const toml::node& sn = *arr.get(c);
        const std::string sp = index_path(path, c);
        // Slot 0 is init_mm's from boot (initialize_tlbstate_and_flush), loaded on every CPU.
        const auto slot = static_cast<int>(st.in.get_int_range(sn, sp, 0, 5));
        const int cpu = static_cast<int>(c);
        if (slot != 0 && !m.is_online(cpu)) {
            st.in.fail(TomlReader::node_loc(sn), sp, fmt::format("CPU {} is offline", cpu));
        }
        if (const int owner = slot == 0 ? -1 : asid_slot_owner(st, cpu, slot); owner >= 0) {
            const Process& first = st.sc.processes[static_cast<std::size_t>(owner)];
            st.in.fail(TomlReader::node_loc(sn), sp,
                       fmt::format("ASID slot {} of CPU {} is already {}'s (line {})", slot, cpu,
                                   quote(first.name), first.loc.line));
        }
        slots.push_back(slot);
    }
    return slots;
}

void load_process(LoadState& st, const Tbl& t) {
    st.in.check_keys(t, key_names(KeyTable::process));
    Process p;
    p.loc = t.loc;
    const Entry& name = st.in.required(t, "name");
    p.name = st.in.get_name(*name.node, t.child("name"));
    if (auto it = st.process_index.find(p.name); it != st.process_index.end()) {
        const Process& first = st.sc.processes[static_cast<std::size_t>(it->second)];
        st.in.fail(TomlReader::node_loc(*name.node), t.child("name"),
                   fmt::format("duplicate process name {} (first defined at process[{}], line {})",
                               quote(p.name), it->second, first.loc.line));
    }
    if (const Entry* reg = t.find("register")) {
        p.registrations = load_registrations(st, *reg->node, t.child("register"));
    }
    if (const Entry* vars = t.find("variables")) {
        p.variables = load_variables(st, *vars->node, t.child("variables"),
                                     static_cast<int>(st.sc.processes.size()));
    }
    if (const Entry* slots = t.find("asid_slots")) {
        p.asid_slots = load_asid_slots(st, *slots->node, t.child("asid_slots"));
    }
    st.process_index.emplace(p.name, static_cast<int>(st.sc.processes.size()));
    st.sc.processes.push_back(std::move(p));
}

InjectEvent load_inject_event(const LoadState& st, const Tbl& t) {
    const Entry& ev = st.in.required(t, "event");
    const std::string ep = t.child("event");
    if (!ev.node->is_string()) {
        st.in.bad_type(*ev.node, ep, "\"interrupt\" or \"flush_tlb\"");
    }
    const std::string evs = st.in.get_string(*ev.node, ep);
    if (evs == "interrupt") {
        return InjectEvent::interrupt;
    }
    if (evs != "flush_tlb") {
        st.in.fail(TomlReader::node_loc(*ev.node), ep,
                   fmt::format("expected \"interrupt\" or \"flush_tlb\", got {}{}", quote(evs),
                               did_you_mean(closest(evs, {"interrupt", "flush_tlb"}))));
    }
    return InjectEvent::flush_tlb;
}

/// The keys of an injected flush: `process` (required), `pages`, `freed_tables`.
void load_inject_flush(const LoadState& st, const Tbl& t, Inject& inj) {
    const Entry* proc = t.find("process");
    if (proc == nullptr) {
        st.in.missing(t, "process", " (required for event = \"flush_tlb\")");
    }
    const std::string pp = t.child("process");
    inj.process =
        st.find_process(st.in.get_string(*proc->node, pp), TomlReader::node_loc(*proc->node), pp);
    if (const Entry* pages = t.find("pages")) {
        inj.pages = st.in.get_int_range(*pages->node, t.child("pages"), 0);
    }
    if (const Entry* ft = t.find("freed_tables")) {
        inj.freed_tables = st.in.get_bool(*ft->node, t.child("freed_tables"));
    }
}

Inject load_inject(const LoadState& st, const Tbl& t) {
    st.in.check_keys(t, key_names(KeyTable::inject));
    Inject inj;
    inj.path = t.path;
    inj.loc = t.loc;
    inj.at = st.in.get_int_range(*st.in.required(t, "at").node, t.child("at"), 0, limits::cycles);
    const Entry& cpu = st.in.required(t, "cpu");
    const std::int64_t c = st.in.get_int(*cpu.node, t.child("cpu"));
    st.check_cpu(c, TomlReader::node_loc(*cpu.node), t.child("cpu"));
    inj.cpu = static_cast<int>(c);
    inj.event = load_inject_event(st, t);
    if (inj.event == InjectEvent::flush_tlb) {
        load_inject_flush(st, t, inj);
        return inj;
    }
    for (const std::string_view k : {"process", "pages", "freed_tables"}) {
        if (const Entry* e = t.find(k)) {
            st.in.fail(e->key_loc, t.child(k), "only for event = \"flush_tlb\"");
        }
    }
    return inj;
}

} // namespace

void load_top(LoadState& st, const Tbl& root) {
    // Default name: the file stem.
    std::string_view stem = st.in.file();
    if (const std::size_t slash = stem.find_last_of('/'); slash != std::string_view::npos) {
        stem.remove_prefix(slash + 1);
    }
    if (const std::size_t dot = stem.find_last_of('.'); dot != std::string_view::npos && dot > 0) {
        stem = stem.substr(0, dot);
    }
    st.sc.name = std::string(stem);
    if (const Entry* e = root.find("name")) {
        st.sc.name = st.in.get_name(*e->node, "name");
    }
    if (const Entry* e = root.find("description")) {
        st.sc.description = st.in.get_string(*e->node, "description");
    }
}

void load_machine(LoadState& st, const Tbl& root) {
    const Entry* me = root.find("machine");
    if (me == nullptr) {
        st.in.fail(root.loc, "machine", "required table [machine] is missing");
    }
    const Tbl t = st.in.open(st.in.get_table(*me->node, "machine"), "machine");
    st.in.check_keys(t, key_names(KeyTable::machine));
    const Entry& cpus = st.in.required(t, "cpus");
    st.sc.machine.cpus =
        static_cast<int>(st.in.get_int_range(*cpus.node, t.child("cpus"), 1, limits::cpus));
    st.sc.machine.loc = t.loc;
    for (const Entry& e : t.entries) {
        load_machine_key(st, e, t.child(e.key));
    }
    if (const Entry* next = t.find("next_asid")) {
        check_next_asid(st, *next->node, t.child("next_asid"));
    }
}

void load_processes(LoadState& st, const Tbl& root) {
    const Entry* pe = root.find("process");
    if (pe == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = st.in.get_table_array(*pe->node, "process");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        load_process(st, st.in.open(*tables[i], index_path("process", i)));
    }
}

void load_injects(LoadState& st, const Tbl& root) {
    const Entry* ie = root.find("inject");
    if (ie == nullptr) {
        return;
    }
    const std::vector<const toml::table*> tables = st.in.get_table_array(*ie->node, "inject");
    for (std::size_t i = 0; i < tables.size(); ++i) {
        st.sc.injects.push_back(load_inject(st, st.in.open(*tables[i], index_path("inject", i))));
    }
}

} // namespace scenario::detail
