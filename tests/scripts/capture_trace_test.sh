#!/usr/bin/env bash
# scripts/capture-trace and traces/count-events without tracefs (docs/replay.md, Capturing a trace): --help
# succeeds, every kind of bad usage is refused with one line and exit 2 before anything is
# recorded, a missing tracefs is refused the same way, and count-events counts a small trace.
#
# usage: capture_trace_test.sh REPO_ROOT
set -uo pipefail
root=${1:?usage: capture_trace_test.sh REPO_ROOT}
capture=$root/scripts/capture-trace
count=$root/traces/count-events
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passes=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect STATUS DESCRIPTION COMMAND...: COMMAND exits with STATUS; for a refusal (2), it prints
# exactly one line on stderr and writes no OUT file.
expect() {
    local want=$1 what=$2 status lines
    shift 2
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    status=$?
    if ((status != want)); then
        fail "$what: exit $status, wanted $want ($(head -c 200 "$tmp/stderr"))"
        return
    fi
    if ((want == 2)); then
        lines=$(wc -l <"$tmp/stderr")
        ((lines == 1)) || fail "$what: $lines lines on stderr, wanted 1"
        [[ ! -e $tmp/out.trace ]] || fail "$what: wrote $tmp/out.trace"
    fi
    passes=$((passes + 1))
}

expect 0 "--help" "$capture" --help
grep -q '^usage: scripts/capture-trace' "$tmp/stdout" || fail "--help prints no usage line"
expect 0 "-h" "$capture" -h
expect 2 "no arguments" "$capture"
expect 2 "no --" "$capture" "$tmp/out.trace"
expect 2 "no COMMAND" "$capture" "$tmp/out.trace" --
expect 2 "no OUT" "$capture" -- sleep 1
expect 2 "two OUTs" "$capture" "$tmp/out.trace" "$tmp/other" -- sleep 1
expect 2 "unknown option" "$capture" --bogus "$tmp/out.trace" -- sleep 1
expect 2 "--buffer-kb not a number" "$capture" --buffer-kb lots "$tmp/out.trace" -- sleep 1
expect 2 "--buffer-kb without value" "$capture" --buffer-kb
expect 2 "OUT in a missing directory" "$capture" "$tmp/missing/out.trace" -- sleep 1
expect 2 "OUT is a directory" "$capture" "$tmp" -- sleep 1
# Not root, or root without tracefs at the given place: refused before recording.
TRACEFS=$tmp/no-tracefs expect 2 "no tracefs" "$capture" "$tmp/out.trace" -- sleep 1

# count-events on a small trace in the record-tgid format: an on_each_cpu_cond_mask IPI is for a
# SYNC_CORE membarrier inside that system call, for a TLB shootdown after "remote IPI send" on
# the sender's CPU, and neither otherwise.
cat >"$tmp/small.trace" <<'TRACE'
# tracer: nop
#           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION
            mbw-100     (    100) [000] d..2.   10.000100: sched_switch: prev_comm=mbw prev_pid=100 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
          <idle>-0       (-------) [001] d.h1.   10.000200: tlb_flush: pages:0 reason:flush on task switch (0)
            mbw-100     (    100) [000] d..2.   10.000300: tlb_flush: pages:-1 reason:flush on task switch (0)
            mbw-100     (    100) [000] .....   10.000400: sys_membarrier(cmd: 0x20, flags: 0, cpu_id: 0)
            mbw-100     (    100) [000] ...1.   10.000500: ipi_send_cpu: cpu=1 callsite=membarrier_private_expedited+0x231/0x290 callback=generic_smp_call_function_single_interrupt+0x0/0x10
            mbw-100     (    100) [000] ...1.   10.000600: ipi_send_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 callback=generic_smp_call_function_single_interrupt+0x0/0x10
            mbw-100     (    100) [000] .....   10.000700: sys_membarrier -> 0x0
   Web Co-ntent-300     (    300) [001] ...1.   10.000800: tlb_flush: pages:-1 reason:remote IPI send (4)
   Web Co-ntent-300     (    300) [001] ...2.   10.000900: ipi_send_cpu: cpu=0 callsite=on_each_cpu_cond_mask+0x20/0x60 callback=generic_smp_call_function_single_interrupt+0x0/0x10
            mbw-100     (    100) [000] ...1.   10.001000: ipi_send_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 callback=generic_smp_call_function_single_interrupt+0x0/0x10
TRACE
expect 0 "count-events" "$count" "$tmp/small.trace"
for want in "events 10 over 0.001 s (0 lines not parsed)" "sched_switch                 1" \
    "cr3 writes (tlb_flush reason 0): pages:-1 (flush) 1, pages:0 (NOFLUSH) 1" \
    "of which in hardirq context: pages:-1 0, pages:0 1" \
    "membarrier PRIVATE_EXPEDITED_SYNC_CORE (0x20): 1" \
    "ipi_send_cpu membarrier_private_expedited: 1" "ipi_send_cpu on_each_cpu_cond_mask: 3" \
    "ipi for membarrier (membarrier_private_expedited): 1" \
    "ipi for membarrier (on_each_cpu_cond_mask in membarrier cmd 0x20): 1" \
    "ipi for tlb shootdown (on_each_cpu_cond_mask after tlb_flush reason 4): 1" \
    "ipi for other (on_each_cpu_cond_mask): 1"; do
    grep -qF -- "$want" "$tmp/stdout" || fail "count-events: no line '$want'"
done

expect 0 "count-events --table" "$count" --table "$tmp/small.trace"
grep -qE '^\| small \| [0-9]+ \| 10 \| 0\.001 \| 1 \| 1 \| 1 \| 1 \| 0/1 \| 0/0 \| 0 \| 1 \| 2 \| 1 \|$' "$tmp/stdout" ||
    fail "count-events --table: row is '$(tail -1 "$tmp/stdout")'"
expect 2 "count-events without a trace" "$count"

echo "$passes passed, $failures failed"
((failures == 0))
