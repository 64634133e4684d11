"""Spike trains in NIX, laid out exactly as Neo's ``NixIO`` lays them out, written and read fast.

A run's ``spikes.nix`` is the Neo Block PyNN records (one segment, one ``SpikeTrain`` per
recorded neuron, annotated with ``source_population``, ``source_index``, ``channel_id``), in
the file Neo's ``NixIO`` writes: a colleague opens it with ``neo.io.NixIO(path).read_block()``.
Neo writes it object by object through nixio, in about 40 s for 1,000 trains (the teaching
network simulates in under a second), and reads it in about 20 s.  Here the same HDF5
objects are made directly:

* :func:`write_block`: Neo's ``NixIO`` writes the Block with its segments but without their
  spike trains (so Block and Segment metadata are Neo's own), then each train is added as
  ``NixIO._write_spiketrain`` adds it (neo 0.14): a DataArray ``<nix_name>.times`` (type
  ``neo.spiketrain.times``, its unit), a MultiTag ``<nix_name>`` (type ``neo.spiketrain``)
  with it as positions, linked into the segment's group, and a metadata section
  ``<nix_name>`` under the segment's section holding ``neo_name``, ``t_start``, ``t_stop``
  (with unit) and every annotation as a property.  Blocks holding anything else that Neo
  writes (waveforms, array annotations, Neo groups, annotation values other than strings and
  numbers) are written by Neo's ``NixIO`` whole.
* :func:`read_spiketrains`: the segment's trains in its order, with times, unit, t_start,
  t_stop, name and annotations as ``NixIO.read_block`` gives them; None for a file of another
  layout (then read it with Neo).

Why it is fast: a train is some 60 HDF5 objects (4 groups, 8 chunked datasets, 46 string
attributes, 3 links), and h5py's high-level API spends more time per object than HDF5 does
(name checks, re-opens, chunk guesses, an attribute made under a temporary name and renamed,
Python objects for every id).  The writer makes each object with one HDF5 call: the property
lists, types, dataspaces and chunk shapes are made once and reused (the chunk shape is h5py's
own guess for ``chunks=True``, reproduced in :func:`_guess_chunk`), the containers are opened
once, and the calls go to HDF5's C functions through ctypes (:class:`_C`, from the very
library h5py is linked with, under h5py's lock), or through h5py's low-level API
(:class:`_H5py`) where those functions cannot be found.  The reader opens each object once
with h5py's low-level API.  1,000 trains of 10 to 50 spikes are written in about 4 s and
read in about 4 s on a shared 2-core machine; what is left is mostly HDF5's own work.

``tests/test_nix.py`` checks both against Neo's ``NixIO``: the same HDF5 tree (names, links
and their character sets, types, shapes, chunks, storage, attributes; ids and timestamps
aside) and the same Block read back, with either way of calling HDF5.
"""

import ctypes
import functools
import numbers
from datetime import datetime, timezone
from uuid import uuid4

import h5py
import numpy as np
from h5py import h5a, h5d, h5g, h5o, h5p, h5s, h5t

#: h5py's variable-length UTF-8 string, nixio's ``util.vlen_str_dtype``
_STR = h5py.string_dtype(encoding="utf-8", length=None)
_ASCII = h5py.string_dtype(encoding="ascii", length=None)


def _guess_chunk(n, itemsize):
    """The chunk length h5py's ``chunks=True`` gives a 1-D dataset of ``n`` elements of
    ``itemsize`` bytes (``h5py._hl.filters.guess_chunk``, h5py 3, reproduced: the same float
    arithmetic, so the same answer; ``tests/test_nix.py`` compares them)."""
    key = (n, itemsize)
    if key not in _CHUNKS:
        chunk = np.float64(n if n != 0 else 1024)      # an empty axis counts as 1024
        target = _CHUNK_BASE * (2 ** np.log10(chunk * itemsize / (1024. * 1024)))
        target = min(max(target, _CHUNK_MIN), _CHUNK_MAX)
        while True:
            nbytes = chunk * itemsize
            if ((nbytes < target or abs(nbytes - target) / target < 0.5)
                    and nbytes < _CHUNK_MAX) or chunk == 1:
                break
            chunk = np.ceil(chunk / 2.0)
        _CHUNKS[key] = int(chunk)
    return _CHUNKS[key]


