"""``archgraph export``: the export document streamed to a file or standard output.

The pieces come from ``graph.storage.export_chunks`` (one snapshot, memory
within one piece) or, with ``--as-of``, ``as_of_chunks``. A file is written
under a temporary name next to it and renamed when complete, so a failed
export never leaves a half document under the name asked for.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_chunks(chunks: Iterable[str], output: str | None) -> int:
    """Write *chunks* (and a final newline) to *output* (``-`` or None: stdout); return bytes."""
    written = 0
    if not output or output == "-":
        for chunk in chunks:
            sys.stdout.write(chunk)
            written += len(chunk.encode("utf-8"))
        sys.stdout.write("\n")
        sys.stdout.flush()
        return written + 1
    target = Path(output)
    fd, part = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for chunk in chunks:
                written += out.write(chunk)
            out.write("\n")
        os.replace(part, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(part)
        raise
    return target.stat().st_size
