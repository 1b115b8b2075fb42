"""`python -m codex7.store.embedded_guard PGDATA`: stop the embedded PostgreSQL on PGDATA once the
process that started this guard has ended (its pipe on our stdin closes) and no live process
uses the server any more. See store/embedded.py."""

from __future__ import annotations

import signal
import sys
from pathlib import Path


def main(pgdata: str) -> None:
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # a terminal's hang-up or Ctrl-C is not our owner's end
    while sys.stdin.buffer.read(65536):
        pass  # nothing is ever written: the read returns at the end, however the owner ended
    from codex7.store.embedded import stop_if_unused

    stop_if_unused(Path(pgdata))


if __name__ == "__main__":
    main(sys.argv[1])
