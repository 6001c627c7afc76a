#!/usr/bin/env python3
"""The scale target of docs/design.md (Performance targets): 1,024 CPUs and 100,000 threads in
one run.

    bench/scale.py [--cpus N] [--threads N] [--policy P] [--tlbsim PATH]
    bench/scale.py --sweep 10000,25000,50000,75000,100000 [--cpus N] [--tlbsim PATH]

Writes a scenario with N CPUs and N threads (100 processes; each thread runs `user 1000`,
sleeps, runs `user 1000` and exits, so most are blocked at any time), runs `tlbsim run` on it under
/usr/bin/time, and prints the wall time, the simulated cycles, the engine events and the peak
resident memory, also per thread. A benchmark, not a test: ctest does not run it.

--sweep runs the same machine at each thread count (without --json: its output is a per-CPU
table that does not grow with threads) and prints each peak and the least-squares slope of the
peak over the thread count: what a further thread costs, blocked most of its life (the issue's
1 KiB per blocked thread). The peak moves by a few MiB as the heap grows in steps, so a slope
between two sizes alone is noisy.
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


def peak_kib(tlbsim, policy, path):
    cmd = ["/usr/bin/time", "-v", tlbsim, "run", path, "--policy", policy]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"tlbsim failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))


def sweep(args, counts):
    points = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            path = os.path.join(tmp, f"scale{n}.toml")
            with open(path, "w") as f:
                f.write(scenario(args.cpus, n, args.processes))
            kib = peak_kib(args.tlbsim, args.policy, path)
            points.append((n, kib))
            print(f"  {n:>8} threads  peak RSS {kib / 1024:7.1f} MiB")
    mx = sum(n for n, _ in points) / len(points)
    my = sum(k for _, k in points) / len(points)
    slope = (sum((n - mx) * (k - my) for n, k in points)
             / sum((n - mx) ** 2 for n, _ in points))
    print(f"cpus {args.cpus}: {slope:.3f} KiB ({slope * 1024:.0f} bytes) per further thread "
          f"(least squares over {len(points)} sizes)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sweep", help="thread counts, comma-separated: print the per-thread slope")
    ap.add_argument("--cpus", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=100_000)
    ap.add_argument("--processes", type=int, default=100)
    ap.add_argument("--policy", default="v5.10")
    ap.add_argument("--tlbsim", default=os.path.join(ROOT, "build", "cli", "tlbsim"))
    args = ap.parse_args()
    if args.sweep:
        return sweep(args, [int(n) for n in args.sweep.split(",")])
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
