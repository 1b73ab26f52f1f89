#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every source file of the tree says its licence in an SPDX line.

  check_spdx.py [--root DIR] [--add]

Checks the C++, CMake, shell, Python, Lua and SQL files (and the Debian
maintainer scripts) under DIR (the repository by default): the first three
lines must hold "SPDX-License-Identifier: MIT". With --add, writes the line
into the files that lack it (after a #! line), in the file's comment syntax.
Exits 1 when a file lacks it (and --add was not given)."""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAG = "SPDX-License-Identifier: MIT"

COMMENT = {".cpp": "//", ".h": "//", ".py": "#", ".sh": "#", ".cmake": "#", ".lua": "--",
           ".sql": "--"}
BY_NAME = {"CMakeLists.txt": "#", "rules": "#", "run": "#", "prefixd.postinst": "#",
           "prefixd.postrm": "#", "prefixd.prerm": "#", "prefixd.config": "#",
           "version.h.in": "//"}


def comment_of(path):
    name = os.path.basename(path)
    if name in BY_NAME:
        return BY_NAME[name]
    return COMMENT.get(os.path.splitext(name)[1])


def sources(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, capture_output=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(("build", ".")) or d == ".ci"]
            files += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames]
    for f in sorted(files):
        if f.startswith(("build", "tests/conformance/corpus/")):
            continue
        if comment_of(f) and os.path.isfile(os.path.join(root, f)):
            yield f


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--add", action="store_true")
    args = parser.parse_args()
    missing = []
    for f in sources(args.root):
        path = os.path.join(args.root, f)
        with open(path, encoding="utf-8") as fh:
            lines = fh.readlines()
        if any(TAG in line for line in lines[:3]):
            continue
        missing.append(f)
        if args.add:
            at = 1 if lines and lines[0].startswith("#!") else 0
            lines.insert(at, f"{comment_of(f)} {TAG}\n")
            with open(path, "w", encoding="utf-8") as fh:
                fh.writelines(lines)
    for f in missing:
        print(f"{'added' if args.add else 'missing'}: {f}")
    if missing and not args.add:
        print(f"{len(missing)} file(s) without '{TAG}' (tests/package/check_spdx.py --add)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
