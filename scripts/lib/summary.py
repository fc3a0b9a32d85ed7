#!/usr/bin/env python3
"""The matrix summary (summary.md) from per-cell result folders.

  summary.py markdown --results DIR [--cells A,B,...] [--defects] [--bench] [-o FILE]
        summary.md of the cells' folders DIR/<cell>/ (default: every folder with a
        cell.json, in the order of CMakePresets.json); FILE defaults to DIR/summary.md.
        --defects / --bench: add DIR/defects/ (scripts/defects.sh) and DIR/bench.json.
        Prints one line per emulator-only finding ("EMULATOR-ONLY ...") on stdout.
  summary.py write-cell FILE KEY=VALUE...
        write a cell's metadata (cell.json); numbers stay numbers

Examples:
  scripts/lib/summary.py markdown --results results                 summary.md of every cell in results/
  scripts/lib/summary.py markdown --results results --cells linux-i386-qemu,linux-i386-native -o /tmp/s.md

scripts/run-matrix.sh writes summary.md after every run; ci/merge-results.py builds
the same file from the cells' folders downloaded as CI artifacts. Both read, per
cell: cell.json (how the cell ran: runner, emulator version, scale, result),
junit.xml, failures.txt (the reproduction commands) and test.log (CTest's words
for timeouts and crashes); for the run: defects/ (scripts/defects.sh) and
bench.json / bench-report.txt (--bench).

Rows are scenarios (CTest tests), columns cells. "—" marks a scenario not
registered in a cell. Differential diagnosis: a Linux cell run under an emulator
(runner qemu) is compared with the native cell of the same OS; a scenario that
fails only under the emulator, or is skipped for a reason naming an emulator
defect, is marked "emulator-only" with the emulator's version and the evidence.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cells as cells_mod  # noqa: E402
import junit  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# A skip or failure whose text names an emulator defect.
EMU_DEFECT = re.compile(r"emulator defect|QEMU issue #?\d+|Wine bug #?\d+|wine-?bug", re.I)
EMU_REF = re.compile(r"\b(QEMU|Wine)\s+(?:issue|bug)\s+#?(\d+)", re.I)
# Runners that emulate, and the runner that runs the same binaries for real.
EMULATED = {"qemu": "native"}


def md(text):
    """Text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def code(text):
    text = str(text).replace("\n", " ").strip()
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def short(text, n=70):
    text = re.sub(r"^SKIP:\s*", "", str(text).strip())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


WORD = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}


