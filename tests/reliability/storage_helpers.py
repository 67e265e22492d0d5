"""What the reliability tests share: the real ``neurolake`` command in its own process, a
small tmpfs to fill or make read-only, and checks that an error reached the user cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neurolake.api import create_app
from neurolake.api.deps import get_settings
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import load_settings
from neurolake.platform import NeuroLake

NEUROLAKE = Path(sys.executable).with_name("neurolake")
IN_CI = os.environ.get("CI", "").lower() == "true"
#: What must never reach a user: Python tracebacks and Rust panic text.
LEAKS = ("Traceback (most recent call last)", "panicked at", "RUST_BACKTRACE", "stack backtrace")


@dataclass(frozen=True)
class Run:
    """One finished ``neurolake`` process."""

    code: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("Error:")]


def cli_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment of a ``neurolake`` process on ``home`` (plus NEUROLAKE_* settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEUROLAKE_") or k.startswith("NEUROLAKE_TEST_")}
    env.update(NEUROLAKE_HOME=str(home), COLUMNS="200")
    env.update(settings)
    return env


#: Runs a command as root without root's licence to ignore file modes (so chmod 000 denies).
WITHOUT_FILE_MODE_OVERRIDE = [
    "setpriv",
    "--bounding-set",
    "-dac_override,-dac_read_search",
    "--inh-caps",
    "-dac_override,-dac_read_search",
    "--",
]


def start_cli(home: Path, *args: str, obey_file_modes: bool = False, **settings: str) -> subprocess.Popen[str]:
    prefix = WITHOUT_FILE_MODE_OVERRIDE if obey_file_modes and os.geteuid() == 0 else []
    return subprocess.Popen(
        [*prefix, str(NEUROLAKE), *args],
        env=cli_env(home, **settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(home: Path, *args: str, timeout: float = 180, obey_file_modes: bool = False, **settings: str) -> Run:
    """Run ``neurolake ARGS`` to the end, as a person would in a terminal (``obey_file_modes``:
    as a user that file modes bind, even when the tests run as root)."""
    process = start_cli(home, *args, obey_file_modes=obey_file_modes, **settings)
    out, err = process.communicate(timeout=timeout)
    return Run(process.returncode, out, err)


def assert_one_clear_error(run: Run, *phrases: str) -> str:
    """The run failed with exactly one ``Error:`` line holding ``phrases``, and leaked nothing."""
    assert run.code == 1, run
    for leak in LEAKS:
        assert leak not in run.err + run.out, run
    lines = run.error_lines()
    assert len(lines) == 1, run
    for phrase in phrases:
        assert phrase in lines[0], run
    return lines[0]


def cannot_simulate(reason: str) -> None:
    """Fail under CI (the case must be proven there), skip on a machine that cannot simulate it."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this failure mode must be simulated)")
    pytest.skip(reason)


@contextmanager
def small_tmpfs(size: str = "8m") -> Iterator[Path]:
    """A freshly mounted tmpfs of ``size`` (a disk that fills up, or can be made read-only)."""
    where = Path("/tmp") / f"nl-tmpfs-{uuid.uuid4().hex[:8]}"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        where.rmdir()
        cannot_simulate(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
        where.rmdir()


def require_file_modes_to_bind(locked: Path) -> None:
    """Make sure a command run with ``obey_file_modes`` really cannot read ``locked`` (mode 000)."""
    prefix = WITHOUT_FILE_MODE_OVERRIDE if os.geteuid() == 0 else []
    try:
        probe = subprocess.run([*prefix, "ls", str(locked)], capture_output=True)
    except FileNotFoundError:
        cannot_simulate("setpriv is not installed, so root cannot be made to obey file modes")
    if probe.returncode == 0:
        cannot_simulate(f"{locked} is still readable with mode 000")


def make_read_only(mount: Path) -> None:
    """Remount ``mount`` read-only (root ignores file modes, so chmod would prove nothing)."""
    done = subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True)
    if done.returncode != 0:
        cannot_simulate(f"cannot remount {mount} read-only: {done.stderr.decode().strip()}")
    probe = mount / "probe"
    try:
        probe.write_text("x")
    except OSError:
        return
    probe.unlink()
    cannot_simulate(f"{mount} still accepts writes after a read-only remount")


@dataclass(frozen=True)
class ApiUnderTest:
    """The real FastAPI app on a temporary home, with an admin's key."""

    client: TestClient
    platform: NeuroLake
    headers: dict[str, str]


@contextmanager
def admin_api(home: Path) -> Iterator[ApiUnderTest]:
    """The API app on ``home`` through FastAPI's test client, and an admin key for it."""
    settings = load_settings(home=home, environment="test")
    app = create_app(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        platform = app.state.api.platform(settings)
        with platform.catalog.session() as session:
            key = users_repo.create_user(session, "admin", role="admin")[1]
        yield ApiUnderTest(client, platform, {"Authorization": f"Bearer {key}"})
