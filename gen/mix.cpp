// The `mix` profile: every kind of step on a random machine, built so that it always runs to
// completion (generator.h). The construction rules, and why each one is needed:
//
// * Waits cannot deadlock. Programs are generated round-robin, one item per thread per round,
//   and a signal always creates a new event while a wait only names an event created earlier. So
//   in every program a wait precedes only signals of later-created events, and by induction on
//   the creation order every event is signalled (each event has exactly one signaller).
// * Signals are never lost. Only exec kills a thread (de_thread), and only a process's first
//   thread, its anchor, ever execs; in a process that execs, the other threads do not signal.
// * use_mm and `flush_tlb PROCESS` find the process alive: a kernel thread's uses of a process
//   form a hold that ends by signalling a release event, and the process's anchor waits for all
//   its releases before it execs or exits (kthread_use_mm callers hold an mm_users reference in
//   the kernel, e.g. io_uring; the anchor plays that part). Holds are closed (unuse_mm) before
//   the kernel thread goes on, so it never exits with an mm.
// * A thread that starts late (start > 0) starts while its process is alive: at most half of
//   the anchor's total sleep time (sleeps are exact, jitter only stretches user work), and only
//   in processes that never exec (a thread created after an exec would get the old mm).
// * Injected flushes ([[inject]] flush_tlb) are not generated: the kernel thread they create
//   runs whenever its CPU schedules it, which nothing bounds, and the process may be gone by
//   then. Kernel threads' `flush_tlb PROCESS` inside holds exercise the same path.

#include "check/counter_catalog.h"
#include "gen/choice.h"
#include "gen/profiles.h"

#include <fmt/format.h>

#include <set>

namespace gen {

namespace {

/// What a process's threads mostly ask membarrier for.
enum class Role { jit, pe, rseq, global, plain };

struct RoleInfo {
    const char* call;
    const char* registration; ///< the REGISTER_* command
    const char* key;          ///< the same registration as a [[process]] `register` entry
};

RoleInfo role_info(Role r) {
    switch (r) {
    case Role::jit:
        return {"private_expedited_sync_core", "register_private_expedited_sync_core",
                "private_expedited_sync_core"};
    case Role::pe:
        return {"private_expedited", "register_private_expedited", "private_expedited"};
    case Role::rseq:
        return {"private_expedited_rseq", "register_private_expedited_rseq",
                "private_expedited_rseq"};
    case Role::global:
        return {"global_expedited", "register_global_expedited", "global_expedited"};
    case Role::plain:
        break;
    }
    return {nullptr, nullptr, nullptr};
}

struct ProcessPlan {
    Role role = Role::plain;
    bool execs = false;
    int anchor = -1;           ///< its first thread (index into Draft::threads)
    std::vector<int> releases; ///< events its anchor waits for before it execs or exits
};

struct ThreadPlan {
    int index = 0;    ///< into Draft::threads
    int process = -1; ///< -1: a kernel thread
    bool anchor = false;
    bool may_signal = true;
    int target = 0; ///< items in its body
    int emitted = 0;
    std::int64_t slept = 0; ///< cycles of `sleep` in its program so far
};

class MixBuilder {
public:
    explicit MixBuilder(const GenParams& p) : p_(p), c_(p.seed, 1) {}
    Draft build();

private:
    const GenParams& p_;
    Choice c_;
    Draft d_;
    std::vector<int> online_;
    std::vector<ProcessPlan> procs_;
    std::vector<ThreadPlan> plans_;
    int events_ = 0;

    void machine();
    void processes(int count);
    void threads(int users, int kthreads);
    void add_thread(int process, bool anchor);
    void bodies();
    void anchor_tails();
    void endings();
    void late_starts();
    void interrupts();

