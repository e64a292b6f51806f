"""The OpenAPI document is the contract: Schemathesis, with every check, against a
live server holding the example portfolio, finds nothing.

It generates requests from ``/openapi.json`` (valid ones, and ones the schema
forbids), in every phase (examples, coverage, fuzzing, stateful), and checks
each answer: no 5xx, only documented statuses, content types and headers,
valid data accepted, invalid data refused, ``Allow`` on 405, auth enforced.
``schemathesis.toml`` beside this file names the few rules JSON Schema cannot
state and why. The run is bounded (examples per operation, fixed seed) so CI
stays fast; ``ARCHGRAPH_SCHEMATHESIS_EXAMPLES`` raises it for a deeper run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.cli import main
from app.settings import Settings
from tests.api.live_server import live_server

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "portfolio"
ADMIN = "contract-admin-0123456789"


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    assert main(["--data-dir", str(data_dir), "scan", str(EXAMPLE)]) == 0
    settings = Settings(data_dir=data_dir, api_keys=f"admin:admin:{ADMIN}")
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st is not None, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    examples = os.environ.get("ARCHGRAPH_SCHEMATHESIS_EXAMPLES", "12")
    with live_server(None, settings) as url:
        run = subprocess.run(
            [
                st,
                "--config-file",
                str(HERE / "schemathesis.toml"),
                "run",
                f"{url}/openapi.json",
                "--checks",
                "all",
                "--header",
                f"Authorization: Bearer {ADMIN}",
                "--max-examples",
                examples,
                "--seed",
                "20261122",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=tmp_path,
        )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20_000:]
    assert "No issues found" in report or " passed" in report, report[-5_000:]