#: h5py's guess_chunk constants (h5py._hl.filters: CHUNK_BASE, CHUNK_MIN, CHUNK_MAX)
_CHUNK_BASE, _CHUNK_MIN, _CHUNK_MAX = 16 * 1024, 8 * 1024, 1024 * 1024
_CHUNKS = {}


def _value(v):
    """(values, dtype, unit) of one annotation as NixIO._write_property stores it, or None
    when this module does not write that kind of value (then Neo writes the whole file)."""
    import quantities as pq
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return None
    if isinstance(v, str):
        return ([v] if v else []), _STR, None
    if isinstance(v, pq.Quantity) and v.ndim == 0:
        return [float(v.magnitude)], np.float64, _unit(v)
    if isinstance(v, (numbers.Integral, np.integer)):
        return [int(v)], np.int64, None
    if isinstance(v, (numbers.Real, np.floating)):
        return [float(v)], np.float64, None
    return None


def _unit(q):
    """``str(q.dimensionality)``, as Neo writes a unit (quantities formats it anew each time,
    compiling an expression: remembered here)."""
    from quantities.markup import config
    key = (tuple(q.dimensionality.items()), config.use_unicode)
    if key not in _UNITS:
        _UNITS[key] = str(q.dimensionality)
    return _UNITS[key]


_UNITS = {}


def _writable(block):
    """True when every object of ``block`` that has to be written is a kind this module writes."""
    if block.groups:                    # Neo groups reference trains by name: Neo's business
        return False
    for seg in block.segments:
        for st in seg.spiketrains:
            if st.waveforms is not None or st.array_annotations or st.description is not None:
                return False
            if any(_value(v) is None for k, v in st.annotations.items() if k != "nix_name"):
                return False
    return True


class _H5py:
    """The HDF5 calls :class:`_Writer` makes, through h5py's low-level API (objects are h5py
    ids): what h5py's high-level API calls, without its checks, guesses and re-opens."""

    def __init__(self, w):
        self.w = w
        self.str_mtypes = {str: h5t.py_create(_STR), bytes: h5t.py_create(_ASCII)}

    def id(self, oid):
        """How this class holds the h5py id ``oid``."""
        return oid

    def group(self, parent, name):
        return h5g.create(parent, name, gcpl=self.w.gcpl)

    def dataset(self, parent, name, ftype, space, dcpl):
        return h5d.create(parent, name, ftype, space, dcpl=dcpl)

    def write(self, d, mtype, data):
        d.write(h5s.ALL, h5s.ALL, data, mtype=mtype)

    def write_strings(self, d, values):
        d.write(h5s.ALL, h5s.ALL, np.array(values, dtype=_STR), mtype=self.str_mtypes[str])

    def empty(self, d):
        d.set_extent((0,))

    def attr(self, obj, name, ftype, value):
        kind = type(value)
        h5a.create(obj, name, ftype, self.w.scalar).write(
            np.asarray(value, dtype=_STR if kind is str else _ASCII), mtype=self.str_mtypes[kind])

    def link(self, obj, parent, name):
        h5o.link(obj, parent, name, lcpl=self.w.lcpl)

    def close(self, obj, dataset=False):
        pass                            # h5py closes its ids when they are dropped


