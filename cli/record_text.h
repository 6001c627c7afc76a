#pragma once
// Human-readable text for records: used by the `-v` narrative and by `explain`.

#include "kernel/kernel_state.h"
#include "kernel/record.h"

#include <string>

namespace cli {

class RecordText {
public:
    void attach(const kernel::KernelState& ks) { ks_ = &ks; }
    /// "CR3 write mm jit pcid 2 flush", "sync_core by IRET-to-self", ...
    std::string describe(const kernel::Record& r) const;
    std::string mm_name(int id) const;
    std::string task_name(int id) const;

private:
    const kernel::KernelState* ks_ = nullptr;
};

} // namespace cli
