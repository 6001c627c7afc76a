#!/usr/bin/env bash
# GNU parallel runs four shards of `tlbsim diff --seeds`, of `tlbsim explore` (with and
# without --all) and of `tlbsim explore --exhaustive --no-races` (docs/sharding.md, docs/explore.md,
# docs/memory-model.md), `tlbsim merge` combines each, and the result equals the one-machine run:
# the text byte for byte (but an exhaustive search's time, "0.01 s" at its line's end), the JSON
# byte for byte once each wall_seconds (host time) and an exhaustive search's shards count are
# removed. The exit statuses agree too: the merge's is the one-machine run's, and no command
# fails with a usage (2) or internal (3) error.
#
# usage: parallel_shards_test.sh TLBSIM SCENARIO [EXPLORE_SCENARIO...] [-- EXHAUSTIVE_SCENARIO...]
# Exit 77 (ctest's SKIP_RETURN_CODE) when GNU parallel is not installed: scripts/install-deps
# installs it.
set -euo pipefail

tlbsim=$1
scenario=$2
shift 2
explore_scenarios=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    explore_scenarios+=("$1")
    shift
done
[ $# -gt 0 ] && shift
exhaustive_scenarios=("$@")
if ! command -v parallel >/dev/null 2>&1; then
    echo "SKIP: GNU parallel is not installed (Debian package parallel; scripts/install-deps installs it)"
    exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shards_equal_one NAME COMMAND...: the one-machine run, four shards by parallel, merged, compared.
shards_equal_one() {
    local name=$1
    shift
    local dir="$work/$name"
    mkdir -p "$dir"
    local one_rc=0 merged_rc=0
    "$tlbsim" "$@" --json "$dir/one.json" >"$dir/one.txt" || one_rc=$?
    # As docs/sharding.md runs it: each input K is one shard. (Not {%}: a job slot is reused as
    # soon as a job ends, so two shards could get the same number.) Each shard's status is kept.
    parallel --will-cite --jobs 4 \
        "$tlbsim" "$@" --shard {}/4 --json "$dir/shard-{}.json" '>' "$dir/shard-{}.txt" \
        ';' echo '$?' '>' "$dir/shard-{}.rc" \
        ::: 1 2 3 4
    "$tlbsim" merge "$dir"/shard-{1,2,3,4}.json --json "$dir/merged.json" >"$dir/merged.txt" ||
        merged_rc=$?
    if [ "$one_rc" -ge 2 ] || [ "$merged_rc" != "$one_rc" ]; then
        echo "$name: exit status $one_rc on one machine, $merged_rc merged"
        exit 1
    fi
    for k in 1 2 3 4; do
        local rc
        rc=$(cat "$dir/shard-$k.rc")
        [ "$rc" -lt 2 ] || { echo "$name: shard $k/4 exited $rc"; exit 1; }
    done
    for f in one merged; do
        sed -E 's/(exhaustive: .*), [0-9]+\.[0-9]+ s$/\1, T s/' "$dir/$f.txt" >"$dir/$f.untimed"
    done
    cmp "$dir/one.untimed" "$dir/merged.untimed"
    python3 - "$dir/one.json" "$dir/merged.json" <<'PY'
import json, sys
def without_wall_seconds(path):
    doc = json.load(open(path))
    for run in doc["runs"]:
        del run["wall_seconds"]
    for search in doc.get("exhaustive", []):
        del search["wall_seconds"]
        del search["shards"]  # how many documents were merged into this one
    return json.dumps(doc, indent=2)
one, merged = (without_wall_seconds(p) for p in sys.argv[1:3])
if one != merged:
    sys.exit("merged JSON differs from the one-machine JSON")
PY
    for k in 1 2 3 4; do
        grep -q "shard $k/4" "$dir/shard-$k.txt" || { echo "$name: shard $k/4 did not run as shard $k"; exit 1; }
    done
    echo "$name: 4 shards by GNU parallel, merged: text and JSON equal the one-machine run"
}

shards_equal_one diff-seeds diff "$scenario" --policy v5.10 --policy rfc-v2 --seeds 12
if [ ${#explore_scenarios[@]} -gt 0 ]; then
    shards_equal_one explore explore "${explore_scenarios[@]}" --policy rfc-v2 --policy v5.10 --runs 300
    shards_equal_one explore-all explore "${explore_scenarios[@]}" --policy rfc-v2 --runs 300 --all
fi
if [ ${#exhaustive_scenarios[@]} -gt 0 ]; then
    # A shard tries waiting at every turn point (docs/memory-model.md, Races): so does the one
    # machine it is compared with.
    shards_equal_one exhaustive explore "${exhaustive_scenarios[@]}" --exhaustive --no-races \
        --policy v5.10 --policy neg-no-post-switch-fb
fi
