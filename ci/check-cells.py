#!/usr/bin/env python3
"""Check that the cell lists agree: CMakePresets.json (the cell list), what
scripts/run-matrix.sh --list runs, the matrix of ci/github/workflow.yml and the
parallel:matrix of ci/gitlab-ci.yml; and that each CI file's cell job installs
with scripts/install-deps.sh, runs scripts/run-matrix.sh on its cell, keeps the
results as artifacts, runs --stress quick on push and full scale with --repeat
on a schedule, and that a final job merges with ci/merge-results.py.

Usage: ci/check-cells.py [--root DIR]

  --root DIR   the repository to check (default: this one); DIR holds
               CMakePresets.json, scripts/run-matrix.sh and ci/
  -h, --help   this help

Examples:
  ci/check-cells.py                      check this repository
  ci/check-cells.py --root /tmp/copy     check a copy (tests/harness/ci-consistency.sh does)

Prints one line per disagreement, naming the file and the cell, and exits 1;
prints "ok: ..." and exits 0 when everything agrees; exit 2 on a usage error or
an unreadable file. Needs PyYAML (python3-yaml, which yamllint brings).
"""
import json
import os
import re
import subprocess
import sys

ME = "check-cells"
try:
    import yaml
except ImportError:  # another python3 first on PATH: Debian's has PyYAML with yamllint
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and not os.environ.get("NEEDM_CHECK_CELLS_REEXEC"):
        os.environ["NEEDM_CHECK_CELLS_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("%s: needs PyYAML: apt-get install -y python3-yaml (yamllint brings it)" % ME)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def presets_cells(root):
    with open(os.path.join(root, "CMakePresets.json"), encoding="utf-8") as f:
        p = json.load(f)
    return [w["name"] for w in p.get("workflowPresets", [])]


def run_matrix_cells(root):
    r = subprocess.run([os.path.join(root, "scripts", "run-matrix.sh"), "--list"],
                       capture_output=True, text=True, cwd=root)
    if r.returncode != 0:
        raise RuntimeError("scripts/run-matrix.sh --list failed (exit %d): %s" % (r.returncode, r.stderr.strip()))
    return [l.split()[0] for l in r.stdout.splitlines()[1:] if l.strip()]


def text_of(x):
    """Every string in a YAML subtree, joined (the commands of a job)."""
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        return "\n".join(text_of(k) + "\n" + text_of(v) for k, v in x.items())
    if isinstance(x, list):
        return "\n".join(text_of(v) for v in x)
    return str(x) if x is not None else ""


def github(path, problems):
    doc = load_yaml(path)
    name = "ci/github/workflow.yml"
    jobs = doc.get("jobs", {}) or {}
    cells, cell_job = None, None
    for jname, job in jobs.items():
        m = ((job or {}).get("strategy") or {}).get("matrix") or {}
        if "cell" in m:
            cells, cell_job = list(m["cell"] or []), (jname, job)
    if cells is None:
        problems.append("%s: no job with strategy.matrix.cell (one job per cell)" % name)
        return []
    jname, job = cell_job
    steps = text_of(job.get("steps", []))
    env = job.get("env", {}) or {}
    cell_var = any("matrix.cell" in str(v) for v in env.values())
    for what, ok in [
        ("install its packages with scripts/install-deps.sh", "scripts/install-deps.sh" in steps),
        ("run scripts/run-matrix.sh on its cell", "scripts/run-matrix.sh" in steps and
         ("matrix.cell" in steps or (cell_var and re.search(r"run-matrix\.sh[^\n]*\$\{?CELL", steps)))),
        ("keep its results as an artifact (actions/upload-artifact)", "actions/upload-artifact" in steps),
        ("run --stress quick (on push)", "--stress quick" in steps),
        ("run --stress full with --repeat (on the schedule)", "--stress full" in steps and "--repeat" in steps),
    ]:
        if not ok:
            problems.append("%s: job '%s' does not %s" % (name, jname, what))
    on = doc.get("on", doc.get(True)) or {}   # YAML 1.1 reads an unquoted "on" as true
    if not isinstance(on, dict) or "push" not in on:
        problems.append("%s: no push trigger (the quick run on every push)" % name)
    if not isinstance(on, dict) or not on.get("schedule"):
        problems.append("%s: no schedule (cron) trigger for the full-scale run" % name)
    merged = [j for j, job in jobs.items() if "ci/merge-results.py" in text_of((job or {}).get("steps", []))]
    if not merged:
        problems.append("%s: no job runs ci/merge-results.py (the merged summary.md)" % name)
    return cells


def gitlab(path, problems):
    doc = load_yaml(path)
    name = "ci/gitlab-ci.yml"
    cells, cell_job = None, None
    for jname, job in doc.items():
        if not isinstance(job, dict):
            continue
        for entry in ((job.get("parallel") or {}) if isinstance(job.get("parallel"), dict) else {}).get("matrix", []) or []:
            if "CELL" in entry:
                cells = list(entry["CELL"] if isinstance(entry["CELL"], list) else [entry["CELL"]])
                cell_job = (jname, job)
    if cells is None:
        problems.append("%s: no job with parallel:matrix CELL (one job per cell)" % name)
        return []
    jname, job = cell_job
    script = text_of(job.get("script", [])) + "\n" + text_of(job.get("before_script", []))
    for what, ok in [
        ("install its packages with scripts/install-deps.sh", "scripts/install-deps.sh" in script),
        ("run scripts/run-matrix.sh on its cell", re.search(r"run-matrix\.sh[^\n]*\$\{?CELL", script) is not None),
        ("keep its results as artifacts", bool((job.get("artifacts") or {}).get("paths"))),
        ("run --stress quick (on push)", "--stress quick" in script),
        ("run --stress full with --repeat on a schedule", "--stress full" in script and "--repeat" in script
         and "schedule" in script),
    ]:
        if not ok:
            problems.append("%s: job '%s' does not %s" % (name, jname, what))
    if not any(isinstance(j, dict) and "ci/merge-results.py" in text_of(j.get("script", [])) for j in doc.values()):
        problems.append("%s: no job runs ci/merge-results.py (the merged summary.md)" % name)
    return cells


def compare(lists, problems):
    ref_name, ref = lists[0]
    for name, cells in lists[1:]:
        for c in ref:
            if c not in cells:
                problems.append("%s lacks cell %s (%s has it)" % (name, c, ref_name))
        for c in cells:
            if c not in ref:
                problems.append("%s has cell %s, which %s does not define" % (name, c, ref_name))
        dup = sorted({c for c in cells if cells.count(c) > 1})
        if dup:
            problems.append("%s lists cell(s) twice: %s" % (name, ", ".join(dup)))
        if set(cells) == set(ref) and cells != ref:
            problems.append("%s lists the cells in another order than %s: %s" % (name, ref_name, ", ".join(cells)))


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    while argv:
        a = argv.pop(0)
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--root" and argv:
            root = os.path.abspath(argv.pop(0))
        else:
            print("%s: unknown argument '%s' (try --help)" % (ME, a), file=sys.stderr)
            return 2
    problems = []
    try:
        lists = [("CMakePresets.json", presets_cells(root)),
                 ("scripts/run-matrix.sh --list", run_matrix_cells(root)),
                 ("ci/github/workflow.yml", github(os.path.join(root, "ci", "github", "workflow.yml"), problems)),
                 ("ci/gitlab-ci.yml", gitlab(os.path.join(root, "ci", "gitlab-ci.yml"), problems))]
    except (OSError, ValueError, RuntimeError, yaml.YAMLError) as e:
        print("%s: %s" % (ME, e), file=sys.stderr)
        return 2
    compare(lists, problems)
    for p in problems:
        print("%s: %s" % (ME, p))
    if problems:
        print("%s: %d problem(s): make CMakePresets.json (the cell list), ci/github/workflow.yml and "
              "ci/gitlab-ci.yml name the same cells" % (ME, len(problems)))
        return 1
    print("%s: ok: %d cells agree in %s" % (ME, len(lists[0][1]), ", ".join(n for n, _ in lists)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
