#!/bin/sh
# forkexec: a shell loop that spawns short-lived processes: /bin/true, `sh -c`, pipelines,
# command substitutions, subshells and background jobs.
#
# Exercises: fork (a new mm copied from the parent; task_newtask without CLONE_VM), exec (a new
# mm replacing the forked one), exit and the mm's last switch-away, vfork-style waiting parents,
# and wakeups of the parent shell. On the switch side: many short-lived mms cycling through the
# six ASID slots per CPU, so switch_mm_irqs_off keeps choosing between a slot whose generation is
# current (NOFLUSH), a stale one and a new one (flush).
#
# usage: forkexec.sh [ROUNDS]   (default 40)
# POSIX sh, so that /bin/sh (dash on Debian) is what forks: no bash-only builtins hide the forks.
rounds=${1:-40}
case $rounds in '' | *[!0-9]*) echo "usage: forkexec.sh [ROUNDS]" >&2; exit 2 ;; esac

i=0
while [ "$i" -lt "$rounds" ]; do
    /bin/true
    sh -c 'exit 0'
    echo "round $i" | cat | wc -c >/dev/null
    n=$(printf '%s\n' a b c | sort -r | head -n 1)
    (cd / && ls >/dev/null)
    /bin/true & /bin/true & wait
    env true
    [ "$n" = c ] || exit 1
    i=$((i + 1))
done
