"""Developer-portal service catalogs, read as what they are (one module per format).

* :mod:`.compass`: Atlassian Compass ``compass.yml`` (one component).
* :mod:`.compose`: docker compose files (a product, a component per service).
* :mod:`.cortex`: Cortex ``cortex.yaml`` (an OpenAPI document whose ``info``
  carries ``x-cortex-*`` keys).
* :mod:`.kubernetes`: Kubernetes workloads and the Services they call.
* :mod:`.opslevel`: OpsLevel ``opslevel.yml`` (``service:`` or ``component:``).
* :mod:`.port`: Port entities (blueprint and mapping files are named, not read).

``PORTAL_SCANNERS`` maps each scanner name (a :class:`scanners.detect.Format`
value) to its ``scan_documents(file, *, resolver)``; a format whose files
refer to each other by id also has an entry in ``PORTAL_INDEXES``: a
function from every file of that format in the scan to the ``index`` its
``scan_documents`` takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scanners.portals import compass, compose, cortex, kubernetes, opslevel, port
from scanners.result import ReadFile, ScanResult

__all__ = [
    "PORTAL_INDEXES",
    "PORTAL_SCANNERS",
    "compass",
    "compose",
    "cortex",
    "kubernetes",
    "opslevel",
    "port",
]

PORTAL_SCANNERS: dict[str, Callable[..., ScanResult]] = {
    cortex.SCANNER: cortex.scan_documents,
    opslevel.SCANNER: opslevel.scan_documents,
    compass.SCANNER: compass.scan_documents,
    port.SCANNER: port.scan_documents,
    compose.SCANNER: compose.scan_documents,
    kubernetes.SCANNER: kubernetes.scan_documents,
}

PORTAL_INDEXES: dict[str, Callable[[Iterable[ReadFile]], Any]] = {
    compass.SCANNER: compass.index_ids,
    kubernetes.SCANNER: kubernetes.index_services,
}
