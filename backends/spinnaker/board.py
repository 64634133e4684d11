"""Which SpiNNaker machine a run uses, and whether it answers, before sPyNNaker is asked.

sPyNNaker reads ``.spynnaker.cfg`` from the home directory (or ``appdirs``' user/site config
directories); without one it writes a template there and stops.  We never let it: without a
user config the backend gives sPyNNaker a temporary one (removed at exit) for a **virtual
board** (``virtual_board = True``, ``version = 5``), with its reports in
``${XDG_CACHE_HOME:-~/.cache}/pynn_hpc/spinnaker_reports`` (the last 5 runs').  A user config
is used as it is (a board by ``machine_name`` + ``version``, or a ``spalloc_server``), with
sPyNNaker's reports where that config puts them.  Where the reports go must be writable
(:func:`check_writable`, before anything is built or written).

A configured board must answer within :data:`PROBE_TIMEOUT_S` seconds, or the run stops
with one line naming the address (sPyNNaker itself would retry for minutes):

* ``machine_name``: an SCP "version" request to SCAMP (UDP 17893) on chip (0, 0);
  the board must be booted, or ``PYNN_HPC_SPINNAKER_NO_PROBE=1`` skips the probe;
* ``spalloc_server``: a TCP connection to the server's host and port.
"""
import atexit
import configparser
import contextlib
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass
from urllib.parse import urlparse

import appdirs

from pynn_hpc.errors import ParameterError

CONFIG_NAME = ".spynnaker.cfg"
PROBE_TIMEOUT_S = 5.0
SCAMP_PORT = 17893          # spinnman.constants.SCP_SCAMP_PORT
SPALLOC_PORT = 22244        # spinn_front_end_common's default [Machine] spalloc_port


@dataclass(frozen=True)
class Machine:
    """The machine sPyNNaker will use: ``kind`` is "virtual", "board" or "spalloc"."""
    kind: str
    version: int | None
    address: str | None
    config_file: str | None     # the user's config, or None for our temporary virtual board

    @property
    def virtual(self):
        return self.kind == "virtual"

    def describe(self):
        if self.virtual:
            source = self.config_file or "a temporary config written by pynn_hpc"
            return f"virtual board, version {self.version} ({source})"
        return f"{self.kind} {self.address} (version {self.version}, {self.config_file})"


def user_config():
    """The user's ``.spynnaker.cfg`` as sPyNNaker looks for it, or None."""
    places = [os.path.join(appdirs.site_config_dir(), CONFIG_NAME),
              os.path.join(appdirs.user_config_dir(), CONFIG_NAME),
              os.path.join(os.path.expanduser("~"), CONFIG_NAME)]
    found = [p for p in places if os.path.isfile(p)]
    if len(found) > 1:
        raise ParameterError(f"two sPyNNaker configs, {found[0]} and {found[1]}: keep one")
    return found[0] if found else None


def _none(value):
    return None if value is None or value.strip() in ("", "None") else value.strip()


def configured():
    """The machine the user's config (or our default) describes."""
    path = user_config()
    if path is None:
        return Machine("virtual", 5, None, None)
    cfg = configparser.ConfigParser(inline_comment_prefixes=("#",))
    try:
        cfg.read(path)
    except configparser.Error as err:
        raise ParameterError(f"cannot read {path}: {err}") from None

    def get(option):
        return _none(cfg.get("Machine", option, fallback=None))

    version = get("version")
    try:
        version = int(version) if version is not None else None
    except ValueError:
        raise ParameterError(f"{path}: [Machine] version must be a number (got {version})") from None
    if (get("virtual_board") or "False").lower() == "true":
        return Machine("virtual", version, None, path)
    if get("spalloc_server"):
        return Machine("spalloc", version, get("spalloc_server"), path)
    if get("machine_name"):
        if version is None:
            raise ParameterError(f"{path}: [Machine] machine_name needs a version (5 for a "
                                 "48-chip board, 3 for a 4-chip one)")
        return Machine("board", version, get("machine_name"), path)
    raise ParameterError(f"{path} names no machine: set [Machine] machine_name and version, "
                         "spalloc_server, or virtual_board = True with version = 5")


def probe(machine, timeout=PROBE_TIMEOUT_S):
    """Raise ParameterError naming the address unless the configured board answers in time."""
    if machine.virtual or os.environ.get("PYNN_HPC_SPINNAKER_NO_PROBE"):
        return
    if machine.kind == "spalloc":
        url = urlparse(machine.address if "://" in machine.address else "//" + machine.address)
        port = url.port or {"http": 80, "https": 443}.get(url.scheme, SPALLOC_PORT)
        try:
            with socket.create_connection((url.hostname, port), timeout=timeout):
                return
        except OSError as err:
            raise ParameterError(
                f"the spalloc server {url.hostname}:{port} ({machine.config_file}) did not "
                f"answer within {timeout:g} s ({err}): check the address or the network") from None
    from spinnman.messages.scp.impl import GetVersion
    message = GetVersion(0, 0, 0)
    message.sdp_header.update_for_send(0, 0)        # as spinnman's SCAMPConnection does
    request = b"\x00\x00" + message.bytestring
    try:
        address = socket.gethostbyname(machine.address)
    except OSError:
        raise ParameterError(f"the SpiNNaker board '{machine.address}' ({machine.config_file}) "
                             "has no address: check [Machine] machine_name") from None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout / 2)
        for _ in range(2):
            try:
                s.sendto(request, (address, SCAMP_PORT))
                s.recvfrom(512)
                return
            except OSError:
                continue
    raise ParameterError(
        f"the SpiNNaker board {machine.address} ({machine.config_file}) did not answer SCP on "
        f"UDP {SCAMP_PORT} within {timeout:g} s: check that it is powered, booted and "
        "reachable (PYNN_HPC_SPINNAKER_NO_PROBE=1 skips this check)")


