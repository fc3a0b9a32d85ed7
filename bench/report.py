#!/usr/bin/env python3
"""Render the benchmark JSON lines of every cell as one offline HTML report.

    bench/report.py results/bench.json -o results/report.html [--peers docs/peers.json]

The page has no external script, style or font: a log-scale bar chart (inline
SVG) of ns per call by mode and cell, the ratio of each mode to plain_call in
the same cell and run, throughput scaling by thread count next to the plain-call
baseline of the same run, system calls and memory per idle M, the targets of
linux-i386-native with the measured margin, and the measured peers for scale.
"""
import argparse
import html
import json
import math
import sys

MODES = ["plain_call", "runtime_thread", "foreign_bound", "foreign_per_call"]
COLORS = {"plain_call": "#6b7280", "runtime_thread": "#2563eb", "foreign_bound": "#059669",
          "foreign_per_call": "#d97706"}
# Measured on this machine class with other runtimes (docs/benchmarks.md).
PEERS = [
    ("Go 1.19 cgo, callback from a C-created thread, linux/386", 40000.0),
    ("Go 1.19 cgo, callback from a C-created thread, linux/amd64", 2000.0),
    ("CPython 3.11 PyGILState_Ensure+call+Release, foreign pthread", 8000.0),
    ("Go 1.19, C->Go callback on a Go-created thread, linux/386", 74.0),
]


def load(path):
    rows = []
    for n, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or not line.startswith("{"):
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as e:
            sys.exit("report.py: %s:%d: not JSON: %s" % (path, n, e))
    if not rows:
        sys.exit("report.py: %s holds no benchmark lines" % path)
    return rows


def single(rows, cell, mode):
    """ns per call of one thread, for a mode (plain/runtime from the run of the same bind)."""
    for r in rows:
        if r.get("bench") == "callback" and r["cell"] == cell and r["mode"] == mode and r["threads"] == 1:
            if mode in ("plain_call", "runtime_thread") and r.get("bind") != "percall":
                continue
            return r
    return None


def chart(rows, cells):
    w, h, left, bottom, top = 900, 360, 70, 60, 20
    vals = [r["ns_per_call"] for r in rows if r.get("bench") == "callback" and r["threads"] == 1 and r["mode"] in MODES]
    lo = 10 ** math.floor(math.log10(max(min(vals), 0.1)))
    hi = 10 ** math.ceil(math.log10(max(vals)))
    def y(v):
        return top + (h - top - bottom) * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" '
           'aria-label="ns per call by mode and cell, log scale">' % (w, h)]
    d = lo
    while d <= hi * 1.0001:
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e5e7eb"/>' % (left, w - 10, y(d), y(d)))
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%g ns</text>' % (left - 6, y(d) + 4, d))
        d *= 10
    group = (w - left - 20) / max(len(cells), 1)
    bar = group / (len(MODES) + 1)
    for i, c in enumerate(cells):
        for j, m in enumerate(MODES):
            r = single(rows, c, m)
            if not r:
                continue
            v = r["ns_per_call"]
            x = left + i * group + (j + 0.5) * bar
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.2f ns</title></rect>'
                       % (x, y(v), bar * 0.9, y(lo) - y(v), COLORS[m], html.escape(c), m, v))
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>'
                   % (left + (i + 0.5) * group, h - bottom + 18, html.escape(c)))
    for j, m in enumerate(MODES):
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>'
                   % (left + j * 170, h - 18, COLORS[m], left + j * 170 + 14, h - 9, m))
    out.append("</svg>")
    return "\n".join(out)


