#pragma once
// Human-readable text for records: used by the `-v` narrative and by `explain`.

#include "kernel/kernel_state.h"
#include "kernel/record.h"

#include <cstdint>
#include <string>

namespace kernel {

class RecordText {
public:
    void attach(const KernelState& ks) { ks_ = &ks; }
    /// "CR3 write mm jit pcid 2 flush", "sync_core by IRET-to-self", ...
    std::string describe(const Record& r) const;
    std::string mm_name(int id) const;
    /// cpu_tlbstate.loaded_mm's value: an mm's name, or LOADED_MM_SWITCHING (kLoadedMmSwitching).
    std::string loaded_mm_name(std::int64_t value) const;
    std::string task_name(int id) const;
    /// A user variable's name (`[[process]] variables`).
    std::string var_name(int id) const;

private:
    /// "locked mmgrab (mm jit, now 3)": the count it produced for the counting operations.
    std::string describe_atomic(const Record& r) const;
    std::string describe_entry(const Record& r) const;
    std::string describe_switch(const Record& r) const;
    std::string describe_tlb(const Record& r) const;
    std::string describe_barrier(const Record& r) const;
    std::string describe_ipi(const Record& r) const;
    std::string describe_membarrier(const Record& r) const;
    std::string describe_user_memory(const Record& r) const;

    const KernelState* ks_ = nullptr;
};

} // namespace kernel
