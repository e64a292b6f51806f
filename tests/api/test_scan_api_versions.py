"""The API's scan response says how two versions of one API were told apart (both stores)."""

from __future__ import annotations

from tests.api.conftest import ApiClient
from tests.scanners.test_backstage_versions import OPENAPI, SWAGGER, _entity


def test_the_api_scan_response_says_how_they_were_told_apart(api: ApiClient) -> None:
    body = {
        "files": [
            {"name": "repo/a/swagger.yaml", "content": SWAGGER},
            {"name": "repo/catalog-info.yaml", "content": _entity("pets", OPENAPI)},
        ]
    }
    response = api.post("/api/v1/scans", json=body)
    assert response.status_code == 200, response.text
    source = next(s for s in response.json()["sources"] if s["file"] == "repo/a/swagger.yaml")
    [warning] = [w for w in source["warnings"] if w["code"] == "api.versions-apart"]
    assert "api:pets-swagger2" in warning["message"]
    assert "Backstage entity api:default/pets" in warning["message"]
    assert api.get("/api/v1/elements/api:pets").status_code == 200
    swagger = api.get("/api/v1/elements/api:pets-swagger2")
    assert swagger.status_code == 200
