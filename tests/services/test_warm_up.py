"""The warm-up: the real query model loaded, and what the server loaded frozen out of the
garbage collector's walks."""

from __future__ import annotations

import gc

from codex7.config import Settings
from codex7.services.state import WarmUp


def test_the_warm_up_freezes_what_the_server_loaded(settings: Settings) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    warm = WarmUp(settings).start()
    warm._thread.join(120)  # the model loads in well under a second; the join is a safety net
    assert not warm._thread.is_alive()
    assert gc.get_freeze_count() > 1000
