"""Spike trains in NIX, laid out exactly as Neo's ``NixIO`` lays them out, written and read fast.

A run's ``spikes.nix`` is the Neo Block PyNN records (one segment, one ``SpikeTrain`` per
recorded neuron, annotated with ``source_population``, ``source_index``, ``channel_id``), in
the file Neo's ``NixIO`` writes: a colleague opens it with ``neo.io.NixIO(path).read_block()``.
Neo writes it object by object through nixio, ~40 s for the 1,000 trains of every run
(7x the teaching network's simulation), and reads it in ~18 s.  Here the same HDF5 objects
are made with h5py directly:

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

``tests/test_nix.py`` checks both against Neo's ``NixIO``: the same HDF5 tree (names, links,
types, shapes, chunks, attributes; ids and timestamps aside) and the same Block read back.
"""
import numbers
from datetime import datetime, timezone
from uuid import uuid4

import h5py
import numpy as np

#: h5py's variable-length UTF-8 string, nixio's ``util.vlen_str_dtype``
_STR = h5py.string_dtype(encoding="utf-8", length=None)


def _value(v):
    """(values, dtype, unit) of one annotation as NixIO._write_property stores it, or None
    when this module does not write that kind of value (then Neo writes the whole file)."""
    import quantities as pq
    if isinstance(v, bool) or isinstance(v, np.bool_):
        return None
    if isinstance(v, str):
        return ([v] if v else []), _STR, None
    if isinstance(v, pq.Quantity) and v.ndim == 0:
        return [float(v.magnitude)], np.float64, str(v.dimensionality)
    if isinstance(v, (numbers.Integral, np.integer)):
        return [int(v)], np.int64, None
    if isinstance(v, (numbers.Real, np.floating)):
        return [float(v)], np.float64, None
    return None


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


class _Writer:
    """Makes NIX entities (groups and datasets with nixio's attributes) in an open h5py file."""

    def __init__(self):
        self.gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
        self.gcpl.set_link_creation_order(h5py.h5p.CRT_ORDER_TRACKED | h5py.h5p.CRT_ORDER_INDEXED)
        # nixio's util.time_to_str: UTC, as bytes (so an ASCII string in the file)
        self.now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S").encode()
        # attributes are made with h5py's low-level calls (its high-level ``attrs[...] = ``
        # makes each under a temporary name and renames it: 3x slower); every one NIX writes
        # here is a scalar variable-length string, UTF-8 (str) or ASCII (bytes)
        self.scalar = h5py.h5s.create(h5py.h5s.SCALAR)
        self.types = {}
        for kind, encoding in ((str, "utf-8"), (bytes, "ascii")):
            dtype = h5py.string_dtype(encoding)
            self.types[kind] = (h5py.h5t.py_create(dtype, logical=True),   # in the file
                                h5py.h5t.py_create(dtype), dtype)            # in memory

    def attr(self, obj, name, value):
        """Set the string attribute ``name`` of ``obj`` (new: nothing is replaced)."""
        htype, mtype, dtype = self.types[type(value)]
        a = h5py.h5a.create(obj.id, name.encode(), htype, self.scalar)
        a.write(np.asarray(value, dtype=dtype), mtype=mtype)

    def group(self, parent, name):
        """``parent[name]``, created as nixio creates groups (link creation order tracked)."""
        if name in parent:
            return parent[name]
        return h5py.Group(h5py.h5g.create(parent.id, name.encode("utf-8"), gcpl=self.gcpl))

    def stamp(self, obj, name, type_=None):
        """The attributes nixio gives every entity."""
        self.attr(obj, "name", name)
        if type_ is not None:
            self.attr(obj, "type", type_)
        self.attr(obj, "entity_id", str(uuid4()))
        self.attr(obj, "created_at", self.now)
        self.attr(obj, "updated_at", self.now)

    def entity(self, parent, name, type_):
        g = self.group(parent, name)
        self.stamp(g, name, type_)
        return g

    def dataset(self, parent, name, data, dtype):
        return parent.create_dataset(name, data=data, dtype=dtype, chunks=True,
                                     maxshape=(None,) * np.ndim(data))

    def prop(self, section, name, value, values=None):
        """A property as ``NixIO._write_property`` makes it (or with these ``values``)."""
        given, dtype, unit = _value(value)
        values = given if values is None else values
        props = self.group(section, "properties")
        if values:
            d = self.dataset(props, name, np.array(values, dtype=dtype), dtype)
        else:   # an empty string: nixio makes 8 empty slots, then sets its values to none
            d = props.create_dataset(name, shape=(8,), dtype=dtype, chunks=True, maxshape=(None,))
            d.resize((0,))
        self.stamp(d, name)
        if unit:
            self.attr(d, "unit", unit)

    def spiketrain(self, block_group, segment_group, st):
        """Add ``st`` to the NIX block and group as ``NixIO._write_spiketrain`` does."""
        nix_name = st.annotations.get("nix_name") or f"neo.spiketrain.{uuid4().hex}"
        st.annotate(nix_name=nix_name)
        times = self.entity(self.group(block_group, "data_arrays"), f"{nix_name}.times",
                            "neo.spiketrain.times")
        self.dataset(times, "data", np.ascontiguousarray(st.times.magnitude),
                     np.asarray(st.times.magnitude).dtype)
        self.attr(times, "unit", str(st.times.units.dimensionality))
        tag = self.entity(self.group(block_group, "multi_tags"), nix_name, "neo.spiketrain")
        tag["positions"] = times
        section = self.entity(self.group(segment_group["metadata"], "sections"), nix_name,
                              "neo.spiketrain.metadata")
        tag["metadata"] = section
        # Neo sets this one as section["neo_name"] = name: one string, even when empty
        self.prop(section, "neo_name", "", values=[st.name or ""])
        self.prop(section, "t_start", st.t_start)
        self.prop(section, "t_stop", st.t_stop)
        for key, value in st.annotations.items():
            self.prop(section, key, value)
        self.group(segment_group, "multi_tags")[tag.attrs["entity_id"]] = tag


