#!/usr/bin/env python3
"""The matrix cells, read from CMakePresets.json (the single cell list).

A cell is a workflow preset; its configure preset says how its programs run.

  cells.py [--presets FILE] list     one line per cell: name, runner, os, binary dir, description (tab-separated)
  cells.py [--presets FILE] names    the cell names, one per line
  cells.py [--presets FILE] check    every cell has configure, build, test and workflow presets of its name
  cells.py [--presets FILE] testfilter CELL
                                     the cell's test preset filter (inherits merged) as ctest_test()
                                     keywords: INCLUDE, EXCLUDE, INCLUDE_LABEL, EXCLUDE_LABEL<TAB>regex
"""
import json
import re
import os
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def lineage(presets, kind, name):
    """Preset NAME of KIND ("configurePresets", "testPresets") and its ancestors,
    lowest precedence first: CMake's rule is the preset over its parents, an
    earlier parent over a later one, so later parents come first and NAME last."""
    by_name = {p["name"]: p for p in presets.get(kind, [])}
    if name not in by_name:
        raise KeyError(name)

    def walk(n):
        p = by_name[n]
        parents = p.get("inherits", [])
        if isinstance(parents, str):
            parents = [parents]
        for parent in reversed(parents):
            yield from walk(parent)
        yield p

    return list(walk(name))


def resolve_configure(presets, name, source_dir):
    """A configure preset with its inherited fields merged (child wins)."""
    p = {"cacheVariables": {}}
    for q in lineage(presets, "configurePresets", name):
        p.update({k: v for k, v in q.items() if k not in ("cacheVariables", "inherits")})
        p["cacheVariables"].update(q.get("cacheVariables", {}))
    macros = {
        "${sourceDir}": source_dir,
        "${sourceDirName}": os.path.basename(source_dir),
        "${presetName}": name,
    }

    def expand(s):
        for k, v in macros.items():
            s = s.replace(k, v)
        return re.sub(r"\$env\{([^}]*)\}", lambda m: os.environ.get(m.group(1), ""), s)

    cache = {}
    for k, v in p["cacheVariables"].items():
        if isinstance(v, dict):
            v = v.get("value", "")
        cache[k] = expand(str(v))
    toolchain = expand(p.get("toolchainFile", cache.get("CMAKE_TOOLCHAIN_FILE", "")))
    base = os.path.basename(toolchain)
    if base.startswith("i686-w64-mingw32"):
        os_name, runner = "windows", cache.get("MINGW_I686_RUNNER", "wine")
    elif base.startswith("i686-linux-gnu"):
        os_name, runner = "linux", cache.get("I686_LINUX_RUNNER", "qemu")
    else:
        os_name, runner = "?", "?"
    return {
        "name": name,
        "runner": runner,
        "os": os_name,
        "expect": cache.get("NEEDM_EXPECT_RUNNER", ""),
        "binary_dir": os.path.normpath(expand(p.get("binaryDir", ""))),
        "description": p.get("description", ""),
    }


def cells(presets, source_dir):
    out = []
    for w in presets.get("workflowPresets", []):
        configure = next((s["name"] for s in w.get("steps", []) if s["type"] == "configure"), w["name"])
        cell = resolve_configure(presets, configure, source_dir)
        cell["name"] = w["name"]
        if w.get("description"):
            cell["description"] = w["description"]
        out.append(cell)
    return out


def check(presets):
    problems = []
    kinds = {k: {p["name"] for p in presets.get(k + "Presets", []) if not p.get("hidden")}
             for k in ("configure", "build", "test", "workflow")}
    for w in presets.get("workflowPresets", []):
        n = w["name"]
        steps = {s["type"]: s["name"] for s in w.get("steps", [])}
        for kind in ("configure", "build", "test"):
            if steps.get(kind) != n:
                problems.append(f"workflow preset {n}: its {kind} step is {steps.get(kind)!r}, not {n!r}")
            if n not in kinds[kind]:
                problems.append(f"cell {n}: no {kind} preset of that name")
    for kind in ("configure", "build", "test"):
        for n in sorted(kinds[kind] - kinds["workflow"]):
            problems.append(f"{kind} preset {n} has no workflow preset: not a cell (add one or make it hidden)")
    return problems


def test_filter(presets, name):
    """The filter of test preset NAME, parents merged (the preset's own fields win)."""
    f = {"include": {}, "exclude": {}}
    for q in lineage(presets, "testPresets", name):
        for k in f:
            f[k].update(q.get("filter", {}).get(k, {}))
    keys = [("INCLUDE", f["include"].get("name")), ("EXCLUDE", f["exclude"].get("name")),
            ("INCLUDE_LABEL", f["include"].get("label")), ("EXCLUDE_LABEL", f["exclude"].get("label"))]
    return [(k, v) for k, v in keys if v]


def main(argv):
    path = None
    if len(argv) >= 2 and argv[0] == "--presets":
        path, argv = argv[1], argv[2:]
    if not argv or argv[0] not in ("list", "names", "check", "testfilter") or (argv[0] == "testfilter" and len(argv) < 2):
        sys.stderr.write(__doc__)
        return 2
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "CMakePresets.json")
    path = os.path.abspath(path)
    presets = load(path)
    source_dir = os.path.dirname(path)
    if argv[0] == "testfilter":
        try:
            for k, v in test_filter(presets, argv[1]):
                print(f"{k}\t{v}")
        except KeyError:
            print(f"cells: {os.path.basename(path)}: no test preset '{argv[1]}'", file=sys.stderr)
            return 1
        return 0
    if argv[0] == "check":
        problems = check(presets)
        for p in problems:
            print(f"cells: {os.path.basename(path)}: {p}")
        return 1 if problems else 0
    for c in cells(presets, source_dir):
        if argv[0] == "names":
            print(c["name"])
        else:
            print("\t".join([c["name"], c["runner"], c["os"], c["binary_dir"], c["description"]]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
