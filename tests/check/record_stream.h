#pragma once
// A guarantee checker fed hand-made records (checker_test.cpp, obligations_test.cpp): two CPUs,
// the mms init_mm (0) and jit (1), the user tasks t0 (0) and t1 (1) and the kernel thread k (2).

#include "check/guarantee_checker.h"
#include "kernel/kernel_state.h"
#include "kernel/record_kinds.h"

#include <cstdint>

namespace checktest {

struct Stream {
    Stream() : checker(2) {
        ks.rqs.resize(2);
        ks.new_mm("init_mm", kernel::MmKind::init_mm, -1);
        ks.new_mm("jit", kernel::MmKind::user, 0);
        ks.new_task("t0", false);
        ks.new_task("t1", false);
        ks.new_task("k", true);
        checker.on_start(ks, trace);
    }
    /// `r` (built by a kernel/record_kinds.h constructor) at `time` on `cpu`, emitted by `task`
    /// in kernel function `site` (when given; else r's own). The streams leave rq_curr_store's and context_switch's next
    /// task -1: no checker reads it.
    void emit(std::int64_t time, int cpu, int task, kernel::Record r,
              kernel::Fn site = kernel::Fn::none) {
        r.seq = ++seq;
        r.time = sim::Cycles{time};
        r.cpu = cpu;
        r.task = task;
        if (site != kernel::Fn::none) {
            r.site = site;
        }
        checker.on_record(r);
    }
    std::int64_t count(check::Property property) {
        return checker.count(property, 0) + checker.count(property, 1);
    }

    kernel::KernelState ks;
    kernel::Trace trace;
    check::GuaranteeChecker checker;
    std::uint64_t seq = 0;
};

} // namespace checktest
