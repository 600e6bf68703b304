"""Helpers shared by tests that start Opora in a separate process."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Variables of the test process that must not leak into a process started with other settings.
_TEST_ONLY = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(var_dir: Path, *args: str, environment: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process with OPORA_ENVIRONMENT=``environment`` and its data in ``var_dir``."""
    clean = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
    clean.update({"OPORA_ENVIRONMENT": environment, "OPORA_VAR_DIR": str(var_dir)}, **env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True, env=clean, check=False
    )


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]
