"""The portfolio graph.

:mod:`graph.storage` keeps it; :mod:`graph.analysis` answers questions on it.

Storage never imports analysis; analysis reads a store only to build its
projection (:func:`graph.analysis.build_projection`).
"""

__all__: list[str] = []
