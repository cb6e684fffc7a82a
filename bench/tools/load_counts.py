"""Counts what the load of bench/load.sh saw in DIR (wrk-get.out, wrk-slow.out, h2load.out, ws.out).

Prints one tab-separated line: total requests, failed requests, then the parts: wrk GET total,
non-2xx, socket errors (connect,read,write,timeout); the same for wrk /slow; h2load done,
failed, non-2xx, could-not-connect; WebSocket cut (0/1) and the probe's own line.
"""
import re
import sys

d = sys.argv[1]


def wrk(path):
    t = open(path).read()
    m = re.search(r"(\d+) requests in", t)
    total = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    sock = [int(x) for x in m.groups()] if m else [0, 0, 0, 0]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return total, int(m.group(1)) if m else 0, sock


g_total, g_non, g_sock = wrk(f"{d}/wrk-get.out")
s_total, s_non, s_sock = wrk(f"{d}/wrk-slow.out")
t = open(f"{d}/h2load.out").read()
h_total = h_failed = h_non = 0
for m in re.finditer(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", t):
    h_total += int(m.group(2))
    h_failed += int(m.group(4))
for m in re.finditer(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", t):
    h_non += int(m.group(2)) + int(m.group(3)) + int(m.group(4))
h_connect = len(re.findall(r"could not connect", t))
ws = open(f"{d}/ws.out").read().strip()
ws_cut = 0 if "cut: no" in ws else 1
fails = g_non + sum(g_sock) + s_non + sum(s_sock) + h_failed + h_non + h_connect + ws_cut
total = g_total + s_total + h_total + 1
print("\t".join(str(x) for x in [total, fails, g_total, g_non, ",".join(map(str, g_sock)), s_total, s_non,
                                 ",".join(map(str, s_sock)), h_total, h_failed, h_non, h_connect, ws_cut, ws]))
