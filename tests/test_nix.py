"""pynn_hpc.nix writes the HDF5 file Neo's NixIO writes, and reads what Neo's NixIO reads."""
import h5py
import neo
import numpy as np
import pytest
import quantities as pq
from neo.io import NixIO

from pynn_hpc import nix


def pynn_like_block(n=6):
    """A Block as PyNN's get_data gives it (its annotations), with the odd cases too: an empty
    train, a named one, float, Quantity and empty-string annotations."""
    block = neo.Block(name="E", description='Population "E"', size=n, first_index=0,
                      last_index=n, first_id=3, last_id=3 + n - 1, label="E",
                      simulator="nest", dt=0.1, mpi_processes=1)
    seg = neo.Segment(name="segment000", description='Population "E"')
    rng = np.random.default_rng(1)
    for i in range(n):
        times = np.sort(rng.uniform(0, 300, size=0 if i == 2 else 5 + i)).round(1)
        st = neo.SpikeTrain(times, units="ms", t_start=0 * pq.ms, t_stop=300 * pq.ms,
                            source_population="E", source_index=np.int64(i),
                            channel_id=np.int64(3 + i))
        if i == 1:
            st.name = "cell 1"
            st.annotate(weight_pA=263.3, delay=1.5 * pq.ms, note="")
        seg.spiketrains.append(st)
    block.segments.append(seg)
    return block


def with_names(block):
    """The same nix_name on every object, so that Neo's file and ours can be compared."""
    block.annotate(nix_name="neo.block.b")
    for k, seg in enumerate(block.segments):
        seg.annotate(nix_name=f"neo.segment.s{k}")
        for i, st in enumerate(seg.spiketrains):
            st.annotate(nix_name=f"neo.spiketrain.t{k}x{i}")
    return block


def attr_type(obj, name):
    """An attribute's HDF5 type and shape: class, size or variable, character set."""
    a = h5py.h5a.open(obj.id, name.encode())
    t = a.get_type()
    variable = t.get_class() == h5py.h5t.STRING and t.is_variable_str()
    return (t.get_class(), variable or t.get_size(),
            t.get_cset() if t.get_class() == h5py.h5t.STRING else None, a.shape)


def tree(path):
    """Every object of an HDF5 file by path, in creation order: kind, links to objects seen
    before, dtype, shape, chunks, maxshape, attributes (ids and timestamps by name only).
    Links named by an entity id are named by their target's name."""
    first = {}
    out = []

    def walk(group, prefix):
        names = []
        group.id.links.iterate(names.append, idx_type=h5py.h5.INDEX_CRT_ORDER)
        for raw in names:
            obj = group[raw]
            name = raw.decode()
            if len(name) == 36 and name.count("-") == 4:       # an entity id: the target's name
                name = "id:" + obj.attrs["name"]
            p = f"{prefix}/{name}"
            addr = h5py.h5o.get_info(obj.id).addr
            if addr in first:
                out.append((p, "link to", first[addr]))
                continue
            first[addr] = p
            attrs = tuple(sorted((k, None if k in ("entity_id", "created_at", "updated_at")
                                  else str(v), attr_type(obj, k)) for k, v in obj.attrs.items()))
            if isinstance(obj, h5py.Dataset):
                out.append((p, "dataset", str(obj.dtype), h5py.check_string_dtype(obj.dtype),
                            obj.shape, obj.chunks, obj.maxshape, attrs, repr(obj[()].tolist())))
            else:
                out.append((p, "group", attrs))
                walk(obj, p)

    with h5py.File(path, "r") as f:
        out.append(("/", tuple(sorted((k, str(v)) for k, v in f.attrs.items()
                                      if k not in ("id", "created_at", "updated_at")))))
        walk(f, "")
    return out


def neo_write(path, block):
    io = NixIO(str(path), mode="ow")
    try:
        io.write_block(block)
    finally:
        io.close()


def neo_read(path):
    io = NixIO(str(path), mode="ro")
    try:
        return io.read_block()
    finally:
        io.close()


def test_write_block_makes_the_file_neo_makes(tmp_path):
    neo_write(tmp_path / "neo.nix", with_names(pynn_like_block()))
    nix.write_block(tmp_path / "ours.nix", with_names(pynn_like_block()))
    theirs, ours = tree(tmp_path / "neo.nix"), tree(tmp_path / "ours.nix")
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a == b


