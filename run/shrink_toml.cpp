#include "run/shrink_toml.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>
#include <string_view>
#include <utility>

namespace run::shrink_edit {

namespace {

// ---- Arrays of tables -----------------------------------------------------------------------

std::size_t size_of(const toml::table& doc, std::string_view key) {
    const auto* a = doc.get_as<toml::array>(key);
    return a != nullptr ? a->size() : 0;
}

/// `doc` without element `i` of its array `key` (the key gone with its last element).
toml::table without(const toml::table& doc, std::string_view key, std::size_t i) {
    toml::table copy = doc;
    toml::array& a = *copy.get_as<toml::array>(key);
    a.erase(a.begin() + static_cast<std::ptrdiff_t>(i));
    if (a.empty()) {
        copy.erase(key);
    }
    return copy;
}

/// A [[thread]] or [[kthread]] table: threads first, then kthreads.
struct ThreadRef {
    std::string_view key;
    std::size_t index;
};

ThreadRef thread_ref(const toml::table& doc, std::size_t site) {
    const std::size_t threads = size_of(doc, "thread");
    return site < threads ? ThreadRef{"thread", site} : ThreadRef{"kthread", site - threads};
}

toml::table* thread_table(toml::table& doc, const ThreadRef& r) {
    return doc.get_as<toml::array>(r.key)->get(r.index)->as_table();
}

// ---- Steps ----------------------------------------------------------------------------------

/// Step `step` of thread `thread` (in thread_ref order), over all programs.
struct StepRef {
    std::size_t thread;
    std::size_t step;
};

std::vector<StepRef> step_refs(const toml::table& doc) {
    std::vector<StepRef> refs;
    const auto progs = programs(doc);
    for (std::size_t t = 0; t < progs.size(); ++t) {
        for (std::size_t s = 0; progs[t] != nullptr && s < progs[t]->size(); ++s) {
            refs.push_back({t, s});
        }
    }
    return refs;
}

toml::array* program_of(toml::table& doc, std::size_t thread) {
    return thread_table(doc, thread_ref(doc, thread))->get_as<toml::array>("program");
}

std::vector<std::string> tokens(std::string_view step) {
    std::vector<std::string> out;
    std::istringstream in{std::string(step)};
    for (std::string t; in >> t;) {
        out.push_back(t);
    }
    return out;
}

std::string join(const std::vector<std::string>& tokens) {
    std::string out;
    for (const auto& t : tokens) {
        out += (out.empty() ? "" : " ") + t;
    }
    return out;
}

std::vector<std::string> step_tokens(const toml::array& prog, std::size_t s) {
    const auto* text = prog.get_as<std::string>(s);
    return text != nullptr ? tokens(text->get()) : std::vector<std::string>{};
}

/// The number in tokens[1], if it is one.
std::optional<std::int64_t> argument(const std::vector<std::string>& t) {
    if (t.size() < 2 || t[1].empty() || t[1].find_first_not_of("0123456789") != std::string::npos ||
        t[1].size() > 18) {
        return std::nullopt;
    }
    return std::stoll(t[1]);
}

/// The `end` closing the `repeat` at `at`.
std::optional<std::size_t> matching_end(const toml::array& prog, std::size_t at) {
    int depth = 0;
    for (std::size_t s = at; s < prog.size(); ++s) {
        const auto t = step_tokens(prog, s);
        const std::string op = t.empty() ? "" : t[0];
        depth += op == "repeat" ? 1 : op == "end" ? -1 : 0;
        if (depth == 0) {
            return s;
        }
    }
    return std::nullopt;
}

/// `doc` with the program step `site` names passed through `edit` (which returns false when it
/// has nothing to do).
template <typename Edit>
std::optional<toml::table> edit_step(const toml::table& doc, std::size_t site, Edit edit) {
    const auto refs = step_refs(doc);
    if (site >= refs.size()) {
        return std::nullopt;
    }
    toml::table copy = doc;
    toml::array& prog = *program_of(copy, refs[site].thread);
    if (!edit(prog, refs[site].step)) {
        return std::nullopt;
    }
    return copy;
}

/// `doc` with the number of the step at `site` replaced by `value(N)` when that is smaller and
/// at least `min_of(op)`; `variants` candidate values per step.
template <typename Value>
std::optional<toml::table> lower_argument(const toml::table& doc, std::size_t site,
                                          std::int64_t (*min_of)(std::string_view), Value value) {
    return edit_step(doc, site, [&](toml::array& prog, std::size_t s) {
        auto t = step_tokens(prog, s);
        const auto n = argument(t);
        const std::int64_t min = t.empty() ? -1 : min_of(t[0]);
        if (!n || min < 0) {
            return false;
        }
        const std::int64_t v = value(*n, min);
        if (v >= *n || v < min) {
            return false;
        }
        t[1] = std::to_string(v);
        prog.replace(prog.begin() + static_cast<std::ptrdiff_t>(s), join(t));
        return true;
    });
}

/// The smallest length of a step with a length (-1 for others).
std::int64_t min_length(std::string_view op) {
    if (op == "user" || op == "work") {
        return 1;
    }
    return op == "syscall" || op == "sleep" || op == "page_fault" ? 0 : -1;
}

std::int64_t min_repeat(std::string_view op) {
    return op == "repeat" ? 1 : -1;
}

/// Tries per value: the smallest, then N/2, 3N/4, 7N/8 and 15N/16 (each when it lies between
/// the smallest and N): a length that must stay near its value to keep a race's window is
/// still trimmed a little.
std::int64_t try_value(std::size_t variant, std::int64_t n, std::int64_t min) {
    if (variant == 0) {
        return min;
    }
    const std::int64_t v = n - n / (std::int64_t{2} << (variant - 1));
    return v > min && v < n ? v : n;
}

constexpr std::size_t value_variants = 5;

// ---- The reductions -------------------------------------------------------------------------

std::size_t thread_sites(const toml::table& doc) {
    return thread_count(doc);
}
std::optional<toml::table> drop_thread(const toml::table& doc, std::size_t site) {
    const ThreadRef r = thread_ref(doc, site);
    return without(doc, r.key, r.index);
}

template <const char* Key>
std::size_t array_sites(const toml::table& doc) {
    return size_of(doc, Key);
}
template <const char* Key>
std::optional<toml::table> drop_element(const toml::table& doc, std::size_t site) {
    return without(doc, Key, site);
}
constexpr char inject_key[] = "inject";
constexpr char process_key[] = "process";
constexpr char policy_key[] = "policy";

std::size_t one_site(const toml::table&) {
    return 1;
}

std::vector<std::string> delay_strings(const toml::table& doc) {
    std::vector<std::string> out;
    if (const auto* a = doc.at_path("machine.delays").as_array()) {
        for (const auto& d : *a) {
            out.push_back(d.value_or(std::string{}));
        }
    }
    return out;
}

void set_delays(toml::table& machine, const std::vector<std::string>& delays) {
    toml::array a;
    for (const auto& d : delays) {
        a.push_back(d);
    }
    machine.insert_or_assign("delays", std::move(a));
}

struct DelayParts {
    int cpu = 0;
    long long at = 0;
    long long extra = 0;
};

std::optional<DelayParts> parse_delay(const std::string& text) {
    DelayParts d;
    char tail = 0;
    if (std::sscanf(text.c_str(), "%d@%lld+%lld%c", &d.cpu, &d.at, &d.extra, &tail) != 3) {
        return std::nullopt;
    }
    return d;
}

/// The per-CPU arrays' entries for CPU `cpus - 1` ([machine] next_asid, each [[process]]
/// asid_slots), so that the scenario with one CPU fewer still loads.
void drop_last_per_cpu(toml::table& doc, std::int64_t cpus) {
    const auto trim = [cpus](toml::array* a) {
        if (a != nullptr && static_cast<std::int64_t>(a->size()) == cpus) {
            a->erase(a->end() - 1);
        }
    };
    trim(doc["machine"]["next_asid"].as_array());
    if (toml::array* processes = doc["process"].as_array()) {
        for (toml::node& p : *processes) {
            if (toml::table* t = p.as_table()) {
                trim((*t)["asid_slots"].as_array());
            }
        }
    }
}

/// One CPU fewer: the highest goes, with the delays and `offline` entries that name it.
std::optional<toml::table> drop_cpu(const toml::table& doc, std::size_t) {
    toml::table copy = doc;
    toml::table* machine = copy.get_as<toml::table>("machine");
    const std::int64_t cpus = machine != nullptr ? (*machine)["cpus"].value_or(std::int64_t{0}) : 0;
    if (cpus <= 1) {
        return std::nullopt;
    }
    machine->insert_or_assign("cpus", cpus - 1);
    std::vector<std::string> kept;
    for (const auto& d : delay_strings(doc)) {
        if (const auto p = parse_delay(d); !p || p->cpu < cpus - 1) {
            kept.push_back(d);
        }
    }
    set_delays(*machine, kept);
    if (auto* offline = machine->get_as<toml::array>("offline")) {
        for (std::size_t i = offline->size(); i-- > 0;) {
            if ((*offline)[i].value_or(std::int64_t{0}) >= cpus - 1) {
                offline->erase(offline->begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
    }
    drop_last_per_cpu(copy, cpus);
    return copy;
}

std::size_t step_sites(const toml::table& doc) {
    return step_count(doc);
}

/// Removes a step, or a whole repeat..end block.
std::optional<toml::table> drop_step(const toml::table& doc, std::size_t site) {
    return edit_step(doc, site, [](toml::array& prog, std::size_t s) {
        const auto t = step_tokens(prog, s);
        const std::string op = t.empty() ? "" : t[0];
        if (op == "end") {
            return false;
        }
        const std::size_t last = op == "repeat" ? matching_end(prog, s).value_or(s) : s;
        prog.erase(prog.begin() + static_cast<std::ptrdiff_t>(s),
                   prog.begin() + static_cast<std::ptrdiff_t>(last + 1));
        return true;
    });
}

/// `repeat 1` .. `end` unwrapped: the body once.
std::optional<toml::table> unwrap_repeat(const toml::table& doc, std::size_t site) {
    return edit_step(doc, site, [](toml::array& prog, std::size_t s) {
        const auto t = step_tokens(prog, s);
        const auto end = matching_end(prog, s);
        if (t.size() != 2 || t[0] != "repeat" || t[1] != "1" || !end) {
            return false;
        }
        prog.erase(prog.begin() + static_cast<std::ptrdiff_t>(*end));
        prog.erase(prog.begin() + static_cast<std::ptrdiff_t>(s));
        return true;
    });
}

std::size_t value_sites(const toml::table& doc) {
    return step_count(doc) * value_variants;
}

std::optional<toml::table> lower_repeat(const toml::table& doc, std::size_t site) {
    const std::size_t variant = site % value_variants;
    return lower_argument(doc, site / value_variants, min_repeat,
                          [&](std::int64_t n, std::int64_t m) { return try_value(variant, n, m); });
}

std::optional<toml::table> shorten_step(const toml::table& doc, std::size_t site) {
    const std::size_t variant = site % value_variants;
    return lower_argument(doc, site / value_variants, min_length,
                          [&](std::int64_t n, std::int64_t m) { return try_value(variant, n, m); });
}

std::size_t start_sites(const toml::table& doc) {
    return thread_count(doc) * value_variants;
}

/// A thread created earlier: at 0, at half, at three quarters of its `start`.
std::optional<toml::table> earlier_start(const toml::table& doc, std::size_t site) {
    toml::table copy = doc;
    toml::table& t = *thread_table(copy, thread_ref(doc, site / value_variants));
    const std::int64_t start = t["start"].value_or(std::int64_t{0});
    const std::int64_t v = try_value(site % value_variants, start, 0);
    if (v >= start) {
        return std::nullopt;
    }
    t.insert_or_assign("start", v);
    return copy;
}

std::size_t delay_sites(const toml::table& doc) {
    return delay_strings(doc).size();
}

std::optional<toml::table> drop_delay(const toml::table& doc, std::size_t site) {
    auto delays = delay_strings(doc);
    delays.erase(delays.begin() + static_cast<std::ptrdiff_t>(site));
    toml::table copy = doc;
    set_delays(*copy.get_as<toml::table>("machine"), delays);
    return copy;
}

/// `key` of [machine] set to 0 when it is not.
template <const char* Key>
std::optional<toml::table> zero_machine_key(const toml::table& doc, std::size_t) {
    if (doc.at_path(std::string("machine.") + Key).value_or(std::int64_t{0}) == 0) {
        return std::nullopt;
    }
    toml::table copy = doc;
    copy.get_as<toml::table>("machine")->insert_or_assign(Key, 0);
    return copy;
}
constexpr char jitter_key[] = "jitter";
constexpr char seed_key[] = "seed";

std::size_t delay_value_sites(const toml::table& doc) {
    return delay_sites(doc) * value_variants;
}

/// A delay of fewer extra cycles.
std::optional<toml::table> shorten_delay(const toml::table& doc, std::size_t site) {
    auto delays = delay_strings(doc);
    auto d = parse_delay(delays[site / value_variants]);
    if (!d) {
        return std::nullopt;
    }
    const std::int64_t v = try_value(site % value_variants, d->extra, 1);
    if (v >= d->extra) {
        return std::nullopt;
    }
    delays[site / value_variants] =
        std::to_string(d->cpu) + "@" + std::to_string(d->at) + "+" + std::to_string(v);
    toml::table copy = doc;
    set_delays(*copy.get_as<toml::table>("machine"), delays);
    return copy;
}

/// [machine] keys other than cpus and the timing: tried without.
std::vector<std::string> optional_machine_keys(const toml::table& doc) {
    std::vector<std::string> keys;
    if (const auto* m = doc.get_as<toml::table>("machine")) {
        for (const auto& [k, v] : *m) {
            const std::string_view key = k.str();
            if (key != "cpus" && key != "seed" && key != "jitter" && key != "delays") {
                keys.emplace_back(key);
            }
        }
    }
    return keys;
}

std::size_t machine_key_sites(const toml::table& doc) {
    return optional_machine_keys(doc).size();
}

std::optional<toml::table> drop_machine_key(const toml::table& doc, std::size_t site) {
    toml::table copy = doc;
    copy.get_as<toml::table>("machine")->erase(optional_machine_keys(doc)[site]);
    return copy;
}

} // namespace

const std::vector<Reduction>& kinds() {
    static const std::vector<Reduction> all = {
        {"remove a thread", thread_sites, drop_thread},
        {"remove an inject", array_sites<inject_key>, drop_element<inject_key>},
        {"remove a process", array_sites<process_key>, drop_element<process_key>},
        {"remove a [[policy]]", array_sites<policy_key>, drop_element<policy_key>},
        {"remove the highest CPU", one_site, drop_cpu},
        {"remove a step or repeat block", step_sites, drop_step},
        {"lower a repeat count", value_sites, lower_repeat},
        {"unwrap a repeat 1", step_sites, unwrap_repeat},
        {"shorten a step", value_sites, shorten_step},
        {"start a thread earlier", start_sites, earlier_start},
        {"remove a delay", delay_sites, drop_delay},
        {"no jitter", one_site, zero_machine_key<jitter_key>},
        {"seed 0", one_site, zero_machine_key<seed_key>},
        {"shorten a delay", delay_value_sites, shorten_delay},
        {"remove a [machine] key", machine_key_sites, drop_machine_key},
    };
    return all;
}

std::vector<const toml::array*> programs(const toml::table& doc) {
    std::vector<const toml::array*> out;
    for (const char* key : {"thread", "kthread"}) {
        if (const auto* a = doc.get_as<toml::array>(key)) {
            for (const auto& t : *a) {
                const auto* tbl = t.as_table();
                out.push_back(tbl != nullptr ? tbl->get_as<toml::array>("program") : nullptr);
            }
        }
    }
    return out;
}

std::size_t thread_count(const toml::table& doc) {
    return size_of(doc, "thread") + size_of(doc, "kthread");
}

std::size_t step_count(const toml::table& doc) {
    std::size_t n = 0;
    for (const auto* p : programs(doc)) {
        n += p != nullptr ? p->size() : 0;
    }
    return n;
}

// ---- Printing -------------------------------------------------------------------------------

namespace {

/// Where a key goes in its table: `name` first, the program last, the timing after it.
int key_rank(std::string_view key) {
    constexpr std::array<std::string_view, 10> first = {
        "name", "cpus", "base", "process", "cpu", "start", "at", "event", "policy", "register"};
    constexpr std::array<std::string_view, 4> last = {"program", "seed", "jitter", "delays"};
    if (const auto it = std::find(first.begin(), first.end(), key); it != first.end()) {
        return static_cast<int>(it - first.begin());
    }
    if (const auto it = std::find(last.begin(), last.end(), key); it != last.end()) {
        return 100 + static_cast<int>(it - last.begin());
    }
    return 50;
}

std::vector<std::string> ordered_keys(const toml::table& t) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : t) {
        keys.emplace_back(k.str());
    }
    std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
        return std::pair(key_rank(a), a) < std::pair(key_rank(b), b);
    });
    return keys;
}

void print_value(std::ostream& os, const toml::node& n) {
    if (const auto* t = n.as_table()) {
        toml::table copy = *t;
        copy.is_inline(true);
        os << toml::toml_formatter{copy};
    } else {
        os << toml::toml_formatter{n};
    }
}

bool is_section(const toml::node& n) {
    const auto* a = n.as_array();
    return (n.is_table() && !n.as_table()->is_inline()) ||
           (a != nullptr && !a->empty() && a->is_array_of_tables());
}

void print_body(std::ostream& os, const toml::table& t, bool sections_too) {
    for (const auto& key : ordered_keys(t)) {
        const toml::node& n = *t.get(key);
        if (sections_too || !is_section(n)) {
            os << key << " = ";
            print_value(os, n);
            os << "\n";
        }
    }
}

} // namespace

std::string format(const toml::table& doc) {
    std::ostringstream os;
    print_body(os, doc, false);
    for (const char* key :
         {"machine", "process", "policy", "thread", "kthread", "inject", "expect"}) {
        const toml::node* n = doc.get(key);
        if (n == nullptr) {
            continue;
        }
        if (const auto* t = n->as_table()) {
            os << "\n[" << key << "]\n";
            print_body(os, *t, true);
        } else if (const auto* a = n->as_array()) {
            for (const auto& e : *a) {
                os << "\n[[" << key << "]]\n";
                print_body(os, *e.as_table(), true);
            }
        }
    }
    return os.str();
}

} // namespace run::shrink_edit