    std::vector<std::string>& program(const ThreadPlan& t) {
        return d_.threads[static_cast<std::size_t>(t.index)].program;
    }
    void emit(ThreadPlan& t, std::string step) {
        program(t).push_back(std::move(step));
        ++t.emitted;
    }
    void user_item(ThreadPlan& t);
    void kthread_item(ThreadPlan& t);
    std::string user_simple(ThreadPlan& t, int times);
    std::string memory_step(const ThreadPlan& t);
    std::string kernel_simple(ThreadPlan& t, int times);
    void repeat_block(ThreadPlan& t);
    void hold(ThreadPlan& t);
    std::string membarrier_step(const ThreadPlan& t);
    std::string flush_options();
    std::string sleep_step(ThreadPlan& t, int times);
    std::string wait_step() { return fmt::format("wait e{}", c_.below(events_)); }
    std::string signal_step() { return fmt::format("signal e{}", events_++); }
    std::string migrate_step() { return fmt::format("migrate {}", cpu()); }
    int cpu() { return c_.pick(online_); }
    const std::string& process_name(int p) const {
        return d_.processes[static_cast<std::size_t>(p)].name;
    }
};

Draft MixBuilder::build() {
    machine();
    const int users =
        p_.threads > 0 ? p_.threads : p_.cpus + c_.below(2 * p_.cpus) + (p_.cpus < 4 ? 1 : 0);
    const int procs = p_.processes > 0
                          ? p_.processes
                          : 1 + c_.below(std::min(users, std::min(64, 2 + p_.cpus / 4)));
    // Every process has at least its anchor thread.
    const int user_threads = std::max(users, procs);
    const int kthreads = p_.kthreads >= 0 ? p_.kthreads : c_.below(std::min(1024, 2 + p_.cpus / 4));
    processes(procs);
    threads(user_threads, kthreads);
    bodies();
    anchor_tails();
    endings();
    late_starts();
    interrupts();
    return std::move(d_);
}

void MixBuilder::machine() {
    DraftMachine& m = d_.machine;
    m.cpus = p_.cpus;
    m.seed = p_.seed;
    std::set<int> offline;
    if (p_.cpus >= 3 && c_.chance(15)) {
        const int n = 1 + c_.below(std::max(1, p_.cpus / 4));
        for (int i = 0; i < n; ++i) {
            offline.insert(c_.below(p_.cpus));
        }
    }
    m.offline.assign(offline.begin(), offline.end());
    for (int cpu = 0; cpu < p_.cpus; ++cpu) {
        if (offline.count(cpu) == 0) {
            online_.push_back(cpu);
        }
    }
    m.pcid = c_.chance(80);
    m.pti = c_.chance(15);
    m.serialize = c_.chance(20);
    m.fred = c_.chance(10);
    m.idle = c_.pick(std::vector<std::string>{"poll", "halt", "mwait"});
    m.timeslice = c_.chance(50) ? 0 : c_.pick(std::vector<std::int64_t>{20000, 50000, 300000});
    m.wakeup_preempt = c_.chance(30);
    m.nohz_full = c_.chance(10);
}

void MixBuilder::processes(int count) {
    static const std::vector<Role> roles = {Role::jit, Role::pe, Role::rseq, Role::global,
                                            Role::plain};
    for (int i = 0; i < count; ++i) {
        ProcessPlan plan;
        plan.role = c_.pick(roles);
        plan.execs = c_.chance(20);
        DraftProcess proc;
        proc.name = fmt::format("p{}", i);
        proc.variables = {fmt::format("x{}", i), fmt::format("y{}", i)};
        const RoleInfo info = role_info(plan.role);
        if (info.key != nullptr && c_.chance(60)) {
            proc.registrations.emplace_back(info.key);
        } else if (info.key == nullptr && c_.chance(20)) {
            proc.registrations.emplace_back("global_expedited");
        }
        procs_.push_back(plan);
        d_.processes.push_back(std::move(proc));
    }
}

void MixBuilder::add_thread(int process, bool anchor) {
    DraftThread t;
    t.process = process;
    // The first threads go round the online CPUs, so that no CPU stays idle for the whole run
    // (it would hold every membarrier call open in the checker); the rest land anywhere.
    const std::size_t n = d_.threads.size();
    t.cpu = n < online_.size() ? online_[(n * 7919) % online_.size()] : cpu();
    ThreadPlan plan;
    plan.index = static_cast<int>(d_.threads.size());
    plan.process = process;
    plan.anchor = anchor;
    plan.may_signal = process < 0 || anchor || !procs_[static_cast<std::size_t>(process)].execs;
    plan.target = std::max(1, p_.steps / 2 + c_.below(p_.steps + 1));
    if (anchor) {
        procs_[static_cast<std::size_t>(process)].anchor = plan.index;
    }
    d_.threads.push_back(std::move(t));
    plans_.push_back(plan);
}

void MixBuilder::threads(int users, int kthreads) {
    const int procs = static_cast<int>(procs_.size());
    for (int i = 0; i < users; ++i) {
        add_thread(i < procs ? i : c_.below(procs), i < procs);
    }
    for (int i = 0; i < kthreads; ++i) {
        add_thread(-1, false);
    }
    int user = 0, kernel = 0;
    for (DraftThread& t : d_.threads) {
        t.name = t.process >= 0 ? fmt::format("t{}", user++) : fmt::format("k{}", kernel++);
    }
}

void MixBuilder::bodies() {
    bool more = true;
    while (more) {
        more = false;
        for (ThreadPlan& t : plans_) {
            if (t.emitted >= t.target) {
                continue;
            }
            if (t.process >= 0) {
                user_item(t);
            } else {
                kthread_item(t);
            }
            more = true;
        }
    }
}

void MixBuilder::anchor_tails() {
    std::vector<ThreadPlan*> anchors;
    for (ThreadPlan& t : plans_) {
        if (!t.anchor) {
            continue;
        }
        const ProcessPlan& proc = procs_[static_cast<std::size_t>(t.process)];
        for (const int e : proc.releases) {
            emit(t, fmt::format("wait e{}", e));
        }
        if (proc.execs) {
            emit(t, "exec");
        }
        t.target = t.emitted + std::max(1, p_.steps / 3);
        anchors.push_back(&t);
    }
    bool more = true;
    while (more) {
        more = false;
        for (ThreadPlan* t : anchors) {
            if (t->emitted < t->target) {
                user_item(*t);
                more = true;
            }
        }
    }
}

void MixBuilder::endings() {
    for (ThreadPlan& t : plans_) {
        if (c_.chance(t.process >= 0 ? 30 : 20)) {
            emit(t, "exit");
        }
    }
}

void MixBuilder::late_starts() {
    for (const ThreadPlan& t : plans_) {
        DraftThread& th = d_.threads[static_cast<std::size_t>(t.index)];
        if (t.process < 0) {
            th.start = c_.chance(30) ? c_.spread(1, 400000) : 0;
            continue;
        }
        const ProcessPlan& proc = procs_[static_cast<std::size_t>(t.process)];
        const std::int64_t life = plans_[static_cast<std::size_t>(proc.anchor)].slept;
        if (!t.anchor && !proc.execs && life >= 4 && c_.chance(20)) {
            th.start = c_.range(1, life / 2);
        }
    }
}

void MixBuilder::interrupts() {
    const int n = c_.below(1 + std::min(p_.cpus, 16));
    for (int i = 0; i < n; ++i) {
        d_.interrupts.push_back({c_.spread(100, 4000000), cpu()});
    }
}

// --- steps -------------------------------------------------------------------------------------

void MixBuilder::user_item(ThreadPlan& t) {
    enum { simple, membarrier, wait, signal, repeat };
    const int item = c_.weighted({60, 18, events_ > 0 ? 7 : 0, t.may_signal ? 7 : 0, 6});
    switch (item) {
    case membarrier:
        emit(t, membarrier_step(t));
        break;
    case wait:
        emit(t, wait_step());
        break;
    case signal:
        emit(t, signal_step());
        break;
    case repeat:
        repeat_block(t);
        break;
    default:
        emit(t, user_simple(t, 1));
    }
}

/// A user step that neither waits nor signals (so it may repeat); `times`: how often it runs.
std::string MixBuilder::user_simple(ThreadPlan& t, int times) {
    enum { user, syscall, sleep, yield, migrate, flush, membarrier, page_fault, memory };
    switch (c_.weighted({30, 5, 10, 6, online_.size() > 1 ? 6 : 0, 8, times > 1 ? 10 : 0, 4, 6})) {
    case user:
        return fmt::format("user {}", c_.spread(50, 20000));
    case syscall:
        return fmt::format("syscall {}", c_.range(0, 3000));
    case sleep:
        return sleep_step(t, times);
    case yield:
        return "yield";
    case migrate:
        return migrate_step();
    case flush:
        return "flush_tlb" + flush_options();
    case page_fault:
        return fmt::format("page_fault {}", c_.range(0, 2000));
    case memory:
        return memory_step(t);
    default:
        return membarrier_step(t);
    }
}

/// A user memory instruction on one of the process's variables (docs/memory-model.md).
std::string MixBuilder::memory_step(const ThreadPlan& t) {
    const std::vector<std::string>& vars =
        d_.processes[static_cast<std::size_t>(t.process)].variables;
    const std::string& var = c_.pick(vars);
    switch (c_.weighted({40, 40, 10, 4, 3, 3})) {
    case 0:
        return fmt::format("store {} {}", var, c_.range(1, 3));
    case 1:
        return fmt::format("load {} r{}", var, c_.below(2));
    case 2:
        return "fence";
    case 3:
        return "lock_rmw " + var;
    case 4:
        return fmt::format("xchg {} {} r{}", var, c_.range(1, 3), c_.below(2));
    default:
        return fmt::format("cmpxchg {} {} {} r{}", var, c_.range(0, 3), c_.range(1, 3),
                           c_.below(2));
    }
}

std::string MixBuilder::kernel_simple(ThreadPlan& t, int times) {
    enum { work, sleep, yield, migrate, text_poke, efi };
    switch (c_.weighted({25, 10, 8, online_.size() > 1 ? 5 : 0, 6, p_.efi ? 4 : 0})) {
    case work:
        return fmt::format("work {}", c_.spread(100, 20000));
    case sleep:
        return sleep_step(t, times);
    case yield:
        return "yield";
    case migrate:
        return migrate_step();
    case text_poke:
        return "text_poke";
    default:
        return "efi_call";
    }
}

void MixBuilder::kthread_item(ThreadPlan& t) {
    enum { simple, wait, signal, hold_mm, repeat };
    switch (c_.weighted({58, events_ > 0 ? 7 : 0, 7, 24, 4})) {
    case wait:
        emit(t, wait_step());
        break;
    case signal:
        emit(t, signal_step());
        break;
    case hold_mm:
        hold(t);
        break;
    case repeat:
        repeat_block(t);
        break;
    default:
        emit(t, kernel_simple(t, 1));
    }
}

void MixBuilder::repeat_block(ThreadPlan& t) {
    const int times = static_cast<int>(c_.range(2, 5));
    emit(t, fmt::format("repeat {}", times));
    const int body = 1 + c_.below(3);
    for (int i = 0; i < body; ++i) {
        emit(t, t.process >= 0 ? user_simple(t, times) : kernel_simple(t, times));
    }
    program(t).emplace_back("end");
}

/// A kernel thread's use of a process: kthread_use_mm .. kthread_unuse_mm (or a flush from
/// kernel context), then the release event the process's anchor waits for.
void MixBuilder::hold(ThreadPlan& t) {
    const int p = c_.below(static_cast<int>(procs_.size()));
    const std::string& name = process_name(p);
    if (c_.chance(75)) {
        emit(t, "use_mm " + name);
        const int inner = 1 + c_.below(4);
        for (int i = 0; i < inner; ++i) {
            enum { work, yield, flush, sleep, migrate };
            switch (c_.weighted({40, 30, 15, 10, online_.size() > 1 ? 5 : 0})) {
            case work:
                emit(t, fmt::format("work {}", c_.spread(100, 10000)));
                break;
            case yield:
                emit(t, "yield");
                break;
            case flush:
                emit(t, "flush_tlb " + name + flush_options());
                break;
            case sleep:
                emit(t, sleep_step(t, 1));
                break;
            default:
                emit(t, migrate_step());
            }
        }
        emit(t, "unuse_mm");
    } else {
        emit(t, "flush_tlb " + name + flush_options());
    }
    procs_[static_cast<std::size_t>(p)].releases.push_back(events_);
    emit(t, signal_step());
}

std::string MixBuilder::membarrier_step(const ThreadPlan& t) {
    const RoleInfo info = role_info(procs_[static_cast<std::size_t>(t.process)].role);
    enum { call, registration, global_expedited, any };
    std::string cmd;
    switch (c_.weighted({info.call != nullptr ? 45 : 0, info.call != nullptr ? 15 : 0, 10, 30})) {
    case call:
        cmd = info.call;
        break;
    case registration:
        cmd = info.registration;
        break;
    case global_expedited:
        cmd = "global_expedited";
        break;
    default:
        const auto& names = check::membarrier_cmd_names; // every command, by name
        cmd =
            std::string(names[static_cast<std::size_t>(c_.below(static_cast<int>(names.size())))]);
    }
    if (cmd == "private_expedited_rseq" && c_.chance(30)) {
        // MEMBARRIER_CMD_FLAG_CPU: only that CPU (any integer: out of range gives EINVAL).
        return fmt::format("membarrier {} flags=cpu cpu={}", cmd, c_.range(-1, p_.cpus));
    }
    return "membarrier " + cmd;
}

std::string MixBuilder::flush_options() {
    std::string out;
    if (c_.chance(70)) {
        out += fmt::format(" pages={}", c_.spread(1, 64));
    }
    if (c_.chance(30)) {
        out += " freed_tables";
    }
    return out;
}

std::string MixBuilder::sleep_step(ThreadPlan& t, int times) {
    const std::int64_t n = c_.spread(1000, 4000000);
    t.slept += n * times;
    return fmt::format("sleep {}", n);
}

} // namespace

Draft build_mix(const GenParams& p) {
    return MixBuilder(p).build();
}

} // namespace gen
