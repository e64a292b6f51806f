"""Developer-portal service catalogs, read as what they are (one module per format).

* :mod:`.cortex`: Cortex ``cortex.yaml`` (an OpenAPI document whose ``info``
  carries ``x-cortex-*`` keys).
* :mod:`.opslevel`: OpsLevel ``opslevel.yml`` (``service:`` or ``component:``).

``PORTAL_SCANNERS`` maps each scanner name (a :class:`scanners.detect.Format`
value) to its ``scan_documents(file, *, resolver)``.
"""

from __future__ import annotations

from collections.abc import Callable

from scanners.portals import cortex, opslevel
from scanners.result import ScanResult

__all__ = ["PORTAL_SCANNERS", "cortex", "opslevel"]

PORTAL_SCANNERS: dict[str, Callable[..., ScanResult]] = {
    cortex.SCANNER: cortex.scan_documents,
    opslevel.SCANNER: opslevel.scan_documents,
}