def fmt_secs(s):
    try:
        s = int(s)
    except (TypeError, ValueError):
        return "-"
    return "%dm%02ds" % (s // 60, s % 60) if s >= 60 else "%ds" % s


def emu_ref(text):
    m = EMU_REF.search(text or "")
    return "%s #%s" % ("QEMU" if m.group(1).lower() == "qemu" else "Wine", m.group(2)) if m else "emulator defect"


# --- one cell's folder --------------------------------------------------------------
def read_failures(path):
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if parts and parts[0]:
                    out[parts[0]] = (parts[1] if len(parts) > 1 else "failed", parts[2] if len(parts) > 2 else "")
    except OSError:
        pass
    return out


def evidence(tc, outcome, reason):
    """The line that explains a skip or a failure: the program's own SKIP line, a
    line naming an emulator defect or a probe, else its FAILED line."""
    if outcome == "skipped":
        return reason
    lines = [l.strip() for l in junit.output(tc).splitlines() if l.strip()]
    for l in lines:
        if EMU_DEFECT.search(l) or (re.search(r"\bprobe\b", l, re.I) and not l.startswith("needm: FAILED")):
            return l
    for l in lines:
        if l.startswith("needm: FAILED"):
            return l
    return lines[-1] if lines else reason


def load_cell(d):
    """A cell's folder as {"meta": cell.json, "tests": {name: {...}} or None}."""
    with open(os.path.join(d, "cell.json"), encoding="utf-8") as f:
        meta = json.load(f)
    cell = {"dir": d, "meta": meta, "tests": None}
    jpath = os.path.join(d, "junit.xml")
    if not os.path.isfile(jpath) or os.path.getsize(jpath) == 0:
        return cell
    try:
        tcs = list(junit.cases(jpath))
    except ET.ParseError:
        return cell
    fails = read_failures(os.path.join(d, "failures.txt"))
    words = junit.statuses(os.path.join(d, "test.log"))
    tests = {}
    for tc in tcs:
        name = tc.get("name", "?")
        outcome = junit.outcome(tc)
        t = {"outcome": outcome, "reason": "", "repro": "", "seed": junit.seed(tc)}
        if outcome == "failed":
            if name in fails:
                t["reason"], t["repro"] = fails[name]
            else:
                w = words.get(name, "")
                t["reason"] = ("timeout" if w == "Timeout" else w.lower() if w and w not in ("Failed", "Not Run")
                               else junit.not_run_reason(tc) or "failed")
            if not t["seed"]:
                m = re.search(r"\bNEEDM_SEED=(\d+)", t["repro"])
                t["seed"] = m.group(1) if m else ""
        elif outcome == "skipped":
            t["reason"] = junit.skip_reason(tc)
        t["evidence"] = evidence(tc, outcome, t["reason"])
        tests[name] = t
    cell["tests"] = tests
    return cell


# --- the diagnosis ---------------------------------------------------------------------
def partners(cells):
    """For each emulated cell, the native cells of the same OS (same sources, run for real)."""
    out = {}
    for c in cells:
        m = c["meta"]
        want = EMULATED.get(m.get("runner"))
        if want:
            out[m["cell"]] = [o["meta"]["cell"] for o in cells
                              if o["meta"].get("runner") == want and o["meta"].get("os") == m.get("os")]
    return out


def preset_natives(presets):
    """{os: [native cells]} of CMakePresets.json, to name the cell a run lacked."""
    try:
        out = {}
        for c in cells_mod.cells(cells_mod.load(presets), os.path.dirname(os.path.abspath(presets))):
            if c["runner"] in EMULATED.values():
                out.setdefault(c["os"], []).append(c["name"])
        return out
    except (OSError, ValueError, KeyError):
        return {}


def diagnose(cells, presets=None):
    """{(cell, test): finding} for emulator-only results, plus the other differential rows."""
    by = {c["meta"]["cell"]: c for c in cells}
    pairs = partners(cells)
    known = preset_natives(presets) if presets else {}
    found, other = {}, []
    for c in cells:
        name = c["meta"]["cell"]
        if c["tests"] is None:
            continue
        natives = [by[n] for n in pairs.get(name, []) if by[n]["tests"] is not None]
        for test, t in c["tests"].items():
            native = [(n["meta"]["cell"], n["tests"].get(test)) for n in natives]
            passed_natively = [n for n, nt in native if nt and nt["outcome"] == "passed"]
            emu_text = EMU_DEFECT.search(t["reason"] or "") or EMU_DEFECT.search(t["evidence"] or "")
            if t["outcome"] == "skipped" and EMU_DEFECT.search(t["reason"] or ""):
                found[(name, test)] = {"kind": "skip", "native": native, "passed_natively": passed_natively}
            elif t["outcome"] == "failed" and passed_natively:
                found[(name, test)] = {"kind": "fail", "native": native, "passed_natively": passed_natively}
            elif t["outcome"] == "failed" and emu_text:
                found[(name, test)] = {"kind": "fail", "native": native, "passed_natively": []}
            elif t["outcome"] == "failed" and name in pairs and not natives:
                other.append((name, test, "not compared: no native cell of the same OS in these results (run "
                              "scripts/run-matrix.sh with %s too)"
                              % (", ".join(known.get(c["meta"].get("os"), [])) or "a native cell")))
            elif natives and t["outcome"] == "failed":
                other.append((name, test, "fails natively too (%s): not an emulator defect"
                              % ", ".join(n for n, nt in native if nt and nt["outcome"] == "failed")
                              if any(nt and nt["outcome"] == "failed" for _, nt in native)
                              else "not compared: the native cell did not pass it (%s)"
                              % ", ".join("%s: %s" % (n, WORD[nt["outcome"]] if nt else "not registered") for n, nt in native)))
            elif t["outcome"] == "passed":
                for n, nt in native:
                    if nt and nt["outcome"] == "failed":
                        other.append((n, test, "fails natively but passes under %s (%s)"
                                      % (c["meta"].get("runs_under", name), name)))
    return found, other


# --- rendering ----------------------------------------------------------------------------
def cell_order(presets, names):
    try:
        order = [c["name"] for c in cells_mod.cells(cells_mod.load(presets), os.path.dirname(presets))]
    except (OSError, ValueError, KeyError):
        order = []
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def header(cells):
    metas = [c["meta"] for c in cells]
    stress = sorted({m.get("stress", "?") for m in metas})
    bits = ["NEEDM_STRESS=" + "/".join(stress)]
    reps = sorted({str(m.get("repeat")) for m in metas if m.get("repeat")})
    if reps:
        bits.append("ctest --repeat until-fail:" + "/".join(reps))
    tests = sorted({m.get("tests_regex") for m in metas if m.get("tests_regex")})
    if tests:
        bits.append("tests matching " + ", ".join(code(t) for t in tests))
    hosts = sorted({"%s (Linux %s)" % (m.get("host", "?"), m.get("kernel", "?")) for m in metas})
    starts = sorted(m.get("started", "") for m in metas if m.get("started"))
    bits.append("%d cell%s" % (len(cells), "" if len(cells) == 1 else "s"))
    bits.append("host " + ", ".join(hosts))
    if starts:
        bits.append("started " + starts[0])
    return " · ".join(bits)


def render(cells, presets, defects_dir=None, bench_dir=None, console=None):
    found, other = diagnose(cells, presets)
    names = [c["meta"]["cell"] for c in cells]
    out = ["# needm matrix results", "", header(cells), ""]

    # Cells
    dash = any(c["meta"].get("dashboard") for c in cells)
    bench = any(c["meta"].get("bench") for c in cells)
    out += ["## Cells", "",
            "| cell | runs under | passed | failed | skipped | time | result |"
            + (" dashboard |" if dash else "") + (" bench |" if bench else ""),
            "| --- | --- | ---: | ---: | ---: | ---: | --- |"
            + (" --- |" if dash else "") + (" --- |" if bench else "")]
    for c in cells:
        m = c["meta"]
        row = "| %s | %s | %s | %s | %s | %s | %s |" % (
            md(m["cell"]), md(m.get("runs_under", "?")), m.get("passed", "-"), m.get("failed", "-"),
            m.get("skipped", "-"), fmt_secs(m.get("secs")), md(m.get("result", "?")))
        if dash:
            row += " %s |" % md(m.get("dashboard", "") or "-")
        if bench:
            row += " %s |" % md(m.get("bench", "") or "-")
        out.append(row)
    missing = [c for c in cells if c["meta"].get("missing")]
    for c in missing:
        out.append("")
        out.append("%s: %s" % (c["meta"]["cell"], c["meta"]["missing"]))
    out.append("")

    # Scenarios
    rows = []
    for c in cells:
        for t in (c["tests"] or {}):
            if t not in rows:
                rows.append(t)
    nnum = {"S": 0, "F": 0}

    def note(kind):
        nnum[kind] += 1
        return "%s%d" % (kind, nnum[kind])

    out += ["## Scenarios", "",
            "pass, **FAIL** (why), skip (why); — = not registered in that cell; not run = the cell ran no "
            "tests (see Cells). *emulator-only*: fails or is skipped only under the emulator "
            "(see Differential diagnosis). [Sn]/[Fn]: the skip or failure below.", ""]
    out.append("| scenario | " + " | ".join(md(n) for n in names) + " |")
    out.append("| --- |" + " --- |" * len(names))
    failures, skips = [], []
    for test in rows:
        cols = []
        for c in cells:
            cell = c["meta"]["cell"]
            if c["tests"] is None:
                cols.append("not run")
                continue
            t = c["tests"].get(test)
            if t is None:
                cols.append("—")
                continue
            f = found.get((cell, test))
            emu = c["meta"].get("runs_under", "")
            if t["outcome"] == "passed":
                cols.append("pass")
            elif t["outcome"] == "failed":
                ref = note("F")
                failures.append((ref, cell, test, t, f))
                cols.append("**FAIL** (%s)%s [%s]" % (md(t["reason"]), ", *emulator-only*: %s" % md(emu) if f else "", ref))
            else:
                ref = note("S")
                skips.append((ref, cell, test, t, f))
                if f:
                    cols.append("skip (%s), *emulator-only*: %s [%s]" % (md(emu_ref(t["reason"])), md(emu), ref))
                else:
                    cols.append("skip (%s) [%s]" % (md(short(t["reason"])), ref))
        out.append("| %s | %s |" % (md(test), " | ".join(cols)))
    if not rows:
        out.append("| (no test ran) |" + " |" * len(names))
    out.append("")

    # Differential diagnosis
    pairs = partners(cells)
    out += ["## Differential diagnosis", ""]
    if not pairs:
        out.append("No emulated cell in these results (a qemu-i386 cell is compared with the native cell "
                   "of the same OS).")
    for cell, natives in pairs.items():
        c = next(x for x in cells if x["meta"]["cell"] == cell)
        emu = c["meta"].get("runs_under", cell)
        if natives:
            out.append("%s (%s) against %s (the same test programs run natively):" % (cell, emu, ", ".join(natives)))
        else:
            out.append("%s (%s): no native cell of the same OS in these results, nothing to compare with." % (cell, emu))
        out.append("")
        mine = [(k, v) for k, v in found.items() if k[0] == cell]
        if mine:
            out.append("| scenario | under %s | natively | evidence |" % md(emu))
            out.append("| --- | --- | --- | --- |")
            for (_, test), f in mine:
                t = c["tests"][test]
                nat = ", ".join("%s: %s" % (n, WORD[nt["outcome"]] if nt else "not registered") for n, nt in f["native"]) \
                    or "no native result"
                what = ("skip (%s)" % emu_ref(t["reason"])) if f["kind"] == "skip" else "FAIL (%s)" % t["reason"]
                out.append("| %s | %s, *emulator-only* | %s | %s |" % (md(test), md(what), md(nat), md(code(t["evidence"]))))
                if console is not None:
                    console.append("EMULATOR-ONLY %s %s: %s under %s; natively: %s" % (cell, test, what, emu, nat))
        else:
            out.append("No scenario fails or is skipped only under the emulator.")
        out.append("")
    for cell, test, why in other:
        out.append("- %s %s: %s" % (cell, test, why))
    for c in cells:  # emulator-defect skips in cells without a native partner (e.g. Wine)
        cell = c["meta"]["cell"]
        if cell in pairs:
            continue
        for (fc, test), f in found.items():
            if fc == cell:
                out.append("- %s %s: %s under %s (no native cell to compare with)"
                           % (cell, test, "skipped for an emulator defect" if f["kind"] == "skip"
                              else "failed naming an emulator defect", c["meta"].get("runs_under", cell)))
    out += ["", "Known emulator defects, how they are detected and what the harness does: docs/emulators.md.", ""]

    # Failures
    out += ["## Failures", ""]
    if not failures:
        out.append("None.")
    for ref, cell, test, t, f in failures:
        out.append("### [%s] %s %s (%s)%s" % (ref, cell, test, t["reason"], ", emulator-only" if f else ""))
        out.append("")
        out.append("- seed: %s" % (t["seed"] or "none printed (the program did not get far enough)"))
        out.append("- reproduce: %s" % (code(t["repro"]) if t["repro"] else
                                        code("ctest --preset %s -R '^%s$' --output-on-failure" % (cell, test))))
        out.append("- evidence: %s" % code(t["evidence"]))
        out.append("- output: %s/LastTest.log (JUnit: %s/junit.xml)" % (cell, cell))
        out.append("")
    out.append("")

    # Skips
    out += ["## Skips", ""]
    if not skips:
        out.append("None.")
    for ref, cell, test, t, f in skips:
        out.append("- [%s] %s %s%s: %s" % (ref, cell, test, " (*emulator-only*, %s)" % c_emu(cells, cell) if f else "",
                                          md(t["reason"])))
    out.append("")

    # Defects
    if defects_dir and os.path.isfile(os.path.join(defects_dir, "defects.tsv")):
        out += defects_section(defects_dir, names)
    # Benchmarks
    if bench_dir:
        out += bench_section(bench_dir, names)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).rstrip() + "\n"


