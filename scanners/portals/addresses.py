"""Service addresses in environment variables: which host a value names.

Shared by the docker compose and Kubernetes scanners. A value names a host
when it is a URL (``http://cart:7070/x`` → ``cart``), a ``host:port``
(``cart:7070``), or a bare host name (``redis``). A Kubernetes service DNS
name (``cart.shop.svc.cluster.local``) is cut to its first label by
:func:`service_name` when asked. Telemetry variables are told apart by name
(:func:`is_telemetry`), since exporting telemetry never takes a service down.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["host_of", "is_telemetry", "service_name"]

_TELEMETRY: tuple[str, ...] = (
    *("OTEL", "OTLP", "COLLECTOR", "JAEGER", "ZIPKIN"),
    *("TRACE", "TELEMETRY", "PROMETHEUS", "METRICS"),
)
_HOST_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})")
_HOST_PORT_RE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]{0,252}):(\d{1,5})(?:/.*)?")


def is_telemetry(variable: str) -> bool:
    """Whether an environment variable's name says it points at telemetry."""
    upper = variable.upper()
    return any(word in upper for word in _TELEMETRY)


def host_of(value: str) -> str | None:
    """The host a variable's value names, or None (lowercase)."""
    text = value.strip()
    if not text or len(text) > 2048 or any(c.isspace() for c in text):
        return None
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            return None
        return host.lower() if host else None
    match = _HOST_PORT_RE.fullmatch(text)
    if match:
        return match.group(1).lower()
    if _HOST_RE.fullmatch(text) and not text.replace(".", "").isdigit():
        return text.lower()
    return None


def service_name(host: str) -> str:
    """The service a Kubernetes DNS name means: ``a.ns.svc.cluster.local`` → ``a``."""
    parts = host.split(".")
    if len(parts) >= 2 and (len(parts) == 2 or parts[2] == "svc"):
        return parts[0]
    return host
