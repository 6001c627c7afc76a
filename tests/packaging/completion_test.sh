#!/usr/bin/env bash
# The bash completion the build generated: ctest sources it and calls _tlbsim on command lines
# as bash would split them (COMP_WORDS, COMP_CWORD).
#
# usage: completion_test.sh TLBSIM COMPLETION_FILE
#
# Checks the commands, every option of every command's --help (read here with a plain pattern),
# the presets of `tlbsim policies` after --policy (also --policy=), counter names after
# `explain FILE`, presets after policies --diff A, and files: scenarios (*.toml) and directories
# as arguments, any file after --junit. Exit status: 0 all hold, 1 otherwise.
set -uo pipefail

tlbsim=$(realpath "$1")
# shellcheck source=/dev/null
source "$2" || exit 1

failures=0
checks=0

# complete WORD...: what _tlbsim offers for the last word, one per line, sorted.
complete() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _tlbsim
    printf '%s\n' "${COMPREPLY[@]}" | sort
}

fail() {
    echo "completion: $*"
    failures=$((failures + 1))
}

# expect_exactly "A B C" WORD...: the completions of WORD... are exactly A, B, C.
expect_exactly() {
    local want=$1 got
    shift
    checks=$((checks + 1))
    got=$(complete "$@" | tr '\n' ' ' | sed 's/ $//')
    # shellcheck disable=SC2086 # one word per line
    want=$(printf '%s\n' $want | sort | tr '\n' ' ' | sed 's/ $//')
    [[ $got == "$want" ]] || fail "'$*': got '$got', want '$want'"
}

# expect_includes "A B" WORD...: the completions of WORD... include A and B.
expect_includes() {
    local want=$1 got word
    shift
    checks=$((checks + 1))
    got=$(complete "$@")
    for word in $want; do
        grep -qxF -- "$word" <<<"$got" || fail "'$*': '$word' missing from: $(tr '\n' ' ' <<<"$got")"
    done
}

commands=$("$tlbsim" --list-commands | tr '\n' ' ')
presets=$("$tlbsim" policies | sed -n '/^presets:/,/^$/s/^  \([^ ]*\) .*/\1/p' | tr '\n' ' ')
[[ -n $commands && -n $presets ]] || fail "tlbsim listed no commands or no presets"

# Commands.
expect_exactly "$commands --help --version" tlbsim ""
expect_exactly "check" tlbsim ch
expect_exactly "scenario-keys steps" tlbsim s

# Every option of every command, each completed from its own text.
for command in $commands; do
    options=$("$tlbsim" "$command" --help | grep '^  -' | sed 's/^  //;s/  .*//' |
        grep -oE -- '(^|[ [])--?[A-Za-z][A-Za-z0-9-]*' | tr -d ' [')
    [[ -n $options ]] || fail "$command: no option found in its --help"
    expect_includes "$options" tlbsim "$command" -
    for option in $options; do
        expect_includes "$option" tlbsim "$command" "$option"
    done
done

# Policy presets.
expect_exactly "$presets all" tlbsim run --policy ""
expect_exactly "v5.10" tlbsim run --policy v5
expect_exactly "rfc-v2 rfc-v2-intended" tlbsim diff -p rfc
expect_exactly "rfc-v2 rfc-v2-intended" tlbsim run --policy = rfc
expect_exactly "$presets all" tlbsim run --policy =
expect_exactly "rfc-v2-intended" tlbsim policies --diff v5.10 rfc-v2-i

# Files: scenarios and directories as arguments, anything after an option that takes a file.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
mkdir sub
touch a.toml b.txt sub/c.toml
expect_exactly "a.toml sub" tlbsim run ""
expect_exactly "sub/c.toml" tlbsim check --strict sub/
expect_exactly "a.toml sub" tlbsim diff --policy v5.10 ""
expect_exactly "a.toml b.txt sub" tlbsim check --junit ""
expect_exactly "a.toml sub" tlbsim run --file ""
expect_exactly "a.toml" tlbsim explain a

# Counters after explain FILE (an option's value is not a positional argument).
sync_core_counters=$("$tlbsim" counters | grep -oE '^ser\.sync_core[^ ]*' | tr '\n' ' ')
[[ $sync_core_counters == *@* ]] || fail "tlbsim counters lists no ser.sync_core@SITE"
expect_exactly "$sync_core_counters" tlbsim explain a.toml ser.sync_core
expect_includes "ser.total fb.smp_mb" tlbsim explain --policy v5.10 a.toml ""
expect_exactly "" tlbsim counters ""

echo "$((checks - failures)) passed, $failures failed"
((failures == 0))
