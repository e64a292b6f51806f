"""Analysis: questions answered on an in-memory projection of the graph.

:func:`build_projection` reads a store into a :class:`Projection`;
:class:`ProjectionCache` keeps one per store, fresh against its graph
version. Every question is a pure function of a projection: :func:`impact`
and :func:`compare` (the impact assessment), :func:`find_duplicates` and
:func:`platform_adoption`, :func:`find_risks`, and the due-diligence
questions :func:`sunset`, :func:`spin_off` and :func:`acquisition_fit`.
The modules behind them: ``walk`` and ``reach`` (graph walks), ``text``
(name and operation normalisation), ``capabilities`` (who does what).
"""

from __future__ import annotations

from graph.analysis.build import build_projection, projection_as_of, projection_from_records
from graph.analysis.cache import ProjectionCache
from graph.analysis.compare import compare
from graph.analysis.diligence import acquisition_fit, spin_off, sunset
from graph.analysis.duplicates import DEFAULT_MIN_CONFIDENCE, find_duplicates, platform_adoption
from graph.analysis.impact import impact, walk_change
from graph.analysis.projection import Projection
from graph.analysis.risks import find_risks

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "Projection",
    "ProjectionCache",
    "acquisition_fit",
    "build_projection",
    "compare",
    "find_duplicates",
    "find_risks",
    "impact",
    "platform_adoption",
    "projection_as_of",
    "projection_from_records",
    "spin_off",
    "sunset",
    "walk_change",
]
