"""One validation per scanned element: the proof that the store's second run is redundant.

A node a scanner builds from an element model instance carries it
(``NodeData.checked``) and ``check_node`` then skips the model. That is safe
exactly when (1) the instance is of the ref's kind's model with the ref's
slug, (2) the node's properties are that instance's ``properties()``, and
(3) running the model again on those properties accepts them and gives the
same properties back. These tests check all three for every node the
scanners build from the corpus and the example portfolio, and that a node
whose instance does not vouch for it is validated in full.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.storage import SQLiteStore
from graph.storage.checks import prepare_batch
from scanners import scan_directory
from scanners.result import ResultBuilder
from schemas.edges import EdgeType
from schemas.elements import ELEMENT_MODELS, Api, Component
from schemas.errors import InvalidInputError
from schemas.facts import NodeData
from schemas.refs import Kind, parse_ref
from schemas.validation import check_node
from tests.scanners.test_corpus import corpus_dir

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "portfolio"


def _prove(root: Path) -> int:
    """Check (1)-(3) for every carried instance of a scan of *root*; how many there were."""
    carried = 0
    for result in scan_directory(root).results:
        for node in result.nodes:
            if node.checked is None:
                continue
            carried += 1
            kind, slug = parse_ref(node.ref)
            model = ELEMENT_MODELS[kind]
            assert type(node.checked) is model, node.ref
            assert node.checked.slug == slug, node.ref
            assert node.checked.properties() == node.properties, node.ref
            again = model.model_validate({**node.properties, "slug": slug})
            assert again.properties() == node.properties, node.ref
            check_node(node.ref, node.properties)  # the full check accepts it too
    return carried


@pytest.mark.corpus
def test_every_scanned_corpus_element_passes_the_full_check_it_skips() -> None:
    assert _prove(corpus_dir(".")) > 100


def test_every_scanned_example_element_passes_the_full_check_it_skips() -> None:
    assert _prove(EXAMPLES) > 10


def test_only_nodes_described_once_carry_their_instance() -> None:
    builder = ResultBuilder("manifest", "x.yaml")
    builder.element(Kind.COMPONENT, "once", {"name": "Once"})
    builder.element(Kind.COMPONENT, "twice", {"name": "First"})
    builder.element(Kind.COMPONENT, "twice", {"type": "library"})  # merged: no one instance
    builder.edge("component:once", EdgeType.DEPENDS_ON, "component:stub")
    nodes = {n.ref: n for n in builder.build().nodes}
    assert isinstance(nodes["component:once"].checked, Component)
    assert nodes["component:twice"].checked is None
    assert nodes["component:stub"].checked is None
    assert nodes["component:twice"].properties == {"name": "First", "type": "library"}


def test_a_repeated_ref_in_one_batch_is_validated_in_full() -> None:
    first = Component.model_validate({"slug": "a", "name": "A"})
    node_map, _ = prepare_batch(
        "s",
        [NodeData("component:a", first.properties(), first), NodeData("component:a", {})],
        [],
        None,
    )
    assert node_map["component:a"].checked is None
    single, _ = prepare_batch("s", [NodeData("component:a", first.properties(), first)], [], None)
    assert single["component:a"].checked is first


def test_an_instance_that_does_not_vouch_for_the_node_is_no_excuse() -> None:
    api = Api.model_validate({"slug": "a"})
    bad = {"tier": "not a number"}
    for ref, checked in (
        ("component:a", api),  # another kind's model
        ("api:b", api),  # another slug
        ("api:a", None),
    ):
        with pytest.raises(InvalidInputError):
            check_node(ref, {"type": "bogus"} if ref.startswith("api") else bad, checked=checked)


def test_a_carried_instance_skips_only_the_model() -> None:
    comp = Component.model_validate({"slug": "a", "name": "A"})
    with pytest.raises(InvalidInputError):
        check_node("component:Not A Slug", comp.properties(), checked=comp)
    with pytest.raises(InvalidInputError) as caught:
        check_node("component:a", {"name": "A", "x": 2**70}, max_int_bits=64, checked=comp)
    assert caught.value.code == "value_out_of_range"


def test_the_store_refuses_a_node_its_instance_does_not_vouch_for(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "g.db"))
    try:
        other = Component.model_validate({"slug": "other"})
        with pytest.raises(InvalidInputError):
            store.replace_source("s", [NodeData("component:a", {"type": "bogus"}, other)], [])
        assert list(store.iter_nodes()) == []
    finally:
        store.close()