@functools.lru_cache(maxsize=None)
def _hdf5():
    """HDF5's C functions the writer calls, from the library h5py's modules are linked with
    (so the same library, with h5py's settings); None when they cannot be found that way."""
    if h5py.version.hdf5_version_tuple < (1, 10):
        return None                     # hid_t was an int then
    try:
        lib = ctypes.CDLL(h5a.__file__)
        hid, herr, text, ptr = ctypes.c_int64, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p
        signatures = {"H5Gcreate2": (hid, [hid, text, hid, hid, hid]),
                      "H5Dcreate2": (hid, [hid, text, hid, hid, hid, hid, hid]),
                      "H5Dwrite": (herr, [hid, hid, hid, hid, hid, ptr]),
                      "H5Dset_extent": (herr, [hid, ptr]),
                      "H5Acreate2": (hid, [hid, text, hid, hid, hid, hid]),
                      "H5Awrite": (herr, [hid, hid, ptr]),
                      "H5Lcreate_hard": (herr, [hid, text, hid, text, hid, hid]),
                      "H5Gclose": (herr, [hid]), "H5Dclose": (herr, [hid]),
                      "H5Aclose": (herr, [hid])}
        functions = {}
        for name, (restype, argtypes) in signatures.items():
            f = getattr(lib, name)
            f.restype, f.argtypes, f.errcheck = restype, argtypes, _check
            functions[name] = f
        return functions
    except (OSError, AttributeError):
        return None


def _c_string(text):
    """``text`` as a C string, UTF-8; h5py refuses what a C string cannot hold, so here too."""
    if "\0" in text:
        raise ValueError("Variable-length strings cannot hold NUL characters")
    return text.encode("utf-8")


def _check(result, function, args):
    if result < 0:
        raise OSError(f"HDF5's {function.__name__} failed")
    return result


class _C(_H5py):
    """The same calls made to HDF5's C functions with ctypes (objects are HDF5's integer ids):
    h5py's Python objects, locks and string conversions cost as much as HDF5's own work."""

    def __init__(self, w):
        super().__init__(w)
        self.f = _hdf5()
        # C strings (char *) in memory, UTF-8 and ASCII: HDF5 converts them to the file type
        self.mtypes = {}
        for kind, cset in ((str, h5t.CSET_UTF8), (bytes, h5t.CSET_ASCII)):
            t = h5t.C_S1.copy()
            t.set_size(h5t.VARIABLE)
            t.set_cset(cset)
            self.mtypes[kind] = t
        self.utf8 = self.mtypes[str].id
        self.zero = (ctypes.c_uint64 * 1)(0)
        self.scalar, self.gcpl, self.lcpl = w.scalar.id, w.gcpl.id, w.lcpl.id

    def id(self, oid):
        return oid.id

    def group(self, parent, name):
        return self.f["H5Gcreate2"](parent, name, 0, self.gcpl, 0)

    def dataset(self, parent, name, ftype, space, dcpl):
        return self.f["H5Dcreate2"](parent, name, ftype.id, space.id, 0, dcpl.id, 0)

    def write(self, d, mtype, data):
        self.f["H5Dwrite"](d, mtype.id, 0, 0, 0, data.ctypes.data)

    def write_strings(self, d, values):
        data = (ctypes.c_char_p * len(values))(*(_c_string(v) for v in values))
        self.f["H5Dwrite"](d, self.utf8, 0, 0, 0, data)

    def empty(self, d):
        self.f["H5Dset_extent"](d, self.zero)

    def attr(self, obj, name, ftype, value):
        kind = type(value)
        a = self.f["H5Acreate2"](obj, name, ftype.id, self.scalar, 0, 0)
        try:
            data = ctypes.c_char_p(_c_string(value) if kind is str else value)
            self.f["H5Awrite"](a, self.mtypes[kind].id, ctypes.byref(data))
        finally:
            self.f["H5Aclose"](a)

    def link(self, obj, parent, name):
        self.f["H5Lcreate_hard"](obj, b".", parent, name, self.lcpl, 0)

    def close(self, obj, dataset=False):
        self.f["H5Dclose" if dataset else "H5Gclose"](obj)


#: h5py's lock around HDF5 calls, held while the writer calls HDF5 itself
_phil = h5py._objects.phil


