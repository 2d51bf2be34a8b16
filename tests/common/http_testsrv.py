#!/usr/bin/env python3
"""HTTP fixture for tests/common/http_check.c (stdlib only, 127.0.0.1 only).

  http_testsrv.py PORT

GET  /get                 200 "hello-get", header X-Test: abc
POST /post                200 "probe=<X-Probe header> body=<request body>"
GET  /hang                never answers (holds the socket)
GET  /big?n=N             200 with N bytes and Content-Length
GET  /bigchunked?n=N      200 with N bytes, no Content-Length (close-delimited)
"""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("http_testsrv: " + (fmt % args) + "\n")

    def _send(self, code, body, headers=None, length=True):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/get":
            self._send(200, b"hello-get", {"X-Test": "abc"})
        elif u.path == "/hang":
            time.sleep(60)
        elif u.path == "/big":
            self._send(200, b"x" * int(q.get("n", ["1000"])[0]))
        elif u.path == "/bigchunked":
            self.close_connection = True
            self._send(200, b"y" * int(q.get("n", ["1000"])[0]), length=False)
        else:
            self._send(404, b"not found")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        probe = self.headers.get("X-Probe", "")
        self._send(200, b"probe=" + probe.encode() + b" body=" + body)


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # default 5 drops SYNs of 8 parallel connects
    daemon_threads = True


def main():
    port = int(sys.argv[1])
    srv = Server(("127.0.0.1", port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
