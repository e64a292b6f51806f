"""Who a CLI write is recorded as (kept apart so ``archgraph scan`` imports no analysis code)."""

from __future__ import annotations

import getpass

__all__ = ["cli_actor"]


def cli_actor() -> str:
    """The actor of a CLI write: the OS user, or ``cli`` when it cannot be told."""
    try:
        return getpass.getuser() or "cli"
    except (OSError, KeyError):
        return "cli"
