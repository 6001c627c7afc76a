// model_bench: the whole model's event throughput (issue 17, docs/performance.md, The whole
// model) on generated machines of 2, 64, 1,024 and 4,096 CPUs, each against a bare binary-heap
// "hold" loop with the same number of pending events, run in the same process.
//
// A machine is `tlbsim gen --profile jit` (a JIT process calling SYNC_CORE membarriers, a
// PRIVATE_EXPEDITED process, mapper processes unmapping pages on groups of eight CPUs, every
// thread looping over user work and sleeps under a scheduler tick) plus one kernel thread per
// eight CPUs that loops over kernel work and sleeps. Each machine runs in a forked child, so that
// its peak memory (VmHWM) is its own. The child:
//   1. generates and loads the scenario (not timed with the run);
//   2. runs it under the policy (run::run_scenario, as `tlbsim run` does) and reads VmHWM; an
//      observer samples the pending-event count as the CPUs plus the sleeping tasks (each holds
//      one timer), every max(1024, tasks) records;
//   3. runs the bare heap with that many pending events for as many events as the model ran;
//   4. measures the checker's share: the run again with a second, independent
//      check::GuaranteeChecker on the record stream; what that adds is one checker's cost.
// Steps 2-4 alternate `reps` times; the medians are reported.
//
// Usage: model_bench [--machines 2,64,1024,4096] [--reps N] [--policy P] [--no-share]
//   (default: --machines 2,64 --reps 3 --policy v5.10; 1,024 and 4,096 take minutes and GiBs).
//        model_bench --scenario CPUS   prints that machine's scenario (to profile `tlbsim run`).

#include "check/guarantee_checker.h"
#include "cli/catalog.h"
#include "gen/generator.h"
#include "kernel/kernel_state.h"
#include "kernel/trace.h"
#include "run/runner.h"
#include "scenario/loader.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <queue>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// --- the machines ------------------------------------------------------------------------------

struct Machine {
    int cpus = 0;
    int threads = 0; ///< user threads
    int steps = 0;   ///< gen's mean program length: each thread loops steps/3 times
};

/// The sizes of issue 17: the 64-CPU machine with 2,048 threads, the 1,024-CPU one with 100,000.
const std::vector<Machine>& machines() {
    static const std::vector<Machine> all = {
        {.cpus = 2, .threads = 32, .steps = 1000},
        {.cpus = 64, .threads = 2048, .steps = 90},
        {.cpus = 1024, .threads = 100000, .steps = 3},
        {.cpus = 4096, .threads = 16384, .steps = 30},
    };
    return all;
}

/// The machine of `cpus` CPUs (one of machines()).
const Machine& machine_of(int cpus) {
    return *std::find_if(machines().begin(), machines().end(),
                         [cpus](const Machine& x) { return x.cpus == cpus; });
}

int kthreads_of(const Machine& m) {
    return (m.cpus + 7) / 8;
}

/// One [[kthread]] per eight CPUs, on the group's first CPU: kernel work and sleeps, as long as
/// the user threads loop.
std::string kthreads_toml(const Machine& m) {
    std::string out;
    const int rounds = std::max(1, m.steps / 3);
    for (int k = 0; k < kthreads_of(m); ++k) {
        out += "\n[[kthread]]\nname = \"kworker" + std::to_string(k) +
               "\"\ncpu = " + std::to_string(8 * k) + "\nprogram = [\"repeat " +
               std::to_string(rounds) + "\", \"work " + std::to_string(2000 + 97 * (k % 50)) +
               "\", \"sleep " + std::to_string(150000 + 1009 * (k % 100)) + "\", \"end\"]\n";
    }
    return out;
}

std::string scenario_text(const Machine& m) {
    gen::GenParams p;
    p.profile = gen::Profile::jit;
    p.cpus = m.cpus;
    p.threads = m.threads;
    p.steps = m.steps;
    p.seed = 1;
    return gen::generate(p) + kthreads_toml(m);
}

// --- what a child measures ---------------------------------------------------------------------