class _Writer:
    """Makes NIX entities (groups and datasets with nixio's attributes) in an open h5py file,
    as h5py's high-level API makes them for nixio, through ``calls``, an :class:`_H5py` or a
    :class:`_C` (the default, when HDF5's functions are found)."""

    def __init__(self, calls=None):
        self.gcpl = h5p.create(h5p.GROUP_CREATE)
        self.gcpl.set_link_creation_order(h5p.CRT_ORDER_TRACKED | h5p.CRT_ORDER_INDEXED)
        # hard links as h5py's ``group[name] = obj`` makes them for ASCII names (all of
        # these: "positions", "metadata", entity ids): its link creation list, ASCII
        self.lcpl = h5p.create(h5p.LINK_CREATE)
        self.lcpl.set_create_intermediate_group(True)
        # every attribute NIX writes here is a scalar variable-length string, UTF-8 (given as
        # a str) or ASCII (bytes); they are made directly (h5py's high-level ``attrs[...] =``
        # makes each under a temporary name and renames it: 3x slower)
        self.scalar = h5s.create(h5s.SCALAR)
        self.str_ftypes = {str: h5t.py_create(_STR, logical=True),
                           bytes: h5t.py_create(_ASCII, logical=True)}
        # nixio's util.time_to_str: UTC, as bytes (so an ASCII string in the file)
        self.now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S").encode()
        # file and memory types and item size of dataset values, by numpy dtype.str
        self.dtypes = {}
        self.dcpls = {}
        self.spaces = {}
        if calls is None:
            calls = _C if _hdf5() else _H5py
        self.calls = calls(self)

    def stamp(self, obj, name, type_=None, entity_id=None):
        """The attributes nixio gives every entity."""
        attr, utf8, ascii_ = self.calls.attr, self.str_ftypes[str], self.str_ftypes[bytes]
        attr(obj, b"name", utf8, name)
        if type_ is not None:
            attr(obj, b"type", utf8, type_)
        attr(obj, b"entity_id", utf8, entity_id or str(uuid4()))
        attr(obj, b"created_at", ascii_, self.now)
        attr(obj, b"updated_at", ascii_, self.now)

    def require(self, parent, name):
        """The group ``name`` of ``parent`` (h5py ids), created as nixio creates groups (link
        creation order tracked) if missing."""
        if parent.links.exists(name):
            return h5g.open(parent, name)
        return h5g.create(parent, name, gcpl=self.gcpl)

    def dataset(self, parent, name, values, dtype, size=None):
        """A dataset as h5py's ``create_dataset(name, data=values, dtype=dtype, chunks=True,
        maxshape=(None,))`` makes it from the 1-D ``values`` (a list of str, or an array of
        ``dtype``); or, given ``size``, an unwritten one (``shape=(size,)`` for the data)."""
        key = dtype.str if dtype is not _STR else "str"
        if key not in self.dtypes:
            self.dtypes[key] = (h5t.py_create(dtype, logical=True), h5t.py_create(dtype),
                                dtype.itemsize)
        ftype, mtype, itemsize = self.dtypes[key]
        n = len(values) if size is None else size
        chunk = _guess_chunk(n, itemsize)
        if chunk not in self.dcpls:
            dcpl = h5p.create(h5p.DATASET_CREATE)
            dcpl.set_chunk((chunk,))
            dcpl.set_obj_track_times(False)         # h5py's track_times=False
            dcpl.set_attr_creation_order(0)         # h5py's track_order=False
            self.dcpls[chunk] = dcpl
        if n not in self.spaces:
            self.spaces[n] = h5s.create_simple((n,), (h5s.UNLIMITED,))
        d = self.calls.dataset(parent, name, ftype, self.spaces[n], self.dcpls[chunk])
        if size is None and n:
            if dtype is _STR:
                self.calls.write_strings(d, values)
            else:
                self.calls.write(d, mtype, values)
        return d

    def prop(self, properties, name, value, values=None):
        """A property as ``NixIO._write_property`` makes it (or with these ``values``) in the
        ``properties`` group of a section."""
        given, dtype, unit = _value(value)
        values = given if values is None else values
        bname = name.encode("utf-8")
        if dtype is not _STR:
            dtype = np.dtype(dtype)
            values = np.array(values, dtype=dtype)
        if len(values):
            d = self.dataset(properties, bname, values, dtype)
        else:   # an empty string: nixio makes 8 empty slots, then sets its values to none
            d = self.dataset(properties, bname, values, dtype, size=8)
            self.calls.empty(d)
        try:
            self.stamp(d, name)
            if unit:
                self.calls.attr(d, b"unit", self.str_ftypes[str], unit)
        finally:
            self.calls.close(d, dataset=True)

    def spiketrain(self, containers, st):
        """Add ``st`` to the NIX block and group as ``NixIO._write_spiketrain`` does, given
        the block's data_arrays and multi_tags, the segment's metadata sections and the
        segment's multi_tags (as ``self.calls`` holds them)."""
        data_arrays, multi_tags, sections, segment_tags = containers
        calls = self.calls
        nix_name = st.annotations.get("nix_name") or f"neo.spiketrain.{uuid4().hex}"
        st.annotate(nix_name=nix_name)
        bname = nix_name.encode("utf-8")
        opened = []
        try:
            times = calls.group(data_arrays, bname + b".times")
            opened.append(times)
            self.stamp(times, f"{nix_name}.times", "neo.spiketrain.times")
            magnitude = np.ascontiguousarray(st.times.magnitude)
            calls.close(self.dataset(times, b"data", magnitude, magnitude.dtype), dataset=True)
            calls.attr(times, b"unit", self.str_ftypes[str], _unit(st.times))
            tag = calls.group(multi_tags, bname)
            opened.append(tag)
            entity_id = str(uuid4())
            self.stamp(tag, nix_name, "neo.spiketrain", entity_id)
            calls.link(times, tag, b"positions")
            section = calls.group(sections, bname)
            opened.append(section)
            self.stamp(section, nix_name, "neo.spiketrain.metadata")
            calls.link(section, tag, b"metadata")
            properties = calls.group(section, b"properties")
            opened.append(properties)
            # Neo sets this one as section["neo_name"] = name: one string, even when empty
            self.prop(properties, "neo_name", "", values=[st.name or ""])
            self.prop(properties, "t_start", st.t_start)
            self.prop(properties, "t_stop", st.t_stop)
            for key, value in st.annotations.items():
                self.prop(properties, key, value)
            calls.link(tag, segment_tags, entity_id.encode())
        finally:
            for obj in reversed(opened):
                calls.close(obj)


