"""A fork server for hub processes: imports the hub once (about a second), then forks a fresh hub process per
request, so the kill tests can SIGKILL and restart a real hub process ten times without paying the imports
each time. Reads `DB_URL PORT HOLD_S LOG_PATH` lines on stdin, answers each with the new hub's pid."""

import os
import signal
import sys

from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import serve

if __name__ == "__main__":
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed hubs are reaped by the kernel, never left as zombies
    for line in sys.stdin:
        db_url, port, hold_s, log_path = line.split()
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            try:
                serve(HubDB(db_url), "127.0.0.1", int(port), hold_s=float(hold_s), log_level="warning")
            finally:
                os._exit(0)
        print(pid, flush=True)
