// [[thread]] and [[kthread]]: the threads and their programs.

#include "scenario/sections.h"

#include "scenario/keys.h"
#include "scenario/limits.h"
#include "scenario/step_parser.h"
#include "scenario/text_util.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

namespace scenario::detail {

namespace {

/// A [[thread]] or [[kthread]] table not read yet: in the header's document, or a piece of the
/// file parsed when its turn comes (scenario/thread_chunks.h).
struct ThreadTable {
    const toml::table* table; ///< null for a chunk
    const ThreadChunk* chunk;
    bool kthread;
    std::size_t index; ///< among the tables of its kind
    SourceLoc loc;
};

/// Frees a thread's table in the header's document once it is read: nothing later looks at it
/// (the document is not const: load_sections).
void forget_table(const ThreadTable& t) {
    if (t.table != nullptr) {
        const_cast<toml::table*>(t.table)->clear(); // NOLINT(cppcoreguidelines-pro-type-const-cast)
    }
}

/// The header's thread tables of one kind (a file that spells them other than `[[thread]]`).
void header_tables(const LoadState& st, const Tbl& root, bool kthread,
                   std::vector<ThreadTable>& all) {
    const std::string_view key = kthread ? "kthread" : "thread";
    if (const Entry* e = root.find(key)) {
        const std::vector<const toml::table*> tables =
            st.in.get_table_array(*e->node, std::string(key));
        for (std::size_t i = 0; i < tables.size(); ++i) {
            all.push_back(
                ThreadTable{tables[i], nullptr, kthread, i, TomlReader::node_loc(*tables[i])});
        }
    }
}

/// The `[[thread]]` or `[[kthread]]` chunks of one kind; the header must not define the key too.
void chunk_tables(const LoadState& st, const Tbl& root, const std::vector<ThreadChunk>& chunks,
                  bool kthread, std::vector<ThreadTable>& all) {
    const std::string_view key = kthread ? "kthread" : "thread";
    std::size_t index = 0;
    for (const ThreadChunk& c : chunks) {
        if (c.kthread != kthread) {
            continue;
        }
        if (const Entry* e = root.find(key)) {
            st.in.fail(e->key_loc, std::string(key),
                       fmt::format("defined twice: here, and by the [[{}]] table at line {}", key,
                                   c.first_line));
        }
        const std::string_view header = st.in.text().substr(c.begin, c.end - c.begin);
        const auto column = static_cast<int>(header.find('[')) + 1;
        all.push_back(ThreadTable{nullptr, &c, kthread, index++, SourceLoc{c.first_line, column}});
    }
}

/// Every [[thread]] table, then every [[kthread]] table.
std::vector<ThreadTable> thread_tables(const LoadState& st, const Tbl& root,
                                       const std::vector<ThreadChunk>& chunks) {
    std::vector<ThreadTable> all;
    for (const bool kthread : {false, true}) {
        header_tables(st, root, kthread, all);
        chunk_tables(st, root, chunks, kthread, all);
    }
    return all;
}

/// A chunk's thread table, parsed on its own (positions are the file's under ChunkLines).
toml::table parse_chunk(const LoadState& st, const ThreadChunk& c) {
    const std::string_view text = st.in.text().substr(c.begin, c.end - c.begin);
    try {
        return toml::parse(text, std::string_view(st.in.file()));
    } catch (const toml::parse_error& e) {
        st.in.fail(to_loc(e.source().begin), "syntax", e.description());
    }
}

/// The indices of `all` in file order.
std::vector<std::size_t> file_order(const std::vector<ThreadTable>& all) {
    std::vector<std::size_t> order(all.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = i;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::pair(all[a].loc.line, all[a].loc.column) <
               std::pair(all[b].loc.line, all[b].loc.column);
    });
    return order;
}

void check_thread_keys(const LoadState& st, const Tbl& t, bool kthread) {
    if (!kthread) {
        st.in.check_keys(t, key_names(KeyTable::thread));
        return;
    }
    if (const Entry* e = t.find("process")) {
        st.in.fail(e->key_loc, t.child("process"),
                   "not allowed in a [[kthread]] (kernel threads have no mm of their own; use "
                   "\"use_mm PROCESS\" in the program)");
    }
    st.in.check_keys(t, key_names(KeyTable::kthread));
}

/// The thread of `table`, and where its name is (`name_loc`, for the duplicate check).
Thread load_thread(LoadState& st, const toml::table& table, const std::string& path, bool kthread,
                   SourceLoc& name_loc) {
    const Tbl t = st.in.open(table, path);
    check_thread_keys(st, t, kthread);
    Thread th;
    th.kthread = kthread;
    th.loc = t.loc;
    const toml::node& name = *st.in.required(t, "name").node;
    th.name = st.in.get_name(name, t.child("name"));
    name_loc = TomlReader::node_loc(name);
    if (!kthread) {
        const Entry& proc = st.in.required(t, "process");
        const std::string pp = t.child("process");
        th.process =
            st.find_process(st.in.get_string(*proc.node, pp), TomlReader::node_loc(*proc.node), pp);
    }
    const Entry& cpu = st.in.required(t, "cpu");
    const std::int64_t c = st.in.get_int(*cpu.node, t.child("cpu"));
    st.check_cpu(c, TomlReader::node_loc(*cpu.node), t.child("cpu"));
    th.cpu = static_cast<int>(c);
    if (const Entry* start = t.find("start")) {
        th.start = st.in.get_int_range(*start->node, t.child("start"), 0, limits::cycles);
    }
    const Entry& program = st.in.required(t, "program");
    const std::string pp = t.child("program");
    st.program_process = th.process;
    st.program_registers.clear();
    th.program =
        parse_program(st, st.in.get_array(*program.node, pp, "an array of strings"), pp, kthread);
    th.registers = std::move(st.program_registers);
    return th;
}

/// Every event a step waits for is signalled by some step (reported at the first such wait).
void check_waits_signalled(const LoadState& st) {
    for (const WaitMention& w : st.waits) {
        if (st.signalled.count(w.event) != 0) {
            continue;
        }
        std::vector<std::string_view> sig;
        for (const int s : st.signalled) {
            sig.push_back(st.sc.events[static_cast<std::size_t>(s)]);
        }
        const std::string& name = st.sc.events[static_cast<std::size_t>(w.event)];
        st.in.fail(w.loc, w.path,
                   fmt::format("event {} is waited for but never signalled{}", quote(name),
                               did_you_mean(closest(name, sig))));
    }
}

} // namespace

