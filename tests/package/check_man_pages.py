# SPDX-License-Identifier: MIT
"""The man pages cover the program: every long option that `prefixd --help`
and each command's `--help` report, and every command, appears in
prefixd(8); every configuration key (`prefixd --print-default-config` lists
them all) has an entry in prefixd.yaml(5); and groff renders both without a
warning.

  check_man_pages.py --prefixd BIN --man-dir DIR

DIR holds prefixd.8 and prefixd.yaml.5 (the build's man/ directory), or
man8/prefixd.8.gz and man5/prefixd.yaml.5.gz (an installed tree such as
/usr/share/man). Prints one line per failure and `N passed, M failed`.
"""
import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys


def read_page(man_dir, name, section):
    for path in (os.path.join(man_dir, name), os.path.join(man_dir, f"man{section}", name + ".gz")):
        if os.path.exists(path):
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8") as f:
                return path, f.read()
    raise SystemExit(f"no {name} in {man_dir}")


def plain(roff):
    """The roff source with escapes and font changes taken out."""
    text = roff.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    return re.sub(r"\\f[BIRP]", "", text)


def help_text(prefixd, *command):
    r = subprocess.run([prefixd, *command, "--help"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"prefixd {' '.join(command)} --help failed: {r.stderr}")
    return r.stdout


def commands(prefixd, path=()):
    """Every command path (("db", "init"), ...) with its help text."""
    text = help_text(prefixd, *path)
    yield path, text
    if "Subcommands:" in text:
        for line in text.split("Subcommands:", 1)[1].splitlines():
            m = re.match(r"^  ([a-z][a-z-]*)\s", line)
            if m:
                yield from commands(prefixd, path + (m.group(1),))


def config_keys(prefixd):
    out = subprocess.run([prefixd, "--print-default-config"], capture_output=True, text=True,
                         check=True).stdout
    keys, sections = [], []  # sections: the open (indent, name) mappings, outermost first
    for line in out.splitlines():
        # A backend's keys, shown commented out under "#backends: / #  NAME:".
        m = re.match(r"^  #    ([a-z_]+):", line)
        if m:
            keys.append(f"auth.backends.NAME.{m.group(1)}")
            continue
        m = re.match(r"^( *)(#?)([a-z_]+):(.*)$", line)
        if not m:
            continue
        indent, comment, name, rest = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        sections = [(i, n) for i, n in sections if i < indent]
        if not comment and not rest.strip():
            sections.append((indent, name))  # a section (nested ones too: events.kafka)
        else:
            keys.append(".".join([n for _, n in sections] + [name]))
    return list(dict.fromkeys(keys))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefixd", required=True)
    parser.add_argument("--man-dir", required=True)
    args = parser.parse_args()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL - {what}")

    command_path, command_roff = read_page(args.man_dir, "prefixd.8", 8)
    config_path, config_roff = read_page(args.man_dir, "prefixd.yaml.5", 5)
    command_page, config_page = plain(command_roff), plain(config_roff)

    seen_options = set()
    for path, text in commands(args.prefixd):
        if path:
            name = "prefixd " + " ".join(path)
            check(name in command_page, f"command '{name}' is not in {command_path}")
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", text):
            if option in seen_options:
                continue
            seen_options.add(option)
            check(option in command_page, f"option {option} is not in {command_path}")
    check(len(seen_options) >= 10, f"too few options found in --help: {sorted(seen_options)}")

    keys = config_keys(args.prefixd)
    check(len(keys) >= 20, f"too few keys in --print-default-config: {keys}")
    for key in keys:
        # Each key's entry: "KEY (TYPE, default DEFAULT)" on a line of its own.
        check(re.search(r"^" + re.escape(key) + r" \([^)]*default ", config_page, re.M) is not None,
              f"key {key} has no entry with type and default in {config_path}")

    if shutil.which("groff"):
        for path, roff in ((command_path, command_roff), (config_path, config_roff)):
            r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=roff,
                               capture_output=True, text=True)
            check(r.returncode == 0 and not r.stderr.strip(), f"groff warns on {path}: {r.stderr}")

    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


if __name__ == "__main__":
    main()
