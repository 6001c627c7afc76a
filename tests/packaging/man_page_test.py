#!/usr/bin/env python3
"""The man page covers tlbsim's help: ctest runs it on the page the build generated.

    man_page_test.py TLBSIM MAN_PAGE.1.gz SOURCE_DIR

Renders the page as a reader sees it (groff, plain ASCII, lines wide enough not to wrap) and
checks, against what TLBSIM prints now: a section per command of `--list-commands` with the
command's usage line and every option of its --help (read here with a plain pattern, not with
the generator's parser), the exit statuses of `tlbsim --help`, the documentation directory and
only documents that exist, and the version. An option added to a command without the page
being regenerated fails here. Exit status: 0 all hold, 1 otherwise.
"""
import gzip
import os
import re
import subprocess
import sys

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def tlbsim(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, check=True).stdout


def render(page):
    roff = gzip.decompress(open(page, 'rb').read()).decode()
    try:
        groff = subprocess.run(['groff', '-man', '-Tascii', '-P-cbou', '-rLL=500n', '-ww'],
                               input=roff, capture_output=True, text=True, check=True)
    except FileNotFoundError:
        sys.exit('man page: groff not found: install groff-base (scripts/install-deps)')
    check(groff.stderr == '', f'groff warns about the page: {groff.stderr.strip()}')
    return groff.stdout.split('\n')


def sections(lines, names):
    """The rendered text of each command's subsection (a line with only its name, indented by
    three spaces, up to the next such line or section)."""
    out, current = {}, None
    for line in lines:
        heading = re.fullmatch(r'   (\S+)', line)
        if heading and heading.group(1) in names:
            current = heading.group(1)
            out[current] = []
        elif re.fullmatch(r'[A-Z][A-Z ]+', line):
            current = None
        elif current:
            out[current].append(line)
    return {name: ' '.join(' '.join(text).split()) for name, text in out.items()}


def option_names(help_text):
    """Every option name in the option column of a --help text (lines '  -x [ --long ] ...')."""
    names = []
    for line in help_text.split('\n'):
        if line.startswith('  -'):
            names += re.findall(r'(?<![\w-])--?[A-Za-z][\w-]*', re.split(r'\s{2,}', line[2:])[0])
    return names


def check_commands(binary, text_by_command):
    for name in tlbsim(binary, '--list-commands').split():
        section = text_by_command.get(name)
        check(section is not None, f'no section for the command {name}')
        if section is None:
            continue
        help_text = tlbsim(binary, name, '--help')
        usage = help_text.split('\n')[0].removeprefix('usage: ').rstrip(':')
        check(usage in section, f'{name}: the usage line "{usage}" is missing')
        options = option_names(help_text)
        check(options, f'{name}: no option found in its --help')
        for option in options:
            check(re.search(rf'(?<![\w-]){re.escape(option)}(?![\w-])', section),
                  f'{name}: the option {option} is missing')


def check_page(binary, lines, source_dir):
    text = '\n'.join(lines)
    exit_status = text.split('\nEXIT STATUS\n', 1)[-1].split('\nFILES\n', 1)[0]
    codes = re.search(r'^exit codes: (.*?)(?:\n\n|\Z)', tlbsim(binary, '--help'), re.M | re.S)
    for entry in re.split(r',\s+(?=\d )', ' '.join(codes.group(1).split())):
        code, meaning = entry.split(' ', 1)
        check(re.search(rf'^ +{code} +{re.escape(meaning)}$', exit_status, re.M),
              f'EXIT STATUS does not explain {code} ({meaning})')
    check(len(re.findall(r'^ +\d ', exit_status, re.M)) == 4, 'EXIT STATUS does not list 0..3')
    check('/usr/share/doc/tlbsim' in text, 'the page does not point to /usr/share/doc/tlbsim')
    for doc in sorted(set(re.findall(r'\b(?:docs/[\w-]+\.md|README\.md)', text))):
        check(os.path.exists(os.path.join(source_dir, doc)), f'the page names {doc}: no such file')
    version = tlbsim(binary, '--version').split()[-1]
    footer = [line for line in lines if line.strip()][-1]
    check(f'tlbsim {version}' in footer, f'the footer does not say tlbsim {version}')


def main():
    binary, page, source_dir = sys.argv[1:4]
    lines = render(page)
    names = tlbsim(binary, '--list-commands').split()
    check_commands(binary, sections(lines, names))
    check_page(binary, lines, source_dir)
    for failure in failures:
        print(f'man page: {failure}')
    print(f'{"FAILED" if failures else "ok"}: {page} against {binary} ({len(failures)} failures)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
