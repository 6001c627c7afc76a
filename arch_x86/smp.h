#pragma once
// Cross-CPU function calls (kernel/smp.c, v5.10.13): smp_call_function_many, on_each_cpu_mask,
// smp_send_reschedule, and the CALL_FUNCTION IPI handler. IPIs travel through the event queue:
// an IPI is sent only when the target's call_single_queue was empty, arrives after the
// `ipi_latency` cost, and the sender waits (an engine-level wait, not a loop) for every ack.

#include "arch_x86/x86_cpu.h"
#include "kernel/cpumask.h"
#include "sim/cpu_id.h"

#include <functional>

namespace arch_x86 {

class Machine;

/// Runs the function a call names on `cpu` with IRQs off (hardirq context for an IPI, or the
/// local call of on_each_cpu_mask).
void run_csd_func(Machine& m, int cpu, SmpCall& call);

/// smp_call_function_cond_func: evaluated by the sender on a candidate target.
using CallCondition = std::function<bool(int target)>;

/// smp_call_function_many_cond(): runs the call on every online CPU in `mask` except the caller
/// for which `cond` holds (all when empty), and waits for all when `wait`. When the mask names a
/// single other CPU it takes smp_call_function_single()'s path: no IPI to a polling idle CPU,
/// which runs the call from its idle loop instead.
void smp_call_function_many(Machine& m, int cpu, const kernel::CpuMask& mask, SmpCall request,
                            bool wait, const CallCondition& cond = {});

/// v5.10 on_each_cpu_cond_mask() / on_each_cpu_mask(): the remote calls (waiting for them when
/// `wait`), then the local call with IRQs off if the caller's CPU is in `mask` (and `cond` holds).
void on_each_cpu_mask(Machine& m, int cpu, const kernel::CpuMask& mask, SmpCall request, bool wait,
                      const CallCondition& cond = {});

/// smp_call_function_single(): on `target` by IPI (none to a polling idle CPU), or locally with
/// IRQs off when `target` is the caller's CPU.
void smp_call_function_single(Machine& m, int cpu, sim::CpuId target, SmpCall request, bool wait);

/// smp_send_reschedule: a RESCHEDULE IPI to `target`.
void smp_send_reschedule(Machine& m, int cpu, sim::CpuId target);

/// flush_smp_call_function_queue() (kernel/smp.c, v5.10.13), sysvec_call_function's body for an
/// IPI of `kind` from `sender` (none: from the idle loop, no IPI): takes the whole queue with
/// llist_del_all() and runs it, synchronous calls first. An IPI can find the queue empty (an
/// earlier flush ran the calls it was raised for): it returns, recorded as ipi_queue_empty.
void flush_smp_call_function_queue(Machine& m, int cpu, sim::CpuId sender, kernel::IpiKind kind);

/// flush_smp_call_function_from_idle() (kernel/smp.c, v5.10.13): do_idle runs what was queued
/// without an IPI (the CPU was polling), with IRQs off; nothing when the queue is empty.
void flush_smp_call_function_from_idle(Machine& m, int cpu);

} // namespace arch_x86
