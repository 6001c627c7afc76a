#pragma once
// struct cpumask: a fixed-width bitmap over the machine's CPUs (include/linux/cpumask.h).

#include <bit>
#include <cstdint>
#include <vector>

namespace kernel {

class CpuMask {
public:
    CpuMask() = default;
    explicit CpuMask(int nr_cpus) : words_((static_cast<std::size_t>(nr_cpus) + 63) / 64, 0) {}

    bool test(int cpu) const { return (words_[word(cpu)] >> bit(cpu)) & 1U; }
    void set(int cpu) { words_[word(cpu)] |= std::uint64_t{1} << bit(cpu); }
    void clear(int cpu) { words_[word(cpu)] &= ~(std::uint64_t{1} << bit(cpu)); }
    void clear_all() {
        for (auto& w : words_) {
            w = 0;
        }
    }
    bool empty() const {
        for (auto w : words_) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }
    int weight() const {
        int n = 0;
        for (auto w : words_) {
            n += std::popcount(w);
        }
        return n;
    }
    /// Whether any CPU other than `cpu` is set (cpumask_any_but(mask, cpu) < nr_cpu_ids).
    bool any_but(int cpu) const {
        for (std::size_t i = 0; i < words_.size(); ++i) {
            std::uint64_t w = words_[i];
            if (word(cpu) == i) {
                w &= ~(std::uint64_t{1} << bit(cpu));
            }
            if (w != 0) {
                return true;
            }
        }
        return false;
    }
    /// Calls f(cpu) for every set CPU in ascending order.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < words_.size(); ++i) {
            std::uint64_t w = words_[i];
            while (w != 0) {
                const int b = std::countr_zero(w);
                f(static_cast<int>(i * 64) + b);
                w &= w - 1;
            }
        }
    }

private:
    static std::size_t word(int cpu) { return static_cast<std::size_t>(cpu) / 64; }
    static unsigned bit(int cpu) { return static_cast<unsigned>(cpu) % 64; }
    std::vector<std::uint64_t> words_;
};

} // namespace kernel
