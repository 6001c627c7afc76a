#pragma once
// The one counter registry. Every counter is declared once, with its description, before the run;
// the hot path increments by CounterId (an index), never by name. Each counter exists in total
// and per CPU (`cpuN.<name>`); a counter that never fired reads 0.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sim {

struct CounterId {
    std::uint32_t index = 0;
};

struct CounterDecl {
    std::string name;
    std::string description;
};

class CounterRegistry {
public:
    /// Declares a counter. Names are unique; declaring one twice is an internal error.
    CounterId declare(std::string name, std::string description);
    /// Sizes the per-CPU storage and zeroes every value.
    void reset(int cpus);

    void add(CounterId id, int cpu, std::int64_t n = 1);

    std::int64_t total(CounterId id) const { return totals_[id.index]; }
    std::int64_t on_cpu(CounterId id, int cpu) const;

    std::optional<CounterId> find(std::string_view name) const;
    /// Value by full name: "ser.total" or "cpu3.ser.total". Empty when no such counter (or CPU).
    std::optional<std::int64_t> value(std::string_view full_name) const;
    /// Whether `full_name` names a counter, with or without a `cpuN.` prefix (N not checked).
    bool is_name(std::string_view full_name) const;

    const std::vector<CounterDecl>& declared() const { return decls_->list; }
    int cpus() const { return cpus_; }

private:
    /// The declarations and a name index, shared by copies of a registry (every run copies the
    /// catalog's, and a run's result copies the run's): declare() copies them first when shared.
    struct Decls {
        std::vector<CounterDecl> list;
        std::unordered_map<std::string, std::uint32_t> index;
    };
    std::shared_ptr<Decls> decls_ = std::make_shared<Decls>();
    std::vector<std::int64_t> totals_;
    std::vector<std::int64_t> per_cpu_; // [cpu * decls_.size() + index]
    int cpus_ = 0;
};

/// Splits "cpu3.ser.total" into (3, "ser.total"); (-1, name) without a prefix.
std::pair<int, std::string_view> split_cpu_prefix(std::string_view full_name);

} // namespace sim