/// Samples the engine's pending events as the CPUs plus the sleeping tasks (each sleeping task
/// holds its hrtimer; each CPU its next resumption): the model's queue without reading it.
class PendingSampler final : public kernel::RecordObserver {
public:
    void on_start(const kernel::KernelState& ks, const kernel::Trace&) override {
        ks_ = &ks;
        every_ = std::max<std::uint64_t>(1024, ks.tasks.size());
    }
    void on_record(const kernel::Record&) override {
        if (++records_ % every_ == 0) {
            sample();
        }
    }
    double mean() const { return samples_ == 0 ? 0.0 : total_ / static_cast<double>(samples_); }
    std::uint64_t records() const { return records_; }

private:
    void sample() {
        std::uint64_t sleeping = 0;
        for (const auto& t : ks_->tasks) {
            sleeping += t->state == kernel::TaskState::interruptible ? 1 : 0;
        }
        total_ += static_cast<double>(sleeping + ks_->rqs.size());
        ++samples_;
    }

    const kernel::KernelState* ks_ = nullptr;
    std::uint64_t every_ = 1024;
    std::uint64_t records_ = 0;
    double total_ = 0;
    std::uint64_t samples_ = 0;
};

struct ModelRun {
    double seconds = 0;
    std::uint64_t events = 0;
    std::int64_t cycles = 0;
    std::uint64_t records = 0;
    double pending = 0;
};

/// One run of `sc` under `policy`, timed from building the machine to its results; with
/// `second_checker`, a second GuaranteeChecker sees every record too.
ModelRun run_model(const scenario::Scenario& sc, const std::string& policy, bool second_checker) {
    PendingSampler sampler;
    check::GuaranteeChecker extra(sc.machine.cpus);
    extra.set_rq_membarrier_state(run::resolve_policy(sc, policy)->membarrier_rq_state);
    extra.set_pti(sc.machine.pti);
    run::RunOptions options;
    options.observers.push_back(&sampler);
    if (second_checker) {
        options.observers.push_back(&extra);
    }
    const auto t0 = Clock::now();
    const run::RunResult r = run::run_scenario(sc, policy, options);
    const double secs = seconds_since(t0);
    if (!r.error.empty() || !r.internal_error.empty()) {
        std::fprintf(stderr, "model_bench: the run failed: %s%s\n", r.error.c_str(),
                     r.internal_error.c_str());
        std::exit(3);
    }
    return {.seconds = secs,
            .events = r.events,
            .cycles = r.cycles,
            .records = sampler.records(),
            .pending = sampler.mean()};
}

volatile std::int64_t g_sink; // keeps the bare loop's result alive

/// The bare heap of engine_bench: pop the minimum (time, seq), push it back at time + 1..1024.
double bare_heap_seconds(std::size_t pending, std::uint64_t events) {
    using Item = std::pair<std::int64_t, std::uint64_t>;
    std::vector<Item> storage;
    storage.reserve(pending + 1);
    std::priority_queue<Item, std::vector<Item>, std::greater<>> q(std::greater<>{},
                                                                   std::move(storage));
    std::uint64_t s = 0x2545f4914f6cdd1dULL;
    const auto increment = [&s] {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return 1 + static_cast<std::int64_t>(s & 1023);
    };
    std::uint64_t seq = 0;
    for (std::size_t i = 0; i < pending; ++i) {
        q.push({increment(), seq++});
    }
    const auto t0 = Clock::now();
    std::int64_t now = 0;
    for (std::uint64_t i = 0; i < events; ++i) {
        now = q.top().first;
        q.pop();
        q.push({now + increment(), seq++});
    }
    const double secs = seconds_since(t0);
    g_sink = now;
    return secs;
}

/// A /proc/self/status size field (VmHWM: the peak resident set; VmRSS: the current one), in
/// bytes.
std::uint64_t status_bytes(std::string_view field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with(field)) {
            return std::strtoull(line.c_str() + field.size(), nullptr, 10) * 1024;
        }
    }
    return 0;
}

