"""The schedule: each list's slots, and the daemon that sends an edition at each, once.

`next_editions` tells when editions go out; `Daemon` (what `digest serve` runs) wakes
at every slot of every list and calls the pipeline, the same code as `digest run`.
"""

from __future__ import annotations

from ._daemon import Daemon
from ._slots import SlotTrigger, next_editions

__all__ = ["Daemon", "SlotTrigger", "next_editions"]
