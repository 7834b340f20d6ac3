"""Keeping the garbage collector's pauses off the screen-pop's path.

CPython's full collection walks every container object the process holds. After start-up that is mostly
what never goes away (modules, the ORM's mappers and tables, compiled statements), several hundred
thousand objects: a full collection then stops the event loop for 100 to 300 ms, and every pop and AMI
event waiting behind it is that much late (``docs/decisions.md`` › Garbage collector). Moving what exists
once the process is up into the permanent generation (:func:`gc.freeze`) leaves the collector only what
came after, and full collections are made rarer.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger(__name__)


# Young collections as CPython makes them (700 allocations, every tenth one also the middle generation);
# a full collection considered after 100 middle ones rather than 10 (and, as always, only once the old
# generation has grown by a quarter), so the sockets that connect after start-up do not bring a full
# collection every few seconds while the heap grows.
THRESHOLDS = (700, 10, 100)


def settle() -> None:
    """Collect what start-up left behind, then exempt everything still alive from future collections."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    log.debug("%d objects moved to the permanent generation", gc.get_freeze_count())


@contextlib.asynccontextmanager
async def settled(*_: Any) -> AsyncIterator[None]:
    """:func:`settle` as a service of the web app: the last to start, after everything else is up."""
    settle()
    yield
