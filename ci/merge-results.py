#!/usr/bin/env python3
"""Merge the per-cell result folders of a CI run into one results folder and one
summary.md, the same file scripts/run-matrix.sh writes after a local run.

Usage: ci/merge-results.py [options] DIR...

  DIR...             folders holding the cells' results, at any depth: each folder
                     with a cell.json is one cell (results/<cell>/ of a run-matrix run;
                     CI artifacts unpack as <artifact>/<cell>/)
  -o, --output DIR   the merged results folder (default: results/): <cell>/ copied
                     there, summary.md, and when the cells ran them, bench.json +
                     report.html (bench/report.py) and defects/ (defects.tsv merged)
  --cells A,B,...    the cells expected (default: every cell of CMakePresets.json); an
                     expected cell without results is shown as NO RESULTS
  --presets FILE     the cell list and order (default: CMakePresets.json of this repository)
  -h, --help         this help

Examples:
  ci/merge-results.py artifacts/                         what the CI's summary job runs
  ci/merge-results.py -o /tmp/merged ~/Downloads/results-linux-i386-qemu ~/Downloads/results-linux-i386-native
  ci/merge-results.py --cells linux-i386-qemu,linux-i386-native -o /tmp/m run1/ run2/

Two folders of the same cell: the later run (cell.json "started") wins. Prints one
line per emulator-only finding and the summary's path; exit 0 when summary.md was
written, 2 on a usage error or when no cell folder was found.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
import cells as cells_mod  # noqa: E402
import summary  # noqa: E402

ME = "merge-results"


def die(msg):
    print("%s: %s" % (ME, msg), file=sys.stderr)
    sys.exit(2)


def find(dirs):
    """{cell: folder} and the defects/ folders under DIRS."""
    found, defects = {}, []
    for top in dirs:
        for d, subdirs, files in os.walk(top):
            subdirs.sort()
            if "cell.json" in files:
                try:
                    with open(os.path.join(d, "cell.json"), encoding="utf-8") as f:
                        meta = json.load(f)
                except (OSError, ValueError) as e:
                    print("%s: skipping %s: unreadable cell.json (%s)" % (ME, d, e), file=sys.stderr)
                    continue
                name = meta.get("cell") or os.path.basename(d)
                old = found.get(name)
                if old is None or meta.get("started", "") >= old[1]:
                    found[name] = (d, meta.get("started", ""))
                subdirs[:] = []
            elif "defects.tsv" in files:
                defects.append(d)
                subdirs[:] = []
    return {k: v[0] for k, v in found.items()}, defects


def merge_defects(folders, out):
    dest = os.path.join(out, "defects")
    rows, n = [], 0
    for d in folders:
        if os.path.abspath(d) == os.path.abspath(dest):
            continue
        os.makedirs(dest, exist_ok=True)
        for name in sorted(os.listdir(d)):
            src = os.path.join(d, name)
            if name == "defects.tsv":
                with open(src, encoding="utf-8", errors="replace") as f:
                    rows += [l for l in f if l.strip() and l not in rows]
            elif name.startswith("verdict") and name.endswith(".txt"):
                n += 1
                shutil.copyfile(src, os.path.join(dest, "verdict-%d.txt" % n))
            elif os.path.isfile(src):
                shutil.copyfile(src, os.path.join(dest, name))
    if rows:
        with open(os.path.join(dest, "defects.tsv"), "w", encoding="utf-8") as f:
            f.writelines(rows)
    return bool(rows) or os.path.isfile(os.path.join(dest, "defects.tsv"))


def merge_bench(cell_names, out):
    parts = [os.path.join(out, c, "bench.json") for c in cell_names]
    parts = [p for p in parts if os.path.isfile(p) and os.path.getsize(p) > 0]
    if not parts:
        return False
    with open(os.path.join(out, "bench.json"), "w", encoding="utf-8") as f:
        for p in parts:
            with open(p, encoding="utf-8", errors="replace") as g:
                f.write(g.read())
    report = os.path.join(ROOT, "bench", "report.py")
    r = subprocess.run([sys.executable, report, os.path.join(out, "bench.json"), "-o",
                        os.path.join(out, "report.html")], capture_output=True, text=True)
    with open(os.path.join(out, "bench-report.txt"), "w", encoding="utf-8") as f:
        f.write(r.stdout + r.stderr)
    if r.returncode != 0:
        print("%s: bench/report.py failed: %s" % (ME, (r.stdout + r.stderr).strip().splitlines()[-1:]), file=sys.stderr)
    return True


def main():
    ap = argparse.ArgumentParser(prog="ci/merge-results.py", add_help=False)
    ap.add_argument("dirs", nargs="*")
    ap.add_argument("-o", "--output", default=os.path.join(ROOT, "results"))
    ap.add_argument("--cells")
    ap.add_argument("--presets", default=os.path.join(ROOT, "CMakePresets.json"))
    ap.add_argument("-h", "--help", action="store_true")
    a, rest = ap.parse_known_args()
    if a.help:
        print(__doc__.strip())
        return 0
    if rest:
        die("unknown option '%s' (try --help)" % rest[0])
    if not a.dirs:
        die("give the folders that hold the cells' results, e.g. ci/merge-results.py artifacts/ (try --help)")
    for d in a.dirs:
        if not os.path.isdir(d):
            die("%s is not a folder: give the folders the CI artifacts were downloaded to" % d)
    if a.cells is not None:
        expected = [c for c in a.cells.split(",") if c]
    else:
        try:
            expected = [c["name"] for c in cells_mod.cells(cells_mod.load(a.presets), os.path.dirname(os.path.abspath(a.presets)))]
        except (OSError, ValueError) as e:
            die("cannot read the cell list from %s (%s): pass --cells A,B,..." % (a.presets, e))
    found, defect_dirs = find(a.dirs)
    if not found:
        die("no cell results (no cell.json) under %s: were the artifacts downloaded there?" % ", ".join(a.dirs))
    out = os.path.abspath(a.output)
    os.makedirs(out, exist_ok=True)
    for name, d in found.items():
        dest = os.path.join(out, name)
        if os.path.abspath(d) != dest:
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(d, dest)
    names = summary.cell_order(a.presets, list(found))
    has_defects = merge_defects(defect_dirs, out)
    has_bench = merge_bench(names, out)
    extra = [c for c in found if c not in expected]
    console = summary.write_summary([os.path.join(out, n) for n in names], os.path.join(out, "summary.md"), a.presets,
                                    os.path.join(out, "defects") if has_defects else None,
                                    out if has_bench else None, expected=[c for c in expected if c not in found])
    for line in console:
        print(line)
    if extra:
        print("%s: note: results of cells not in the expected list: %s" % (ME, ", ".join(extra)))
    print("%s: %d cell(s) (%s) -> %s" % (ME, len(found), ", ".join(names), os.path.join(out, "summary.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