std::uint64_t peak_rss_bytes() {
    return status_bytes("VmHWM:");
}

/// Resets VmHWM to the current resident set (proc(5), clear_refs "5"), so that the next
/// peak_rss_bytes() is the peak of what runs from here on.
void reset_peak_rss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

/// What a child sends back: plain data through a pipe.
struct Row {
    int cpus = 0;
    int threads = 0; ///< user threads and kernel threads
    double load_seconds = 0;
    double seconds = 0; ///< median run
    std::uint64_t events = 0;
    std::uint64_t records = 0;
    std::int64_t cycles = 0;
    double pending = 0;
    double bare_seconds = 0; ///< median bare heap for `events` events
    std::uint64_t peak_rss = 0;
    /// The first run's own peak over the resident set before it (the loaded scenario): what
    /// the run adds, machine and tasks and their stacks.
    std::uint64_t run_rss = 0;
    double with_second_checker = 0; ///< median run with a second checker (0: not measured)
};

struct Options {
    std::vector<int> cpus = {2, 64};
    int reps = 3;
    std::string policy = "v5.10";
    bool share = true;
    int print_scenario = 0; ///< print this machine's scenario and stop (for `tlbsim run`, perf)
};

Row measure_machine(const Machine& m, const Options& o) {
    Row row;
    row.cpus = m.cpus;
    row.threads = m.threads + kthreads_of(m);
    const auto t0 = Clock::now();
    const scenario::Scenario sc = scenario::load_string(
        scenario_text(m), "model_bench-" + std::to_string(m.cpus), cli::scenario_catalog());
    row.load_seconds = seconds_since(t0);
    if (!run::resolve_policy(sc, o.policy)) {
        std::fprintf(stderr, "model_bench: no policy %s\n", o.policy.c_str());
        std::exit(2);
    }
    std::vector<double> plain, bare, doubled;
    for (int rep = 0; rep < o.reps; ++rep) {
        const std::uint64_t before_run = rep == 0 ? status_bytes("VmRSS:") : 0;
        const std::uint64_t load_peak = rep == 0 ? peak_rss_bytes() : 0;
        if (rep == 0) {
            reset_peak_rss();
        }
        const ModelRun run = run_model(sc, o.policy, false);
        if (rep == 0) {
            const std::uint64_t run_peak = peak_rss_bytes();
            row.peak_rss = std::max(load_peak, run_peak);
            row.run_rss = run_peak > before_run ? run_peak - before_run : 0;
            row.events = run.events;
            row.records = run.records;
            row.cycles = run.cycles;
            row.pending = run.pending;
        }
        plain.push_back(run.seconds);
        const auto pending = static_cast<std::size_t>(std::max(1.0, row.pending + 0.5));
        bare.push_back(bare_heap_seconds(pending, std::max<std::uint64_t>(row.events, 1000000)) *
                       static_cast<double>(row.events) /
                       static_cast<double>(std::max<std::uint64_t>(row.events, 1000000)));
        if (o.share) {
            doubled.push_back(run_model(sc, o.policy, true).seconds);
        }
    }
    row.seconds = median(plain);
    row.bare_seconds = median(bare);
    row.with_second_checker = median(doubled);
    return row;
}

/// Measures `m` in a forked child (its own peak memory); false if the child failed.
bool measure_in_child(const Machine& m, const Options& o, Row& row) {
    int fds[2];
    if (pipe(fds) != 0) {
        return false;
    }
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const Row r = measure_machine(m, o);
        const bool ok = write(fds[1], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
        _exit(ok ? 0 : 3);
    }
    close(fds[1]);
    const bool got = pid > 0 && read(fds[0], &row, sizeof row) == static_cast<ssize_t>(sizeof row);
    close(fds[0]);
    int status = 0;
    const bool exited =
        pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    return got && exited;
}

// --- output ------------------------------------------------------------------------------------

