#!/usr/bin/env python3
"""`cmake --install` installs exactly the tool: ctest runs it on the build directory.

    install_test.py BUILD_DIR SOURCE_DIR

Installs BUILD_DIR into a fresh temporary prefix and checks the list of files against what a
user of the tool needs and nothing else (no libraries, no test programs): bin/tlbsim, the man
page, the bash completion, README.md and docs/*.md (with the images they show) under
share/doc/tlbsim. Then runs the installed tlbsim. Exit status: 0 as expected, 1 otherwise.
"""
import glob
import os
import subprocess
import sys
import tempfile


def installed_files(build_dir, prefix):
    subprocess.run(['cmake', '--install', build_dir, '--prefix', prefix], check=True,
                   stdout=subprocess.DEVNULL)
    found = set()
    for root, _, files in os.walk(prefix):
        found |= {os.path.relpath(os.path.join(root, f), prefix) for f in files}
    return found


def expected_files(source_dir):
    docs = [os.path.relpath(p, source_dir) for pattern in ('docs/*.md', 'docs/img/*.svg')
            for p in glob.glob(os.path.join(source_dir, pattern))]
    return {'bin/tlbsim', 'share/man/man1/tlbsim.1.gz',
            'share/bash-completion/completions/tlbsim', 'share/doc/tlbsim/README.md'} | {
                f'share/doc/tlbsim/{doc}' for doc in docs}


def main():
    build_dir, source_dir = sys.argv[1:3]
    failures = []
    with tempfile.TemporaryDirectory() as prefix:
        found = installed_files(build_dir, prefix)
        want = expected_files(source_dir)
        failures += [f'not installed: {f}' for f in sorted(want - found)]
        failures += [f'installed but not part of the tool: {f}' for f in sorted(found - want)]
        tool = os.path.join(prefix, 'bin/tlbsim')
        version = subprocess.run([tool, '--version'], capture_output=True, text=True)
        if version.returncode != 0 or not version.stdout.startswith('tlbsim '):
            failures.append(f'the installed tlbsim --version: {version.returncode} {version.stdout}')
    for failure in failures:
        print(f'install: {failure}')
    print(f'{"FAILED" if failures else "ok"}: {len(found)} files installed, {len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
