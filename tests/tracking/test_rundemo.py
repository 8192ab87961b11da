"""`make demo` stops everything it started, whether it is ended by Ctrl-C or
by SIGTERM (``kill``, ``timeout``, a process supervisor)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The demo's supervision over two real child processes that would run for ten minutes.
DEMO = """
import subprocess, sys
from tracking.management.commands.rundemo import supervise
children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]) for _ in range(2)]
print(" ".join(str(child.pid) for child in children), flush=True)
supervise(children)
print("stopped", flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_demo_ended_by_sigterm_stops_its_web_server_and_worker():
    demo = subprocess.Popen([sys.executable, "-c", DEMO], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    pids = [int(pid) for pid in demo.stdout.readline().split()]
    try:
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0
        assert demo.stdout.read().strip() == "stopped"
        assert [pid for pid in pids if _alive(pid)] == []
    finally:
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
