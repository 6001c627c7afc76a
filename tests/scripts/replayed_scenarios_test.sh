#!/usr/bin/env bash
# Each committed scenarios/replayed/*.toml is what its own first comment's command
# (`tlbsim replay ... --scenario FILE ...`) writes today, followed by the [[expect]] block
# scripts/regenerate-expectations generates: a change to the replay's export or to the model's
# verdicts on a real schedule shows up here as a diff to review (docs/replay.md, "A regression
# case from a real schedule", says how to write one again).
#
# usage: replayed_scenarios_test.sh TLBSIM SOURCE_DIR
set -euo pipefail

tlbsim=$(realpath "$1")
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The command names the trace and the scenario relative to the source tree: run it from a copy
# of that layout, so that the header it writes names the same paths.
ln -s "$root/traces" "$work/traces"
mkdir -p "$work/scenarios/replayed"

status=0
for committed in "$root"/scenarios/replayed/*.toml; do
    name=scenarios/replayed/$(basename "$committed")
    # "# Written by `tlbsim replay ARGS`." over the first comment lines.
    command=$(sed -n '/^#/!q; s/^# \{0,1\}//p' "$committed" | tr '\n' ' ' |
        sed -n 's/.*Written by `tlbsim replay \([^`]*\)`.*/\1/p')
    if [[ -z $command || $command != *"--scenario $name "* ]]; then
        echo "$committed:1:1: no 'Written by \`tlbsim replay ... --scenario $name ...\`' comment"
        status=1
        continue
    fi
    read -r -a args <<<"$command"
    (cd "$work" && "$tlbsim" replay "${args[@]}" >/dev/null &&
        python3 "$root/scripts/regenerate-expectations" --tlbsim "$tlbsim" "$name" >/dev/null)
    if ! diff -u "$committed" "$work/$name"; then
        echo "$committed: not what its command writes today (above: committed, then fresh);" \
            "run it again as docs/replay.md says and review the diff"
        status=1
    fi
done
exit $status