def targets(rows):
    cell = "linux-i386-native"
    g = lambda m: single(rows, cell, m)
    res = []
    rt, bd, pc = g("runtime_thread"), g("foreign_bound"), g("foreign_per_call")
    def add(name, ok, measured):
        res.append((name, ok, measured))
    if rt and bd:
        add("foreign_bound <= 1.2 x runtime_thread", bd["ns_per_call"] <= 1.2 * rt["ns_per_call"],
            "%.2f / %.2f = %.2fx" % (bd["ns_per_call"], rt["ns_per_call"], bd["ns_per_call"] / rt["ns_per_call"]))
    if rt:
        add("runtime_thread <= 20 ns", rt["ns_per_call"] <= 20, "%.2f ns" % rt["ns_per_call"])
    if pc:
        add("foreign_per_call <= 100 ns", pc["ns_per_call"] <= 100, "%.2f ns" % pc["ns_per_call"])
    sc = [r for r in rows if r.get("bench") == "syscalls" and r.get("cell") == cell and "syscalls" in r]
    for r in sc:
        if r["mode"] in ("foreign_per_call", "foreign_bound"):
            add("0 system calls per callback after warm-up (%s)" % r["mode"], r["syscalls"] == 0,
                "%d in %d callbacks" % (r["syscalls"], r["calls"]))
    def tput(mode, t):
        for r in rows:
            if r.get("bench") == "callback" and r["cell"] == cell and r["mode"] == mode and r["threads"] == t:
                return r["calls_per_sec"]
    b1, b2, p1, p2 = tput("foreign_bound", 1), tput("foreign_bound", 2), tput("plain_call_threads", 1), tput("plain_call_threads", 2)
    if b1 and b2:
        base = " (this machine's plain-call baseline: %.2fx)" % (p2 / p1) if p1 and p2 else ""
        add("foreign_bound throughput, 2 threads >= 1.8 x 1 thread", b2 >= 1.8 * b1, "%.2fx%s" % (b2 / b1, base))
    mem = [r for r in rows if r.get("bench") == "extra_m_memory" and r.get("cell") == cell]
    if mem:
        v = min(r["committed_bytes_per_idle_m"] for r in mem)
        add("committed memory per idle extra M <= 16 KiB", v <= 16384, "%.0f bytes" % v)
    return cell, res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="JSON lines from bench/run-bench.sh, all cells")
    ap.add_argument("-o", "--output", required=True, help="the HTML file to write")
    a = ap.parse_args()
    rows = load(a.input)
    cells = list(dict.fromkeys(r["cell"] for r in rows if r.get("bench") == "callback"))
    p = ['<!doctype html><html><head><meta charset="utf-8"><title>needm benchmarks</title><style>',
         'body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}',
         'td,th{border:1px solid #d1d5db;padding:4px 8px;text-align:right}th{background:#f3f4f6}',
         'td:first-child,th:first-child{text-align:left}.ok{color:#047857}.miss{color:#b91c1c;font-weight:bold}',
         '</style></head><body><h1>needm: what a callback costs</h1>',
         '<p>ns per call, one thread, best of the repetitions; each cell measured in one run, ratios within it. '
         'Log scale.</p>', chart(rows, cells)]
    p.append("<h2>Ratio to a plain indirect call (same cell, same run)</h2><table><tr><th>cell</th>")
    p += ["<th>%s</th>" % m for m in MODES] + ["</tr>"]
    for c in cells:
        base = single(rows, c, "plain_call")
        p.append("<tr><td>%s</td>" % html.escape(c))
        for m in MODES:
            r = single(rows, c, m)
            p.append("<td>%s</td>" % ("%.1f ns (%.0fx)" % (r["ns_per_call"], r["ns_per_call"] / base["ns_per_call"])
                                       if r and base else "-"))
        p.append("</tr>")
    p.append("</table><h2>Throughput by thread count (calls/s, all threads)</h2><table><tr><th>cell / mode</th>")
    threads = sorted({r["threads"] for r in rows if r.get("bench") == "callback"})
    p += ["<th>%d</th>" % t for t in threads] + ["<th>2 vs 1</th></tr>"]
    for c in cells:
        for m in ("plain_call_threads", "foreign_bound", "foreign_per_call"):
            byt = {r["threads"]: r["calls_per_sec"] for r in rows if r.get("bench") == "callback" and r["cell"] == c
                   and r["mode"] == m and (m != "plain_call_threads" or r.get("bind") == "thread")}
            if not byt:
                continue
            p.append("<tr><td>%s / %s</td>" % (html.escape(c), m))
            p += ["<td>%s</td>" % ("%.3g" % byt[t] if t in byt else "-") for t in threads]
            p.append("<td>%s</td></tr>" % ("%.2fx" % (byt[2] / byt[1]) if 1 in byt and 2 in byt else "-"))
    p.append("</table><h2>System calls and memory</h2><table><tr><th>cell</th><th>what</th><th>value</th></tr>")
    for r in rows:
        if r.get("bench") == "syscalls":
            v = r.get("skipped") or "%s per callback (%d in %d, %s)" % (r["syscalls_per_call"], r["syscalls"], r["calls"], r["tool"])
            p.append("<tr><td>%s</td><td>system calls, %s</td><td>%s</td></tr>" % (html.escape(r["cell"]), r.get("mode", ""), html.escape(v)))
        if r.get("bench") == "extra_m_memory":
            p.append("<tr><td>%s</td><td>committed bytes per idle extra M (%s)</td><td>%.0f</td></tr>"
                     % (html.escape(r["cell"]), r["bind"], r["committed_bytes_per_idle_m"]))
    p.append("</table>")
    cell, res = targets(rows)
    p.append("<h2>Targets (%s)</h2><table><tr><th>target</th><th>measured</th><th></th></tr>" % cell)
    for name, ok, measured in res:
        p.append('<tr><td>%s</td><td>%s</td><td class="%s">%s</td></tr>' % (html.escape(name), html.escape(measured),
                                                                          "ok" if ok else "miss", "met" if ok else "missed"))
    p.append("</table><h2>Peers, for scale</h2><table><tr><th>system</th><th>ns per call</th></tr>")
    p += ["<tr><td>%s</td><td>%g</td></tr>" % (html.escape(n), v) for n, v in PEERS]
    p.append("</table><p>Peers: measured on this machine class (docs/benchmarks.md), not in this run.</p></body></html>")
    open(a.output, "w").write("\n".join(p))
    print("report.py: wrote %s (%d cells; targets: %d met, %d missed)"
          % (a.output, len(cells), sum(1 for r in res if r[1]), sum(1 for r in res if not r[1])))


if __name__ == "__main__":
    main()