/// The thread `p`, from the header's document or from its chunk parsed now.
Thread load_thread_table(LoadState& st, const ThreadTable& p, const std::string& path,
                         SourceLoc& name_loc) {
    if (p.table != nullptr) {
        return load_thread(st, *p.table, path, p.kthread, name_loc);
    }
    const ChunkLines lines(p.chunk->first_line);
    const toml::table doc = parse_chunk(st, *p.chunk);
    const toml::node* array = doc.get(p.kthread ? "kthread" : "thread");
    const toml::table* table = array->as_array()->get(0)->as_table();
    return load_thread(st, *table, path, p.kthread, name_loc);
}

void load_threads(LoadState& st, const Tbl& root, const std::vector<ThreadChunk>& chunks) {
    const std::vector<ThreadTable> all = thread_tables(st, root, chunks);
    // Parse in file order, so that events are numbered in order of first mention; store
    // [[thread]] entries first, then [[kthread]] (Scenario::threads).
    const auto kthreads = static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [](const ThreadTable& t) { return t.kthread; }));
    st.sc.threads.reserve(st.sc.threads.size() + all.size());
    std::vector<Thread> kernel_threads;
    kernel_threads.reserve(kthreads);
    const auto path_of = [&](std::size_t k) {
        return index_path(all[k].kthread ? "kthread" : "thread", all[k].index);
    };
    std::unordered_map<std::string, std::size_t> names; // name -> index in `all`
    names.reserve(all.size());
    for (const std::size_t k : file_order(all)) {
        const ThreadTable& p = all[k];
        const std::string path = path_of(k);
        SourceLoc name_loc;
        Thread th = load_thread_table(st, p, path, name_loc);
        if (auto it = names.find(th.name); it != names.end()) {
            st.in.fail(name_loc, path + ".name",
                       fmt::format("duplicate thread name {} (also used by {})", quote(th.name),
                                   path_of(it->second)));
        }
        names.emplace(th.name, k);
        (p.kthread ? kernel_threads : st.sc.threads).push_back(std::move(th));
        forget_table(p);
    }
    for (Thread& t : kernel_threads) {
        st.sc.threads.push_back(std::move(t));
    }
    check_waits_signalled(st);
}

} // namespace scenario::detail
