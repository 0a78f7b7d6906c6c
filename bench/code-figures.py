#!/usr/bin/env python3
"""Code-shape figures for product code (app/src, server/src, frontend/src; `#[cfg(test)]`
modules excluded): files over 600 lines, functions over 80 and 120 lines, `serde_json::Value`
key lookups, `Result<_, String>` signatures, and module import cycles inside each crate.

Usage: bench/code-figures.py [--list] [ROOT]   (ROOT defaults to the repository)
"""

import re
import sys
from pathlib import Path

CRATES = {"app": "app/src", "server": "server/src", "frontend": "frontend/src"}
# An index by a string key (`value["key"]`, not an array literal `&["a"]`), or `.get("key")`.
LOOKUP = re.compile(r'(?<=[\w)\]])\["[^"]*"\]|\.get\("')
RESULT_STRING = re.compile(r"Result<[^;{]*,\s*String>")
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?fn\s+(\w+)")


def product_lines(path):
    """The file's lines with `#[cfg(test)]` items (and their bodies) blanked out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out, skip_depth, pending = [], None, False
    for line in lines:
        if skip_depth is not None:
            skip_depth += line.count("{") - line.count("}")
            out.append("")
            if skip_depth <= 0 and "}" in line:
                skip_depth = None
            continue
        if line.strip().startswith("#[cfg(test)]"):
            pending = True
            out.append("")
            continue
        if pending:
            pending = False
            depth = line.count("{") - line.count("}")
            out.append("")
            if depth > 0:
                skip_depth = depth
            continue
        out.append(line)
    return out


def functions(lines):
    """(name, length) of each fn whose body opens with `{` on its signature's lines."""
    found = []
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            code = lines[j].split("//")[0]
            if not started and ";" in code and "{" not in code:
                break  # a declaration without a body (trait method)
            depth += code.count("{") - code.count("}")
            started = started or "{" in code
            if started and depth <= 0:
                found.append((m.group(5), j - i + 1, i + 1))
                break
            j += 1
        i += 1
    return found


def module_of(crate_src, path):
    rel = path.relative_to(crate_src).with_suffix("")
    parts = [p for p in rel.parts if p not in ("lib", "main", "mod")]
    return "::".join(parts)


def cycles(crate, crate_src, files):
    """Top-level module pairs/loops that `use crate::…` each other."""
    graph = {}
    for path in files:
        mod = module_of(crate_src, path).split("::")[0]
        if not mod:
            continue
        text = "\n".join(product_lines(path))
        for dep in re.findall(r"crate::(\w+)", text):
            if dep != mod:
                graph.setdefault(mod, set()).add(dep)
    found = set()

    def walk(start, node, trail):
        for nxt in graph.get(node, ()):
            if nxt == start:
                loop = trail + [start]
                k = loop.index(min(loop[:-1]))
                found.add(" -> ".join(loop[k:-1] + loop[:k] + [loop[k]]))
            elif nxt not in trail and len(trail) < 6:
                walk(start, nxt, trail + [nxt])

    for mod in graph:
        walk(mod, mod, [mod])
    return sorted(found)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show = "--list" in sys.argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    big_files, long_fns, lookups, result_string, all_cycles = [], [], 0, 0, []
    for crate, src in CRATES.items():
        crate_src = root / src
        files = sorted(crate_src.rglob("*.rs"))
        for path in files:
            lines = product_lines(path)
            if len(lines) > 600:
                big_files.append((len(lines), str(path.relative_to(root))))
            for line in lines:
                if line.strip().startswith("//"):
                    continue
                lookups += len(LOOKUP.findall(line))
                result_string += len(RESULT_STRING.findall(line))
            for name, length, at in functions(lines):
                if length > 80:
                    long_fns.append((length, f"{path.relative_to(root)}:{at} {name}"))
        all_cycles += [f"{crate}: {c}" for c in cycles(crate, crate_src, files)]
    longest = sorted(long_fns, reverse=True)
    print(f"files over 600 lines:        {len(big_files)}")
    print(f"functions over 80 lines:     {len(long_fns)}")
    print(f"functions over 120 lines:    {sum(1 for n, _ in long_fns if n > 120)}")
    print(f"Value key lookups:           {lookups}")
    print(f"Result<_, String> in sigs:   {result_string}")
    print(f"module import cycles:        {len(all_cycles)}")
    if show:
        for n, f in sorted(big_files, reverse=True):
            print(f"  file {n:5} {f}")
        for n, f in longest:
            print(f"  fn   {n:5} {f}")
        for c in all_cycles:
            print(f"  cycle {c}")


if __name__ == "__main__":
    main()