def trains_equal(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.name == y.name and x.units == y.units
        assert np.array_equal(x.magnitude, y.magnitude)
        assert x.t_start == y.t_start and x.t_stop == y.t_stop
        assert x.annotations.keys() == y.annotations.keys()
        for k in x.annotations:
            u, v = x.annotations[k], y.annotations[k]
            assert type(u) is type(v) and np.all(u == v), k
            if isinstance(u, pq.Quantity):
                assert u.units == v.units


def test_neo_reads_our_file_as_it_reads_its_own(tmp_path):
    neo_write(tmp_path / "neo.nix", with_names(pynn_like_block()))
    nix.write_block(tmp_path / "ours.nix", with_names(pynn_like_block()))
    theirs, ours = neo_read(tmp_path / "neo.nix"), neo_read(tmp_path / "ours.nix")
    assert ours.annotations == theirs.annotations and ours.segments[0].name == "segment000"
    trains_equal(ours.segments[0].spiketrains, theirs.segments[0].spiketrains)
    original = pynn_like_block().segments[0].spiketrains
    for st, read in zip(original, ours.segments[0].spiketrains):
        assert np.array_equal(st.magnitude, read.magnitude) and read.units == pq.ms
        assert read.annotations["source_index"] == st.annotations["source_index"]
    assert ours.segments[0].spiketrains[2].size == 0


def test_read_spiketrains_gives_what_neo_reads(tmp_path):
    neo_write(tmp_path / "neo.nix", pynn_like_block())
    nix.write_block(tmp_path / "ours.nix", pynn_like_block())
    for path in (tmp_path / "neo.nix", tmp_path / "ours.nix"):
        trains_equal(nix.read_spiketrains(path), neo_read(path).segments[0].spiketrains)


def test_other_blocks_are_written_by_neo_and_not_read_here(tmp_path):
    """Waveforms (and two segments) are Neo's business: written by NixIO, read by NixIO."""
    block = pynn_like_block(3)
    st = block.segments[0].spiketrains[0]
    st.waveforms = np.ones((st.size, 1, 4)) * pq.mV
    st.sampling_rate = 10 * pq.kHz
    nix.write_block(tmp_path / "w.nix", block)
    assert neo_read(tmp_path / "w.nix").segments[0].spiketrains[0].waveforms.shape == (5, 1, 4)
    assert nix.read_spiketrains(tmp_path / "w.nix") is None
    two = pynn_like_block(2)
    two.segments.append(neo.Segment(name="segment001"))
    nix.write_block(tmp_path / "two.nix", two)
    assert nix.read_spiketrains(tmp_path / "two.nix") is None
    assert len(neo_read(tmp_path / "two.nix").segments) == 2


def links_and_storage(path):
    """Every link of an HDF5 file (kind, character set) and how each dataset is stored
    (layout, chunk, fill and allocation times, filters, bytes), in creation order."""
    out = []

    def walk(group, prefix, seen):
        names = []
        group.links.iterate(names.append, idx_type=h5py.h5.INDEX_CRT_ORDER)
        for raw in names:
            info = group.links.get_info(raw)
            obj = h5py.h5o.open(group, raw)
            name = raw.decode()
            if len(name) == 36 and name.count("-") == 4:       # an entity id
                name = "id"
            p = f"{prefix}/{name}"
            out.append((p, info.type, info.cset))
            addr = h5py.h5o.get_info(obj).addr
            if addr in seen:
                continue
            seen.add(addr)
            if isinstance(obj, h5py.h5d.DatasetID):
                plist = obj.get_create_plist()
                out.append((p, plist.get_layout(), plist.get_chunk(), plist.get_fill_time(),
                            plist.get_alloc_time(), plist.get_nfilters(),
                            obj.get_storage_size()))
            else:
                walk(obj, p, seen)

    with h5py.File(path, "r") as f:
        walk(f.id, "", set())
    return out


@pytest.mark.parametrize("calls", ["_C", "_H5py"])
def test_both_ways_of_calling_hdf5_make_the_file_neo_makes(tmp_path, calls):
    """HDF5's C functions (the default) or h5py's low-level API (without them): the same file,
    down to the links' character sets and the datasets' storage."""
    if calls == "_C" and nix._hdf5() is None:
        pytest.skip("HDF5's C functions are not found through h5py here")
    neo_write(tmp_path / "neo.nix", with_names(pynn_like_block()))
    nix.write_block(tmp_path / "ours.nix", with_names(pynn_like_block()),
                    calls=getattr(nix, calls))
    assert tree(tmp_path / "ours.nix") == tree(tmp_path / "neo.nix")
    assert links_and_storage(tmp_path / "ours.nix") == links_and_storage(tmp_path / "neo.nix")
    trains_equal(nix.read_spiketrains(tmp_path / "ours.nix"),
                 neo_read(tmp_path / "neo.nix").segments[0].spiketrains)


def test_chunks_are_the_ones_h5py_guesses():
    """The writer reproduces h5py's chunk guess (``chunks=True``, as nixio asks for)."""
    from h5py._hl.filters import guess_chunk
    sizes = list(range(0, 2100)) + [2 ** k + d for k in range(11, 25) for d in (-1, 0, 1)]
    for itemsize in (1, 2, 4, 8, 16):
        for n in sizes:
            assert nix._guess_chunk(n, itemsize) == guess_chunk((n,), (None,), itemsize)[0], \
                (n, itemsize)
