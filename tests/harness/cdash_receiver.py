#!/usr/bin/env python3
"""A stand-in CDash server on 127.0.0.1 for the harness: it accepts CTest's
submissions (HTTP PUT of each XML part, or POST) and records them.

    cdash_receiver.py --dir DIR [--port-file FILE]

Listens on 127.0.0.1 on a free port (written to FILE, and printed), stores the
body of every PUT or POST under DIR/files/ and appends one JSON line per
submission to DIR/submissions.jsonl: method, path, the query's FileName, build,
site and MD5, the body's size, whether the MD5 matched, and the BuildName and
part (Test, Build, ...) read from the XML itself. It answers as CDash does
(<cdash><status>OK</status>...</cdash>). Stop it with SIGTERM or SIGINT.

Example (tests/harness/dashboard.sh does this):
  tests/harness/cdash_receiver.py --dir /tmp/cdash --port-file /tmp/cdash.port &
  scripts/run-matrix.sh --dashboard "http://127.0.0.1:$(cat /tmp/cdash.port)/submit.php?project=needm" linux-i386-native
  cat /tmp/cdash/submissions.jsonl
"""
import argparse
import hashlib
import json
import os
import re
import signal
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = "needm-cdash-receiver/1"

    def log_message(self, fmt, *args):  # quiet: the record is submissions.jsonl
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))

    def answer(self, md5):
        text = ('<cdash version="3.0.0">\n  <status>OK</status>\n  <message></message>\n'
                '  <md5>%s</md5>\n  <buildId>1</buildId>\n</cdash>\n' % md5).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def record(self):
        data = self.body()
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        md5 = hashlib.md5(data).hexdigest()
        name = q.get("FileName") or "post-%d.bin" % len(data)
        text = data.decode("utf-8", "replace")
        m = re.search(r'<Site\b[^>]*\bBuildName="([^"]*)"', text)
        part = re.search(r"<(Configure|Build|Testing|Test|Done|Update|Notes|Upload)\b", text.split("<Site", 1)[-1])
        with LOCK:
            n = len(os.listdir(self.server.files))
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-150:]
            with open(os.path.join(self.server.files, "%03d-%s" % (n, safe)), "wb") as f:
                f.write(data)
            rec = {
                "method": self.command, "path": url.path, "file": name, "build": q.get("build", ""),
                "site": q.get("site", ""), "md5_ok": q.get("MD5", md5) == md5, "size": len(data),
                "xml_build_name": m.group(1) if m else "",
                "part": {"Testing": "Test"}.get(part.group(1), part.group(1)) if part else "",
            }
            with open(os.path.join(self.server.dir, "submissions.jsonl"), "a") as f:
                f.write(json.dumps(rec) + "\n")
        self.answer(md5)

    do_PUT = record
    do_POST = record

    def do_GET(self):
        self.answer("")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", required=True, help="where to store the submissions")
    ap.add_argument("--port-file", help="write the port here once listening")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.dir, "files"), exist_ok=True)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.dir, srv.files = a.dir, os.path.join(a.dir, "files")
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(a.port_file + ".tmp", a.port_file)
    print("cdash_receiver: listening on http://127.0.0.1:%d/" % port, flush=True)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