def write_block(path, block, calls=None):
    """Write ``block`` to the NIX file ``path`` (replaced), as Neo's ``NixIO.write_block``
    (``calls``: a class of :class:`_H5py`'s, to make the HDF5 calls another way)."""
    from neo.io import NixIO
    if not _writable(block):
        io = NixIO(str(path), mode="ow")
        try:
            io.write_block(block)
        finally:
            io.close()
        return
    trains = [list(seg.spiketrains) for seg in block.segments]
    try:
        for seg in block.segments:
            seg.spiketrains = []
        io = NixIO(str(path), mode="ow")
        try:
            io.write_block(block)
        finally:
            io.close()
    finally:
        for seg, sts in zip(block.segments, trains):
            seg.spiketrains = sts
    with h5py.File(str(path), "r+") as f, _phil:
        w = _Writer(calls)
        block_group = f["data"][block.annotations["nix_name"]].id
        for seg, sts in zip(block.segments, trains):
            if not sts:
                continue
            segment_group = h5g.open(h5g.open(block_group, b"groups"),
                                     seg.annotations["nix_name"].encode("utf-8"))
            # the groups the first train would make, in the order it would make them
            groups = (w.require(block_group, b"data_arrays"),
                      w.require(block_group, b"multi_tags"),
                      w.require(h5g.open(segment_group, b"metadata"), b"sections"),
                      w.require(segment_group, b"multi_tags"))
            containers = tuple(w.calls.id(g) for g in groups)
            for st in sts:
                w.spiketrain(containers, st)


