"""The Makefile on a fresh machine: `make demo`, the README's first command, must work the first time, so nothing
may read pkg-config before `make deps` has installed the packages it describes."""
import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("target", ["demo", "test", "asan"])
def test_pkg_config_is_read_only_after_deps(tmp_path, target):
    real = shutil.which("pkg-config")
    assert real, "pkg-config is needed to build pgshift"
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "calls.log"
    (fake / "pkg-config").write_text(f'#!/bin/sh\necho "level=${{MAKELEVEL:-0}} $*" >> {log}\nexec {real} "$@"\n')
    (fake / "pkg-config").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    # -B: every target as out of date, so that the compile shows even where a build is already there
    p = subprocess.run(["make", "-n", "-B", target, f"BUILD={tmp_path / 'build'}"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    calls = log.read_text().splitlines() if log.exists() else []
    # the make that runs deps must not have read pkg-config: on a fresh machine it is not there yet
    assert not [c for c in calls if c.startswith("level=0 ")], calls
    out = p.stdout
    assert "sh scripts/deps.sh" in out and "cc " in out, out
    assert out.index("sh scripts/deps.sh") < out.index("cc "), out
    # the build that follows deps gets the flags
    assert any("--cflags libpq" in c for c in calls), calls
