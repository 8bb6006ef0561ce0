#!/usr/bin/env python3
# Peak resident memory of a command and every process it spawns (offstage
# runs qemu-img and qemu-nbd as children), sampled from /proc every 10 ms:
# the largest sum over the tree at one instant, and each program's own peak.
# getrusage (and so /usr/bin/time) reports only the largest single process.
# Usage: tree_rss.py OUT-FILE COMMAND [ARG...]; exits with the command's status.
import os
import subprocess
import sys
import time

PAGE = os.sysconf('SC_PAGE_SIZE')


def snapshot():
    procs = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                s = f.read()
        except OSError:
            continue                       # gone between listdir and open
        comm = s[s.index('(') + 1:s.rindex(')')]
        rest = s[s.rindex(')') + 2:].split()
        procs[int(d)] = (int(rest[1]), comm, int(rest[21]) * PAGE)
    return procs


def main():
    out = sys.argv[1]
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_sum, peak_by_name = 0, {}
    while child.poll() is None:
        procs = snapshot()
        tree, grew = {child.pid}, True
        while grew:
            grew = False
            for pid, (ppid, _, _) in procs.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        total = 0
        for pid in tree:
            if pid in procs:
                _, comm, rss = procs[pid]
                total += rss
                peak_by_name[comm] = max(peak_by_name.get(comm, 0), rss)
        peak_sum = max(peak_sum, total)
        time.sleep(0.01)
    with open(out, 'w') as f:
        f.write('tree %d\n' % peak_sum)
        for comm, rss in sorted(peak_by_name.items()):
            f.write('%s %d\n' % (comm, rss))
    sys.exit(child.returncode)


main()
