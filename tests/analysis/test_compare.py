"""Alternatives ranked side by side."""

from __future__ import annotations

from graph.analysis import Projection, compare
from schemas.analysis import CompareRequest


def test_candidates_are_ranked_by_blast_radius(sample: Projection) -> None:
    request = CompareRequest.model_validate(
        {
            "candidates": [
                {
                    "label": "drop pipeline",
                    "targets": ["component:pipeline"],
                    "change_type": "remove",
                },
                {"targets": ["api:legacy-orders"], "change_type": "remove"},
                {"targets": ["api:events"], "change_type": "deprecate"},
            ],
            "include_details": True,
        }
    )
    result = compare(sample, request)
    labels = [c.label for c in result.candidates]
    assert labels == ["option B", "option C", "drop pipeline"]
    assert [c.rank for c in result.candidates] == [1, 2, 3]
    scores = [c.blast_radius.score for c in result.candidates]
    assert scores == sorted(scores)
    by_label = {c.label: c for c in result.candidates}
    assert by_label["option B"].only_here_products == []  # ops is hit by the pipeline too
    assert by_label["option B"].only_here_components == ["component:ops-client"]
    assert by_label["drop pipeline"].only_here_components == ["component:ops-reports"]
    assert by_label["option C"].only_here_products == []
    assert result.common_products == []
    assert by_label["option C"].impact is not None


def test_common_products(sample: Projection) -> None:
    request = CompareRequest.model_validate(
        {
            "candidates": [
                {"targets": ["component:pipeline"]},
                {"targets": ["api:events"]},
            ]
        }
    )
    result = compare(sample, request)
    assert result.common_products == ["product:finance", "product:sales"]
    assert all(c.impact is None for c in result.candidates)
    first, second = result.candidates
    assert first.label == "option B"
    assert second.only_here_products == ["product:ops"]
