#pragma once
// Derives every counter from the record stream, and nothing else. Streaming: per-CPU state only.

#include "check/counter_catalog.h"
#include "check/per_cpu.h"
#include "kernel/trace.h"

#include <cstdint>

namespace check {

/// Which counters a record increments, and by how much. Stateful (the redundancy rule keeps
/// per-CPU state), so feed it every record in order. Used by counting and by `explain`.
class CounterClassifier {
public:
    CounterClassifier(const Counters& ids, int cpus);
    /// Calls add(id, amount) for every counter `r` increments (on r.cpu).
    template <class F>
    void classify(const kernel::Record& r, F&& add) {
        classify_impl(r, Add(add));
    }

private:
    /// add(id, n) by reference: one indirect call per counter, nothing built per record (a
    /// std::function built per record cost 5.5% of a 64-CPU run in CountingObserver, this 3.1%:
    /// perf, inclusive, model_bench's 64-CPU scenario).
    class Add {
    public:
        template <class F>
        explicit Add(F& f)
            : fn_(&f), call_([](void* fn, sim::CounterId id, std::int64_t n) {
                  (*static_cast<F*>(fn))(id, n);
              }) {}
        void operator()(sim::CounterId id, std::int64_t n) const { call_(fn_, id, n); }

    private:
        void* fn_;
        void (*call_)(void*, sim::CounterId, std::int64_t);
    };
    void classify_impl(const kernel::Record& r, const Add& add);
    /// Per-CPU state of the redundancy rule (docs/design.md, Observables).
    struct CpuState {
        std::uint64_t visible_mm_change = 0; ///< seq of the last store that changed the visible mm
        std::uint64_t last_ser = 0;          ///< seq of the last [SER] (0: none)
        std::uint64_t last_user = 0;         ///< seq of the last return to user mode
        bool have_ser = false;
        bool have_user = false;
    };
    bool is_redundant(const kernel::Record& r, const CpuState& st) const;
    // One per family of counters (the families of counter_catalog.cpp).
    void count_serializing(const kernel::Record& r, CpuState& st, const Add& add);
    void count_sync_core(const kernel::Record& r, const CpuState& st, const Add& add);
    void count_atomic(const kernel::Record& r, const Add& add);
    void count_ipi_send(const kernel::Record& r, const Add& add);
    void count_membarrier_return(const kernel::Record& r, const Add& add);
    /// The counters a record kind increments by one, with no state.
    void count_event(const kernel::Record& r, const Add& add);

    const Counters& ids_;
    PerCpu<CpuState> cpus_;
};

/// Derives every counter of the registry from the record stream.
class CountingObserver : public kernel::RecordObserver {
public:
    CountingObserver(sim::CounterRegistry& registry, const Counters& ids, int cpus)
        : reg_(registry), classifier_(ids, cpus) {}
    void on_record(const kernel::Record& r) override {
        classifier_.classify(r, [&](sim::CounterId id, std::int64_t n) { reg_.add(id, r.cpu, n); });
    }

private:
    sim::CounterRegistry& reg_;
    CounterClassifier classifier_;
};

} // namespace check
