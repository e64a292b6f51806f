"""Developer-portal service catalogs, read as what they are (one module per format).

* :mod:`.cortex`: Cortex ``cortex.yaml`` (an OpenAPI document whose ``info``
  carries ``x-cortex-*`` keys).
"""

from __future__ import annotations

from scanners.portals import cortex

__all__ = ["cortex"]
