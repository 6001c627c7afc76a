#include "sim/counters.h"

#include "sim/panic.h"

#include <charconv>

namespace sim {

CounterId CounterRegistry::declare(std::string name, std::string description) {
    SIM_ASSERT(!find(name), "counter declared twice: {}", name);
    SIM_ASSERT(per_cpu_.empty(), "counter {} declared after reset()", name);
    if (decls_.use_count() > 1) {
        decls_ = std::make_shared<Decls>(*decls_);
    }
    const auto id = static_cast<std::uint32_t>(decls_->list.size());
    decls_->index.emplace(name, id);
    decls_->list.push_back({std::move(name), std::move(description)});
    totals_.push_back(0);
    return CounterId{id};
}

void CounterRegistry::reset(int cpus) {
    cpus_ = cpus;
    totals_.assign(decls_->list.size(), 0);
    per_cpu_.assign(decls_->list.size() * static_cast<std::size_t>(cpus), 0);
}

void CounterRegistry::add(CounterId id, int cpu, std::int64_t n) {
    totals_[id.index] += n;
    if (cpu >= 0 && cpu < cpus_) {
        per_cpu_[static_cast<std::size_t>(cpu) * totals_.size() + id.index] += n;
    }
}

std::int64_t CounterRegistry::on_cpu(CounterId id, int cpu) const {
    SIM_ASSERT(cpu >= 0 && cpu < cpus_, "counter read for cpu {} of {}", cpu, cpus_);
    return per_cpu_[static_cast<std::size_t>(cpu) * totals_.size() + id.index];
}

std::optional<CounterId> CounterRegistry::find(std::string_view name) const {
    const auto it = decls_->index.find(std::string(name));
    if (it == decls_->index.end()) {
        return std::nullopt;
    }
    return CounterId{it->second};
}

std::pair<int, std::string_view> split_cpu_prefix(std::string_view full_name) {
    if (full_name.starts_with("cpu")) {
        const auto dot = full_name.find('.');
        if (dot != std::string_view::npos && dot > 3) {
            int cpu = 0;
            const char* first = full_name.data() + 3;
            const char* last = full_name.data() + dot;
            auto [ptr, ec] = std::from_chars(first, last, cpu);
            if (ec == std::errc() && ptr == last && cpu >= 0) {
                return {cpu, full_name.substr(dot + 1)};
            }
        }
    }
    return {-1, full_name};
}

std::optional<std::int64_t> CounterRegistry::value(std::string_view full_name) const {
    const auto [cpu, name] = split_cpu_prefix(full_name);
    const auto id = find(name);
    if (!id) {
        return std::nullopt;
    }
    if (cpu < 0) {
        return total(*id);
    }
    if (cpu >= cpus_) {
        return std::nullopt;
    }
    return on_cpu(*id, cpu);
}

bool CounterRegistry::is_name(std::string_view full_name) const {
    return find(split_cpu_prefix(full_name).second).has_value();
}

} // namespace sim
