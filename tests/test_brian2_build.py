"""Brian2 without a working compiler: ``pynn-hpc run`` and ``replay`` say so in one line, exit 2.

The compiler is made unusable for Brian2 only: CC and CXX name a missing program and Brian2's
Cython cache is an empty directory (its ``brian_preferences`` file in the working directory),
so that nothing compiled earlier is found; the C++ standalone mode's make takes $CXX too.
"""
import os
import subprocess
import sys

import pytest


@pytest.fixture
def no_compiler(tmp_path):
    (tmp_path / "brian_preferences").write_text(
        f"codegen.runtime.cython.cache_dir = '{tmp_path / 'cache'}'\n")
    env = dict(os.environ, CC="/nonexistent/cc", CXX="/nonexistent/c++")
    env.pop("PYNN_HPC_BRIAN2_TARGET", None)
    return tmp_path, env


@pytest.mark.parametrize("command", [
    ["run", "--backend", "brian2", "--preset", "teaching", "--quiet", "--output", "out"],
    ["replay", "--backends", "brian2", "--rate", "20", "--duration", "200"],
    ["run", "--backend", "brian2:standalone", "--preset", "teaching", "--quiet", "--output",
     "out"]],
    ids=["run", "replay", "standalone"])
def test_compiler_failure_is_one_line_exit_2(no_compiler, command):
    where, env = no_compiler
    p = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", *command], cwd=where, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 2, p.stderr[-2000:]
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot compile" in lines[0], p.stderr[-2000:]
    assert not (where / "out" / "results.json").exists()