_tmpdir = None


def _temporary_dir():
    global _tmpdir
    if _tmpdir is None:
        _tmpdir = tempfile.mkdtemp(prefix="pynn_hpc_spinnaker_")
        atexit.register(shutil.rmtree, _tmpdir, True)
    return _tmpdir


def reports_dir():
    """Where sPyNNaker's reports of a virtual-board run go (it keeps the last 5 runs')."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "pynn_hpc", "spinnaker_reports")


def _unwritable(directory):
    """Why ``directory`` can neither be written nor created (None if it can; nothing is
    created): the nearest existing directory on its way must be a writable directory."""
    path = os.path.abspath(directory)
    while not os.path.exists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        return f"{path} is not a directory"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"{path} is not writable"
    return None


def report_parent(machine):
    """(the directory sPyNNaker writes its ``reports`` folder into, what to change for another
    one): ours (:func:`reports_dir`) for a virtual board without a user config, else the user
    config's ``[Reports] default_report_file_path`` (``DEFAULT``: the current directory)."""
    if machine.config_file is None:
        which = "XDG_CACHE_HOME" if os.environ.get("XDG_CACHE_HOME") else "XDG_CACHE_HOME (or HOME)"
        return reports_dir(), f"set {which} to a writable directory"
    cfg = configparser.ConfigParser(inline_comment_prefixes=("#",))
    cfg.read(machine.config_file)
    path = _none(cfg.get("Reports", "default_report_file_path", fallback=None)) or "DEFAULT"
    hint = (f"set [Reports] default_report_file_path in {machine.config_file} to a writable "
            "directory")
    if path == "DEFAULT":
        return os.getcwd(), hint + ", or run from a writable directory"
    return path, hint


def check_writable(machine):
    """ParameterError (one line: the directory, what to do) unless sPyNNaker can write its
    reports and databases where ``machine``'s config puts them, and (for our virtual board)
    the temporary config can be written.  Nothing is created."""
    parent, hint = report_parent(machine)
    why = _unwritable(parent)
    if why:
        raise ParameterError(f"sPyNNaker cannot write its reports into {parent} ({why}): {hint}")
    if machine.config_file is None and _tmpdir is None:
        try:
            tempfile.gettempdir()   # (tries to write there, else the next candidate)
        except OSError as err:
            raise ParameterError(f"no writable temporary directory for sPyNNaker's config "
                                 f"({err}): set TMPDIR to a writable directory") from None


def virtual_config():
    """A temporary config file for a virtual board (version 5: 48-chip boards, as many as the
    network needs), sPyNNaker's reports in :func:`reports_dir`."""
    path = os.path.join(_temporary_dir(), "spynnaker.cfg")
    with open(path, "w") as f:
        f.write("[Machine]\nvirtual_board = True\nversion = 5\n\n"
                f"[Reports]\ndefault_report_file_path = {reports_dir()}\nmax_reports_kept = 5\n\n"
                "[Mode]\nmode = Production\n\n[Logging]\ndefault = warning\n")
    return path


@contextlib.contextmanager
def spynnaker_configured(machine):
    """Within: sPyNNaker's ``setup`` reads our virtual-board config when the user has none.

    sPyNNaker's ``SpiNNaker.__init__`` calls ``setup_configs`` (package defaults, then the
    user's file, or: write a template to ~ and raise).  Without a user file we give it the
    package defaults plus our file as the last default, and no user file to look for.
    """
    from spynnaker.pyNN import spinnaker as sim_module
    original = sim_module.setup_configs
    if machine.config_file is not None:
        yield
        return

    def setup_configs():
        from spinn_utilities.config_holder import add_default_cfg, clear_cfg_files, set_cfg_files
        from spinn_front_end_common.interface.config_setup import add_spinnaker_cfg
        from spynnaker.pyNN import config_setup
        clear_cfg_files(False)
        add_spinnaker_cfg()
        set_cfg_files(config_file=None, default=os.path.join(
            os.path.dirname(config_setup.__file__), config_setup.CONFIG_FILE_NAME))
        add_default_cfg(virtual_config())

    sim_module.setup_configs = setup_configs
    try:
        yield
    finally:
        sim_module.setup_configs = original
