"""Results of a run: written atomically, only by MPI rank 0."""
import json
import os
import tempfile
from pathlib import Path

from .derived import ParameterError


def prepare_output(path):
    """Create ``path`` if needed and check it is writable, before any simulation starts."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe-"):
            pass
    except OSError as err:
        raise ParameterError(
            f"--output {path} cannot be written ({err.strerror}): choose a writable directory")
    return path


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


def write(output, results, block=None):
    """Write ``spikes.pkl`` (a Neo Block, PickleIO), ``weights_EE.npy`` (the E->E weight
    sample in nA, from ``results["weights_EE_sample"]``) then ``results.json``.

    ``results.json`` is written last: when it exists, the run is complete.
    """
    output = Path(output)
    results = dict(results)
    sample = results.pop("weights_EE_sample", None)
    if block is not None:
        import pickle
        _atomic_write(output / "spikes.pkl", lambda f: pickle.dump(block, f))
        results["spikes_file"] = "spikes.pkl"
    if sample is not None:
        import numpy as np
        _atomic_write(output / "weights_EE.npy", lambda f: np.save(f, np.asarray(sample)))
        results["weights_file"] = "weights_EE.npy"
    return write_json(output / "results.json", results)


def _plain(value):
    """numpy arrays and scalars as JSON lists and numbers."""
    return value.tolist() if hasattr(value, "tolist") else float(value)


def write_json(path, data):
    """Write ``data`` as JSON to ``path`` atomically."""
    text = json.dumps(data, indent=2, default=_plain) + "\n"
    _atomic_write(path, lambda f: f.write(text.encode()))
    return path


def write_bytes(path, data):
    """Write ``data`` (bytes) to ``path`` atomically."""
    _atomic_write(path, lambda f: f.write(data))
    return path


def read(output):
    return json.loads((Path(output) / "results.json").read_text())
