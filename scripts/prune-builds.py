#!/usr/bin/env python3
"""Deletes stale test executables from cargo `deps` directories: of each binary name, only the
newest build is kept. Every checkout path (each fresh clone CI makes) builds the workspace's
test binaries under new hashes into the shared build directory; nothing reuses the old ones,
and a few dozen clones fill the disk.

Usage: scripts/prune-builds.py DEPS_DIR...
"""

import collections
import os
import re
import sys

NAME = re.compile(r"^(.*)-([0-9a-f]{16})$")


def prune(deps):
    groups = collections.defaultdict(list)
    for entry in os.scandir(deps):
        match = NAME.match(entry.name)
        if match and entry.is_file() and os.access(entry.path, os.X_OK):
            groups[match.group(1)].append(entry.path)
    freed = 0
    for paths in groups.values():
        paths.sort(key=os.path.getmtime, reverse=True)
        for stale in paths[1:]:
            freed += os.path.getsize(stale)
            os.remove(stale)
    return freed


def main():
    for deps in sys.argv[1:]:
        if os.path.isdir(deps):
            freed = prune(deps)
            print(f"prune-builds: {deps}: {freed / 1e9:.1f} GB of stale test binaries removed")


if __name__ == "__main__":
    main()
