"""The NMODL mechanisms: compiled once into a cache keyed by a hash; a failing build is one line."""
import subprocess
import sys

import neuron
import pyNN

from conftest import in_fresh_process


def test_mechanisms_are_cached_under_their_hash(neuron_sim):
    from pynn_hpc.backends.neuron import mechanisms
    target = mechanisms.ensure_built(neuron.__version__, pyNN.__version__)
    assert target.name == mechanisms.digest(neuron.__version__, pyNN.__version__)
    assert mechanisms.library(target) is not None
    assert str(target) in neuron.nrn_dll_loaded
    names = {f.name for f in mechanisms.sources()}
    assert {"AlphaISynExact.mod", "SynapticMatrix.mod", "refrac.mod", "vecstim.mod"} <= names
    assert mechanisms.ensure_built(neuron.__version__, pyNN.__version__) == target   # no rebuild
    assert not [name for name in names if "spinnaker" in name.lower()]


def neuron_backend_alone():
    """What loading the NEURON backend alone puts into NEURON and Python."""
    from pynn_hpc import backends
    backends.load("neuron")
    from neuron import h
    from pynn_hpc.backends.neuron import mechanisms
    return {"mechanisms": [name for name in ("SynapticMatrix", "AlphaISynExact",
                                             "SpiNNakerLIFAlpha", "SpiNNakerPairRule")
                           if hasattr(h, name)],
            "modules": sorted(m for m in sys.modules if "spinnaker" in m.lower()),
            "headers": [sorted(found) for found in mechanisms.headers()]}


def test_the_neuron_backend_alone_has_no_spinnaker_mechanism():
    """The emulation's mechanisms are its own library, loaded only by it (a fresh process)."""
    alone = in_fresh_process("test_neuron_build", "neuron_backend_alone")
    assert alone["mechanisms"] == ["SynapticMatrix", "AlphaISynExact"]
    assert alone["modules"] == []
    assert alone["headers"] == [["synaptic_matrix.h"]]         # no SpiNNaker C on its path


def test_no_compiler_is_a_one_line_error(tmp_path):
    """An empty cache and no C/C++ compiler: nrnivmodl fails, the CLI says so in one line."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYNN_HPC_NRNMECH_DIR": str(tmp_path / "cache"),
           "CXX": "/nonexistent/c++", "CC": "/nonexistent/cc"}
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "pynn_hpc.cli", "run", "--backend", "neuron",
                        "--scale", "0.002", "--output", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("compiling NEURON mechanisms into"), p.stderr
    lines = lines[1:]                                         # after the progress line, one error line
    assert "nrnivmodl" in lines[0] and "compiler" in lines[0], p.stderr
    assert "/nonexistent/c++" in lines[0]                     # the tail of nrnivmodl's output
    assert "Traceback" not in p.stderr and not out.exists()
    assert not list((tmp_path / "cache").glob("*/*/libnrnmech*"))   # nothing half-built left
