#pragma once
// The other CPU of a cross-CPU action: the target of an IPI, a call or a reschedule, or its
// sender. Throughout the model the CPU whose code is running is a plain `int cpu` (the kernel's
// smp_processor_id()); every other CPU a function takes is a CpuId. So passing the two in the
// wrong order, as `send(target, sender)` against `call(cpu, target)` invites, does not compile.

namespace sim {

class CpuId {
public:
    constexpr explicit CpuId(int index) : index_(index) {}
    /// No CPU: an interrupt raised by a device or a timer, or calls run from the idle loop
    /// without an IPI.
    static constexpr CpuId none() { return CpuId(-1); }

    constexpr int index() const { return index_; }
    constexpr bool is_none() const { return index_ < 0; }
    /// Whether this is the running CPU `cpu`.
    constexpr bool is(int cpu) const { return index_ == cpu; }
    friend constexpr bool operator==(CpuId, CpuId) = default;

private:
    int index_;
};

} // namespace sim
