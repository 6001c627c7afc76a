#pragma once
// Containers indexed by a CPU number or an mm id (ints in the records), so that the checkers
// index them without a cast at each use.

#include <cstddef>
#include <vector>

namespace check {

/// One T per CPU.
template <class T>
class PerCpu {
public:
    PerCpu() = default;
    explicit PerCpu(int cpus, const T& value = T{})
        : items_(static_cast<std::size_t>(cpus), value) {}

    T& operator[](int cpu) { return items_[static_cast<std::size_t>(cpu)]; }
    const T& operator[](int cpu) const { return items_[static_cast<std::size_t>(cpu)]; }
    int size() const { return static_cast<int>(items_.size()); }
    auto begin() { return items_.begin(); }
    auto end() { return items_.end(); }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }

private:
    std::vector<T> items_;
};

/// One T per mm id, created (value-initialised) when an id is first used.
template <class T>
class PerMm {
public:
    T& operator[](int mm) {
        if (static_cast<std::size_t>(mm) >= items_.size()) {
            items_.resize(static_cast<std::size_t>(mm) + 1);
        }
        return items_[static_cast<std::size_t>(mm)];
    }
    /// The T of `mm`, or nullptr when it was never used.
    const T* find(int mm) const {
        return static_cast<std::size_t>(mm) < items_.size() ? &items_[static_cast<std::size_t>(mm)]
                                                            : nullptr;
    }

private:
    std::vector<T> items_;
};

} // namespace check