def c_emu(cells, cell):
    return next(c["meta"].get("runs_under", "") for c in cells if c["meta"]["cell"] == cell)


def defects_section(d, names):
    rows = []
    with open(os.path.join(d, "defects.tsv"), encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 3:
                rows.append(p[:3])
    verdicts = []
    for v in sorted(x for x in os.listdir(d) if x.startswith("verdict") and x.endswith(".txt")):
        with open(os.path.join(d, v), encoding="utf-8", errors="replace") as f:
            verdicts += [l.strip() for l in f if l.strip()]
    bad = [r for r in rows if r[2].startswith(("NOT CAUGHT", "CONTROL FAILED"))]
    dcells = [n for n in names if any(r[1] == n for r in rows)] + \
        sorted({r[1] for r in rows} - set(names))
    out = ["## Defects (scripts/defects.sh)", "",
           "**%s**" % ("FAIL: %d defect/cell pair(s) not caught or control failed" % len(bad) if bad else
                       "every defect was caught in every cell it applies to; every control passed"
                       if rows else "no result"), ""]
    out += ["- %s" % md(v) for v in verdicts] + ([""] if verdicts else [])
    out.append("| defect | " + " | ".join(md(c) for c in dcells) + " |")
    out.append("| --- |" + " --- |" * len(dcells))
    defects = list(dict.fromkeys(r[0] for r in rows))
    by = {(r[0], r[1]): r[2] for r in rows}
    for dname in defects:
        cols = []
        for c in dcells:
            v = by.get((dname, c), "—")
            if v == "n/a":
                v = "does not apply"
            elif v.startswith(("NOT CAUGHT", "CONTROL FAILED")):
                v = "**%s**" % md(v)
            elif v != "—" and not v.startswith("passed"):
                v = "caught by " + v.replace(",", ", ")
            cols.append(md(v) if not v.startswith("**") else v)
        out.append("| %s | %s |" % (md(dname), " | ".join(cols)))
    out += ["", "Logs: defects/ (one per defect and cell).", ""]
    return out


def bench_section(d, names):
    path = os.path.join(d, "bench.json")
    if not os.path.isfile(path):
        return []
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    modes = list(dict.fromkeys(r["mode"] for r in rows if r.get("bench") == "callback" and r.get("threads") == 1
                               and r.get("mode") != "plain_call_threads"))
    bcells = [n for n in names if any(r.get("cell") == n for r in rows)]
    line = ""
    rp = os.path.join(d, "bench-report.txt")
    if os.path.isfile(rp):
        with open(rp, encoding="utf-8", errors="replace") as f:
            line = " ".join(l.strip() for l in f if l.strip())
    m = re.search(r"targets: \d+ met, \d+ missed", line)
    out = ["## Benchmarks", "",
           "bench.json (every cell's JSON lines), report.html (offline report)%s." % ("; " + m.group(0) if m else ""), "",
           "ns per call, one thread (best of the repetitions):", "",
           "| mode | " + " | ".join(md(c) for c in bcells) + " |", "| --- |" + " ---: |" * len(bcells)]
    for mode in modes:
        cols = []
        for c in bcells:
            v = [r["ns_per_call"] for r in rows if r.get("bench") == "callback" and r.get("cell") == c
                 and r.get("mode") == mode and r.get("threads") == 1]
            cols.append("%.2f" % min(v) if v else "—")
        out.append("| %s | %s |" % (md(mode), " | ".join(cols)))
    out.append("")
    return out


def find_cell_dirs(results, wanted=None):
    dirs = {}
    for name in sorted(os.listdir(results)):
        d = os.path.join(results, name)
        if os.path.isfile(os.path.join(d, "cell.json")):
            dirs[name] = d
    if wanted:
        return {n: dirs[n] for n in wanted if n in dirs}
    return dirs


def write_summary(cell_dirs, out_path, presets, defects_dir=None, bench_dir=None, expected=()):
    cells = []
    for d in cell_dirs:
        try:
            cells.append(load_cell(d))
        except (OSError, ValueError) as e:
            print("summary: skipping %s: %s" % (d, e), file=sys.stderr)
    have = {c["meta"]["cell"] for c in cells}
    for n in expected:
        if n not in have:
            cells.append({"dir": None, "tests": None, "meta": {
                "cell": n, "runs_under": "?", "result": "NO RESULTS",
                "missing": "no result folder (the cell's job did not run or did not upload its results)"}})
    order = cell_order(presets, [c["meta"]["cell"] for c in cells])
    cells.sort(key=lambda c: order.index(c["meta"]["cell"]))
    console = []
    text = render(cells, presets, defects_dir, bench_dir, console)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    return console


def write_cell(path, pairs):
    data = {}
    for p in pairs:
        k, _, v = p.partition("=")
        data[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)


def main(argv):
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) >= 2 and argv[0] == "write-cell":
        write_cell(argv[1], argv[2:])
        return 0
    if argv and argv[0] == "markdown":
        results, wanted, out, presets = None, None, None, os.path.join(ROOT, "CMakePresets.json")
        defects = bench = False
        args = argv[1:]
        while args:
            a = args.pop(0)
            if a == "--results" and args:
                results = args.pop(0)
            elif a == "--cells" and args:
                wanted = [c for c in args.pop(0).split(",") if c]
            elif a in ("-o", "--output") and args:
                out = args.pop(0)
            elif a == "--defects":
                defects = True
            elif a == "--bench":
                bench = True
            elif a == "--presets" and args:
                presets = args.pop(0)
            else:
                sys.stderr.write(__doc__)
                return 2
        if not results:
            sys.stderr.write(__doc__)
            return 2
        dirs = find_cell_dirs(results, wanted)
        console = write_summary(list(dirs.values()), out or os.path.join(results, "summary.md"), presets,
                                os.path.join(results, "defects") if defects else None, results if bench else None)
        for line in console:
            print(line)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
