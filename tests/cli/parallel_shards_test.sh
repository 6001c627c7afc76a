#!/usr/bin/env bash
# GNU parallel runs four shards of `tlbsim diff --seeds` (docs/sharding.md), `tlbsim merge`
# combines them, and the result equals the one-machine run: the text byte for byte, the JSON
# byte for byte once each run's wall_seconds (host time) is removed.
#
# usage: parallel_shards_test.sh TLBSIM SCENARIO
# Exit 77 (ctest's SKIP_RETURN_CODE) when GNU parallel is not installed: scripts/install-deps
# installs it.
set -euo pipefail

tlbsim=$1
scenario=$2
if ! command -v parallel >/dev/null 2>&1; then
    echo "SKIP: GNU parallel is not installed (Debian package parallel; scripts/install-deps installs it)"
    exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
options=(diff "$scenario" --policy v5.10 --policy rfc-v2 --seeds 12)

"$tlbsim" "${options[@]}" --json "$work/one.json" >"$work/one.txt"

# As docs/sharding.md runs it: each input K is one shard. (Not {%}: a job slot is reused as soon
# as a job ends, so two shards could get the same number.)
parallel --will-cite --jobs 4 \
    "$tlbsim" "${options[@]}" --shard {}/4 --json "$work/shard-{}.json" '>' "$work/shard-{}.txt" \
    ::: 1 2 3 4
"$tlbsim" merge "$work"/shard-{1,2,3,4}.json --json "$work/merged.json" >"$work/merged.txt"

cmp "$work/one.txt" "$work/merged.txt"
python3 - "$work/one.json" "$work/merged.json" <<'PY'
import json, sys
def without_wall_seconds(path):
    doc = json.load(open(path))
    for run in doc["runs"]:
        del run["wall_seconds"]
    return json.dumps(doc, indent=2)
one, merged = (without_wall_seconds(p) for p in sys.argv[1:3])
if one != merged:
    sys.exit("merged JSON differs from the one-machine JSON")
PY
for k in 1 2 3 4; do
    grep -q "shard $k/4" "$work/shard-$k.txt" || { echo "shard $k/4 did not run as shard $k"; exit 1; }
done
echo "4 shards by GNU parallel, merged: text and JSON equal the one-machine run"
