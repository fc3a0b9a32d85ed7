#!/usr/bin/env python3
"""Read a CTest JUnit file (ctest --output-junit) for run-matrix.sh.

  junit.py counts FILE                        "passed failed skipped" (a skip is never a pass)
  junit.py failed FILE [CTEST_LOG]            one line per failed test: name<TAB>reason<TAB>FAILED line or ""
  junit.py skipped FILE                       one line per skipped test: name<TAB>reason
  junit.py repro BUILD_DIR TEST [ENV=V...]    the command that reruns TEST as CTest runs it
  junit.py seed FILE TEST                     the seed TEST's program printed ("seed=N"), if any

A test's reason is CTest's word from its console log ("timeout", "exception:
segfault", ...), "not run: ..." for a failed fixture, else "failed". The FAILED line is the first output line starting with
"needm: FAILED" (the test program's own reproduction line).
"""
import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET


def cases(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for s in suites:
        yield from s.findall("testcase")


# CTest marks these "not run" too, but they mean something went wrong: count
# them as failures, as ctest itself does.
NOT_RUN_FAILURES = ("Fixture dependency failed", "Required Files Missing", "Unknown")


def outcome(tc):
    status = tc.get("status", "")
    if tc.find("failure") is not None or tc.find("error") is not None or status == "fail":
        return "failed"
    sk = tc.find("skipped")
    if sk is not None and sk.get("message", "") in NOT_RUN_FAILURES:
        return "failed"
    if sk is not None or status in ("notrun", "disabled"):
        return "skipped"
    return "passed"


def not_run_reason(tc):
    sk = tc.find("skipped")
    return f"not run: {sk.get('message', '').lower()}" if sk is not None else ""


def output(tc):
    out = tc.find("system-out")
    return out.text or "" if out is not None else ""


def statuses(ctest_log):
    """CTest's word for each finished test in its console log: Passed, Failed,
    Timeout, Exception: SegFault, Subprocess aborted, Not Run, ..."""
    out = {}
    if ctest_log:
        try:
            with open(ctest_log, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = re.search(r"Test +#\d+: (\S+) \.*\s*(?:\*\*\*)?(.*?)\s+[0-9.]+ sec", line)
                    if m:
                        out[m.group(1)] = m.group(2).strip()
        except OSError:
            pass
    return out


def skip_reason(tc):
    lines = [l.strip() for l in output(tc).splitlines() if l.strip()]
    # The program's own reason: "SKIP: ...", "needm: SKIPPED ...", "... skipped: ...".
    for pattern in (r"\bSKIP", r"\bskip(ped)?\b.*:"):
        for line in lines:
            if re.search(pattern, line, re.IGNORECASE if pattern != r"\bSKIP" else 0):
                return line
    sk = tc.find("skipped")
    msg = sk.get("message", "") if sk is not None else ""
    if msg == "SKIP_RETURN_CODE=77":
        msg = "exit code 77 (the program printed no reason)"
    return msg or tc.get("status", "not run")


def seed(tc):
    """The seed a test program printed: from its "needm: FAILED ... seed=N" line,
    else from the "needm test: ... seed=N" line it prints first; "" if none."""
    text = output(tc)
    for pattern in (r"^needm: FAILED.*\bseed=(\d+)", r"\bNEEDM_SEED=(\d+)", r"^needm test:.*\bseed=(\d+)"):
        m = re.search(pattern, text, re.M)
        if m:
            return m.group(1)
    return ""


def repro(build_dir, test, extra_env):
    js = subprocess.run(["ctest", "--test-dir", build_dir, "--show-only=json-v1"],
                        capture_output=True, text=True, check=True).stdout
    for t in json.loads(js).get("tests", []):
        if t["name"] != test:
            continue
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        env = [e for e in props.get("ENVIRONMENT", []) if e.startswith("NEEDM_")] + list(extra_env)
        wd = props.get("WORKING_DIRECTORY", build_dir)
        cmd = " ".join(shlex.quote(a) for a in t.get("command", []))
        envs = " ".join(shlex.quote(e) for e in env)
        return f"cd {shlex.quote(wd)} && {envs + ' ' if envs else ''}{cmd}"
    return f"ctest --test-dir {shlex.quote(build_dir)} -R '^{test}$' --output-on-failure"


def main(argv):
    if len(argv) >= 2 and argv[0] == "counts":
        n = {"passed": 0, "failed": 0, "skipped": 0}
        for tc in cases(argv[1]):
            n[outcome(tc)] += 1
        print(n["passed"], n["failed"], n["skipped"])
        return 0
    if len(argv) >= 2 and argv[0] == "failed":
        st = statuses(argv[2] if len(argv) > 2 else None)
        for tc in cases(argv[1]):
            if outcome(tc) != "failed":
                continue
            name = tc.get("name", "?")
            line = next((l.strip() for l in output(tc).splitlines() if l.startswith("needm: FAILED")), "")
            word = st.get(name, "")
            if word == "Timeout":
                reason = "timeout"
            elif word and word not in ("Failed", "Not Run"):
                reason = word.lower()          # e.g. "exception: segfault", "subprocess aborted"
            else:
                reason = not_run_reason(tc) or "failed"
            print(f"{name}\t{reason}\t{line}")
        return 0
    if len(argv) >= 2 and argv[0] == "skipped":
        for tc in cases(argv[1]):
            if outcome(tc) == "skipped":
                print(f"{tc.get('name', '?')}\t{skip_reason(tc)}")
        return 0
    if len(argv) >= 3 and argv[0] == "seed":
        for tc in cases(argv[1]):
            if tc.get("name") == argv[2]:
                print(seed(tc))
                break
        return 0
    if len(argv) >= 3 and argv[0] == "repro":
        print(repro(argv[1], argv[2], argv[3:]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