def read_spiketrains(path):
    """The spike trains of the one segment of a NIX file written as :func:`write_block` (or
    Neo's ``NixIO``) writes them, as ``NixIO.read_block`` gives them; None for another layout.
    Read with h5py's low-level API: no object is looked up twice."""
    import neo
    import quantities as pq
    with h5py.File(str(path), "r") as f:
        blocks = list(f.get("data", {}).values())
        if len(blocks) != 1 or len(blocks[0].get("groups", {})) != 1:
            return None
        segment = next(iter(blocks[0]["groups"].values()))
        tags = segment.get("multi_tags")
        trains = []
        for name in _names(tags.id) if tags is not None else []:
            tag = h5o.open(tags.id, name)
            links = tag.links if isinstance(tag, h5g.GroupID) else None
            if (links is None or _attr(tag, b"type") != "neo.spiketrain"
                    or not links.exists(b"metadata") or not links.exists(b"positions")
                    or links.exists(b"features")):
                return None
            notes = {"nix_name": _attr(tag, b"name")}
            section = h5g.open(tag, b"metadata")
            properties = (h5g.open(section, b"properties")
                          if section.links.exists(b"properties") else None)
            for key in _names(properties) if properties is not None else []:
                d = h5d.open(properties, key)
                if h5a.exists(d, b"type") or h5a.exists(d, b"definition"):
                    return None             # array or date annotations: Neo reads them
                data = _read(d)
                values = list(data)                   # numpy scalars, as nixio gives them
                if data.dtype.kind == "O":
                    values = [v.decode() if isinstance(v, bytes) else v for v in values]
                value = "" if not values and data.dtype.kind == "O" else (
                    values[0] if len(values) == 1 else values)
                unit = _attr(d, b"unit")
                if unit:
                    value = pq.Quantity(value, _units(unit))
                notes[key.decode()] = value
            if "t_start" not in notes or "t_stop" not in notes:
                return None
            positions = h5g.open(tag, b"positions")
            trains.append(neo.SpikeTrain(_read(h5d.open(positions, b"data")),
                                         units=_units(_attr(positions, b"unit") or "ms"),
                                         t_start=notes.pop("t_start"), t_stop=notes.pop("t_stop"),
                                         name=str(notes.pop("neo_name", "")), **notes))
        return trains


def _units(unit):
    """The units named ``unit`` as a Quantity of 1 (what quantities makes of the name, parsing
    it anew each time: remembered here)."""
    import quantities as pq
    if unit not in _UNIT_NAMES:
        _UNIT_NAMES[unit] = pq.Quantity(1.0, unit).units
    return _UNIT_NAMES[unit]


_UNIT_NAMES = {}


def _names(group):
    """The names (bytes) of the members of ``group`` (an h5py id) in creation order, as nixio
    lists them."""
    names = []
    group.links.iterate(names.append, idx_type=h5py.h5.INDEX_CRT_ORDER)
    return names


def _read(d):
    """All of the 1-D dataset ``d`` (an h5py id), as ``Dataset[()]`` gives it."""
    out = np.empty(d.shape, dtype=d.dtype)
    if out.size:
        d.read(h5s.ALL, h5s.ALL, out)
    return out


def _attr(obj, name):
    """The attribute ``name`` (bytes) of ``obj`` (an h5py id) as h5py's ``attrs.get`` gives it
    (a str for a string), or None."""
    if not h5a.exists(obj, name):
        return None
    a = h5a.open(obj, name)
    dtype = a.dtype
    if a.shape == () and h5t.check_string_dtype(dtype) is not None and dtype.kind == "O":
        out = np.empty((), dtype=dtype)
        a.read(out, mtype=h5t.py_create(dtype))
        value = out[()]
        return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
    return (h5py.Group if isinstance(obj, h5g.GroupID) else h5py.Dataset)(obj).attrs[name]
