"""`make test` on a fresh machine (issue 10): the browser tests need Debian's Chromium, so the
Makefile installs it when it is missing and it runs as root (CI, a container), and otherwise
says exactly what to install and stops. The same step serves CI (.ci/run calls `make test`).

apt-get and id are stand-ins on PATH: the tests see what would be run, and nothing is installed.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from portal.config import ROOT


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _make_chromium(tmp_path: Path, *, uid: int, apt_works: bool = True, present: bool = False):
    """``make chromium`` with a stand-in apt-get (it 'installs' chromium when it works)."""
    chromium, log, bin_dir = tmp_path / "chromium", tmp_path / "apt.log", tmp_path / "bin"
    bin_dir.mkdir()
    _script(bin_dir / "id", f'[ "$1" = -u ] && echo {uid} || echo "uid={uid}"\n')
    install = f'touch "{chromium}"; chmod +x "{chromium}"' if apt_works else "exit 100"
    _script(bin_dir / "apt-get", f'echo "$*" >> "{log}"\ncase "$*" in *install*) {install};; esac\n')
    if present:
        _script(chromium, "exit 0\n")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    env.pop("E2E_CHROMIUM", None)
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "chromium", f"CHROMIUM={chromium}"],
                            env=env, capture_output=True, text=True, timeout=60)
    return result, (log.read_text().splitlines() if log.exists() else []), chromium


def test_as_root_a_missing_chromium_is_installed_from_debian(tmp_path):
    result, apt, chromium = _make_chromium(tmp_path, uid=0)
    assert result.returncode == 0, result.stderr
    assert apt[0].startswith("update") and "install" in apt[1] and apt[1].split()[-1] == "chromium"
    assert "-y" in apt[1].split() and chromium.exists()


def test_without_root_it_says_what_to_install_and_fails(tmp_path):
    result, apt, _ = _make_chromium(tmp_path, uid=1000)
    assert result.returncode != 0
    assert "apt-get install chromium" in result.stderr and "CHROMIUM=" in result.stderr
    assert apt == []  # nothing was tried


def test_a_failed_install_fails_with_a_message(tmp_path):
    result, apt, _ = _make_chromium(tmp_path, uid=0, apt_works=False)
    assert result.returncode != 0 and "could not install chromium" in result.stderr


def test_a_chromium_already_there_is_used_as_it_is(tmp_path):
    result, apt, _ = _make_chromium(tmp_path, uid=0, present=True)
    assert result.returncode == 0 and apt == []


def test_make_test_gets_chromium_before_it_runs_the_suite():
    dry = subprocess.run(["make", "--no-print-directory", "-n", "-C", str(ROOT), "test", "CHROMIUM=/nowhere/chromium"],
                         capture_output=True, text=True, timeout=60).stdout
    assert "apt-get install -y -qq chromium" in dry
    assert dry.index("apt-get install") < dry.index("-m pytest")


def test_ci_relies_on_make_test_for_chromium():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get" not in ci and "make test" in ci
