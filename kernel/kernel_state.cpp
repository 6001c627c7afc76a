#include "kernel/kernel_state.h"

namespace kernel {

Mm& KernelState::new_mm(std::string name, MmKind kind, int process) {
    auto mm = std::make_unique<Mm>();
    mm->id = static_cast<int>(mms.size());
    mm->name = std::move(name);
    mm->kind = kind;
    mm->process = process;
    mm->cpumask = CpuMask(nr_cpus());
    // init_new_context(): ctx_id = atomic64_inc_return(&last_mm_ctx_id); init_mm keeps 1.
    mm->ctx_id = kind == MmKind::init_mm ? 1 : ++last_mm_ctx_id;
    mm->mm_users = 1;
    mm->mm_count = 1;
    mms.push_back(std::move(mm));
    return *mms.back();
}

Task& KernelState::new_task(std::string name, bool kthread) {
    auto t = std::make_unique<Task>();
    t->id = static_cast<int>(tasks.size());
    t->name = std::move(name);
    t->kthread = kthread;
    tasks.push_back(std::move(t));
    return *tasks.back();
}

} // namespace kernel
