"""The dependency rule of docs/architecture.md: the import contracts in pyproject.toml, and the pure
telephony parts staying free of the ORM when really imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    # The checkout under test, ahead of whatever copy of the packages is installed.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _lint_imports() -> str:
    beside = Path(sys.executable).with_name("lint-imports")
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is missing: install the test extras"
    return found


def test_import_contracts_are_kept() -> None:
    run = subprocess.run([_lint_imports(), "--no-cache"], cwd=ROOT, env=_env(), capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_the_tracker_loads_no_orm() -> None:
    """What the call tracker, the AMI client and the FastAGI protocol bring in, in a fresh interpreter:
    package ``__init__`` modules run too, which the contracts do not see."""
    code = (
        "import json, sys\n"
        "import telephony.tracker, telephony.ami.client, telephony.ami.protocol, telephony.agi.protocol\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                         timeout=60, check=True)
    loaded = set(json.loads(run.stdout))
    assert "telephony.tracker.tracker" in loaded
    orm = sorted(m for m in loaded if m.split(".")[0] == "sqlalchemy" or m.startswith(("callcenter.models",
                                                                                    "callcenter.db")))
    assert orm == []


def test_the_pacer_loads_no_orm() -> None:
    """The pacer, the shift simulator, the call windows, the retries, the operators' board and a campaign's
    run, in a fresh interpreter: no ORM and no event loop."""
    code = (
        "import json, sys\n"
        "import dialer.pacing, dialer.simulation, dialer.scenario, dialer.windows, dialer.retries, dialer.agents\n"
        "import dialer.run\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                         timeout=60, check=True)
    loaded = set(json.loads(run.stdout))
    assert {"dialer.pacing", "dialer.budget", "dialer.forecast", "dialer.simulation", "dialer.windows",
            "dialer.agents", "dialer.run"} <= loaded
    heavy = sorted(m for m in loaded if m.split(".")[0] in ("sqlalchemy", "asyncio")
                   or m.startswith(("callcenter.models", "callcenter.db")))
    assert heavy == []
