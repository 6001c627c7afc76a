#!/usr/bin/env python3
"""The scale target of docs/design.md (Performance targets): 1,024 CPUs and 100,000 threads in
one run.

    bench/scale.py [--cpus N] [--threads N] [--policy P] [--tlbsim PATH]

Writes a scenario with N CPUs and N threads (100 processes; each thread runs `user 1000`,
sleeps, runs `user 1000` and exits, so most are blocked at any time), runs `tlbsim run` on it under
/usr/bin/time, and prints the wall time, the simulated cycles, the engine events and the peak
resident memory, also per thread. A benchmark, not a test: ctest does not run it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scenario(cpus, threads, processes):
    lines = [
        'name = "scale"',
        f'description = "{cpus} CPUs, {threads} threads in {processes} processes (bench/scale.py)"',
        "",
        "[machine]",
        f"cpus = {cpus}",
        "",
    ]
    for p in range(processes):
        lines += ["[[process]]", f'name = "p{p}"', ""]
    for t in range(threads):
        # Spread the sleeps so that wakeups do not all land on one instant.
        sleep = 200_000 + (t * 7919) % 100_000
        lines += [
            "[[thread]]",
            f'name = "t{t}"',
            f'process = "p{t % processes}"',
            f"cpu = {t % cpus}",
            f'program = ["user 1000", "sleep {sleep}", "user 1000"]',
            "",
        ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpus", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=100_000)
    ap.add_argument("--processes", type=int, default=100)
    ap.add_argument("--policy", default="v5.10")
    ap.add_argument("--tlbsim", default=os.path.join(ROOT, "build", "cli", "tlbsim"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scale.toml")
        with open(path, "w") as f:
            f.write(scenario(args.cpus, args.threads, args.processes))
        out_json = os.path.join(tmp, "out.json")
        cmd = ["/usr/bin/time", "-v", args.tlbsim, "run", path, "--policy", args.policy,
               "--json", out_json]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"tlbsim failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
        wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", proc.stderr).group(1)
        run = json.load(open(out_json))["runs"][0]
    print(f"cpus {args.cpus}, threads {args.threads}, policy {args.policy}")
    print(f"  wall clock         {wall}")
    print(f"  simulated cycles   {run['cycles']}")
    print(f"  engine events      {run['events']}  ({run['events'] / max(run['wall_seconds'], 1e-9) / 1e6:.2f} M/s in the run)")
    print(f"  peak RSS           {rss_kib / 1024:.0f} MiB  ({rss_kib * 1024 / args.threads:.0f} bytes per thread)")


if __name__ == "__main__":
    main()
