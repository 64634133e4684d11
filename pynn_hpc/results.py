"""Results of a run: written atomically, only by MPI rank 0 (into the staging directory of
:mod:`pynn_hpc.rundir`, swapped in when complete)."""
import json
import math
import os
import tempfile
from pathlib import Path


def prepare_output(path):
    """Create ``path`` if needed and check it is writable, before any simulation starts
    (:func:`pynn_hpc.rundir.writable`)."""
    from .rundir import writable
    return writable(path)


def _atomic_write(path, write):
    """Call ``write(f)`` on a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)       # as open() would make it, not mkstemp's 0600
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _atomic_nix(path, block):
    """Write ``block`` as Neo's NixIO writes it (:func:`.nix.write_block`, faster) to a
    temporary file beside ``path``, then rename it."""
    from .nix import write_block
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        write_block(tmp, block)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: spike file formats of ``write``: name -> file name
SPIKE_FILES = {"nix": "spikes.nix", "pickle": "spikes.pkl"}


def write(output, results, block=None, spikes_format="nix"):
    """Write the spikes (``spikes.nix``, a Neo Block in NIX, ``neo.io.NixIO``; or with
    ``spikes_format="pickle"`` ``spikes.pkl``, ``neo.io.PickleIO``), ``weights_EE.npy`` (the
    E->E weight sample in nA, from ``results["weights_EE_sample"]``) then ``results.json``.

    ``results.json`` is written last: when it exists, the run is complete.  It names the
    spike file in ``spikes_file``.
    """
    output = Path(output)
    results = dict(results)
    sample = results.pop("weights_EE_sample", None)
    if block is not None:
        name = SPIKE_FILES[spikes_format]
        if spikes_format == "nix":
            _atomic_nix(output / name, block)
        else:
            import pickle
            _atomic_write(output / name, lambda f: pickle.dump(block, f))
        results["spikes_file"] = name
    if sample is not None:
        import numpy as np
        _atomic_write(output / "weights_EE.npy", lambda f: np.save(f, np.asarray(sample)))
        results["weights_file"] = "weights_EE.npy"
    return write_json(output / "results.json", results)


def _plain(value):
    """The data as JSON can hold it: numpy arrays and scalars as lists and numbers, NaN and
    infinities as null (bare NaN is not JSON: jq, browsers and strict parsers refuse it)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):                # numpy arrays and scalars
        return _plain(value.tolist())
    if isinstance(value, float) or (isinstance(value, (int, str, bool)) or value is None):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    return _plain(float(value))


def write_json(path, data):
    """Write ``data`` as strict JSON (NaN and infinities as null) to ``path`` atomically."""
    text = json.dumps(_plain(data), indent=2, allow_nan=False) + "\n"
    _atomic_write(path, lambda f: f.write(text.encode()))
    return path


def write_bytes(path, data):
    """Write ``data`` (bytes) to ``path`` atomically."""
    _atomic_write(path, lambda f: f.write(data))
    return path


def read(output):
    return json.loads((Path(output) / "results.json").read_text())