def write_block(path, block):
    """Write ``block`` to the NIX file ``path`` (replaced), as Neo's ``NixIO.write_block``."""
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
    with h5py.File(str(path), "r+") as f:
        w = _Writer()
        block_group = f["data"][block.annotations["nix_name"]]
        for seg, sts in zip(block.segments, trains):
            segment_group = block_group["groups"][seg.annotations["nix_name"]]
            for st in sts:
                w.spiketrain(block_group, segment_group, st)


def read_spiketrains(path):
    """The spike trains of the one segment of a NIX file written as :func:`write_block` (or
    Neo's ``NixIO``) writes them, as ``NixIO.read_block`` gives them; None for another layout."""
    import neo
    import quantities as pq
    with h5py.File(str(path), "r") as f:
        blocks = list(f.get("data", {}).values())
        if len(blocks) != 1 or len(blocks[0].get("groups", {})) != 1:
            return None
        segment = next(iter(blocks[0]["groups"].values()))
        tags = segment.get("multi_tags")
        trains = []
        for tag in _ordered(tags) if tags is not None else []:
            if (tag.attrs.get("type") != "neo.spiketrain" or "metadata" not in tag
                    or "positions" not in tag or "features" in tag):
                return None
            notes = {"nix_name": tag.attrs["name"]}
            for name, d in _ordered(tag["metadata"].get("properties", {}), items=True):
                if d.attrs.get("type") is not None or d.attrs.get("definition") is not None:
                    return None             # array or date annotations: Neo reads them
                values = list(d[()])                  # numpy scalars, as nixio gives them
                if d.dtype.kind == "O":
                    values = [v.decode() if isinstance(v, bytes) else v for v in values]
                value = "" if not values and d.dtype.kind == "O" else (
                    values[0] if len(values) == 1 else values)
                if d.attrs.get("unit"):
                    value = pq.Quantity(value, d.attrs["unit"])
                notes[name] = value
            if "t_start" not in notes or "t_stop" not in notes:
                return None
            positions = tag["positions"]
            trains.append(neo.SpikeTrain(positions["data"][()],
                                         units=positions.attrs.get("unit") or "ms",
                                         t_start=notes.pop("t_start"), t_stop=notes.pop("t_stop"),
                                         name=str(notes.pop("neo_name", "")), **notes))
        return trains


def _ordered(group, items=False):
    """The members of ``group`` in creation order (as nixio lists them)."""
    names = []
    group.id.links.iterate(names.append, idx_type=h5py.h5.INDEX_CRT_ORDER)
    if items:
        return [(n.decode(), group[n]) for n in names]
    return [group[n] for n in names]