void print_header(const Options& o) {
    std::printf("model_bench: policy %s, median of %d run(s) per machine; rates in events per "
                "wall second\n",
                o.policy.c_str(), o.reps);
    std::printf("%5s %7s %9s %7s %9s %9s %9s %7s %10s %9s %9s %9s %8s\n", "CPUs", "threads",
                "events", "run s", "model/s", "pending", "bare/s", "ratio", "Mcycles/s", "peak MiB",
                "B/thread", "run B/thr", "checker");
}

void print_row(const Row& r) {
    const double events = static_cast<double>(r.events);
    const double share =
        r.with_second_checker > 0 ? (r.with_second_checker - r.seconds) / r.seconds * 100.0 : -1.0;
    char share_text[16];
    std::snprintf(share_text, sizeof share_text, share < 0 ? "-" : "%.0f%%", share);
    std::printf("%5d %7d %8.2fM %7.2f %8.2fM %9.0f %8.2fM %6.2fx %10.1f %9.1f %9.0f %9.0f %8s\n",
                r.cpus, r.threads, events / 1e6, r.seconds, events / r.seconds / 1e6, r.pending,
                events / r.bare_seconds / 1e6, r.bare_seconds / r.seconds,
                static_cast<double>(r.cycles) / r.seconds / 1e6,
                static_cast<double>(r.peak_rss) / (1024.0 * 1024.0),
                static_cast<double>(r.peak_rss) / r.threads,
                static_cast<double>(r.run_rss) / r.threads, share_text);
}

void print_notes() {
    std::printf("model/s: engine events per second of the run (machine built, run, results "
                "collected; scenario loading not included)\n"
                "pending: mean sampled pending events (CPUs + sleeping tasks); bare/s: the bare "
                "heap's rate with that many; ratio: model/s over bare/s\n"
                "peak MiB: the child's VmHWM (loading and its first run); B/thread: that over "
                "the threads (user and kernel); run B/thr: the first run's own peak over the "
                "resident set before it (the loaded scenario), over the threads\n"
                "checker: what a second GuaranteeChecker on the record stream adds to the run, "
                "i.e. one checker's share of it\n");
}

// --- arguments ---------------------------------------------------------------------------------

bool parse_cpus(std::string_view list, std::vector<int>& out) {
    out.clear();
    std::stringstream ss{std::string(list)};
    std::string item;
    while (std::getline(ss, item, ',')) {
        const int n = std::atoi(item.c_str());
        const bool known = std::any_of(machines().begin(), machines().end(),
                                       [n](const Machine& m) { return m.cpus == n; });
        if (!known) {
            return false;
        }
        out.push_back(n);
    }
    return !out.empty();
}

bool parse_args(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--machines" && has_value) {
            if (!parse_cpus(argv[++i], o.cpus)) {
                return false;
            }
        } else if (a == "--reps" && has_value) {
            o.reps = std::atoi(argv[++i]);
        } else if (a == "--policy" && has_value) {
            o.policy = argv[++i];
        } else if (a == "--scenario" && has_value) {
            o.print_scenario = std::atoi(argv[++i]);
        } else if (a == "--no-share") {
            o.share = false;
        } else {
            return false;
        }
    }
    return o.reps > 0;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        std::fprintf(stderr, "usage: model_bench [--machines 2,64,1024,4096] [--reps N] "
                             "[--policy P] [--no-share] | --scenario CPUS\n");
        return 2;
    }
    if (o.print_scenario > 0) {
        std::vector<int> one;
        if (!parse_cpus(std::to_string(o.print_scenario), one)) {
            std::fprintf(stderr, "model_bench: no %d-CPU machine\n", o.print_scenario);
            return 2;
        }
        std::fputs(scenario_text(machine_of(one[0])).c_str(), stdout);
        return 0;
    }
    print_header(o);
    for (const int cpus : o.cpus) {
        Row row;
        if (!measure_in_child(machine_of(cpus), o, row)) {
            std::fprintf(stderr, "model_bench: the %d-CPU machine failed\n", cpus);
            return 3;
        }
        print_row(row);
    }
    print_notes();
    return 0;
}
