#!/bin/bash
# busy: runs COMMAND while N competing processes keep the CPUs busy, each in its own mm.
#
# Exercises: the busy-machine case of the replay: more mms than the six ASID slots per CPU
# (TLB_NR_DYN_ASIDS), so switch_mm_irqs_off evicts slots and writes CR3 with a flush where a
# quiet machine would reuse a slot with NOFLUSH; preemption of COMMAND's threads by the
# competitors; and, as each competitor sleeps briefly now and then (an external `sleep`, itself
# a fork and exec), idle and wakeups on both CPUs.
#
# usage: busy.sh N COMMAND [ARG...]   exits with COMMAND's status; the competitors are stopped
# when COMMAND ends.
set -u
if (($# < 2)) || [[ ! $1 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: busy.sh N COMMAND [ARG...]" >&2
    exit 2
fi
n=$1
shift

# compete ID: a CPU loop of its own length that sleeps 1 to 3 ms every few thousand steps.
compete() {
    local id=$1 x=0
    while :; do
        x=$((x + 1))
        if ((x % (1500 + 250 * id) == 0)); then
            sleep "0.00$((id % 3 + 1))"
        fi
    done
}

competitors=()
for ((i = 0; i < n; i++)); do
    compete "$i" &
    competitors+=($!)
done
"$@"
status=$?
kill "${competitors[@]}" 2>/dev/null
wait 2>/dev/null
exit "$status"
