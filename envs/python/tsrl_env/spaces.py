"""Spaces as the protocol carries them: JSON form, flattening, actions.

Gymnasium-like spaces are recognised by duck typing, so gymnasium.spaces and look-alikes both work.
"""

import math

import numpy as np


BOX_DTYPES = ("float32", "float64", "int8", "int16", "int32", "uint8")


def space_to_json(space, where="space"):
    """The tsrl SpaceJson form of a Gymnasium-like space; infinite bounds become None."""
    kind = type(space).__name__
    if kind not in ("Discrete", "Box", "MultiDiscrete", "MultiBinary", "Tuple", "Dict"):
        if hasattr(space, "nvec"):
            kind = "MultiDiscrete"
        elif hasattr(space, "low") and hasattr(space, "high"):
            kind = "Box"
        elif isinstance(getattr(space, "spaces", None), dict):
            kind = "Dict"
        elif isinstance(getattr(space, "spaces", None), (list, tuple)):
            kind = "Tuple"
        elif hasattr(space, "n") and np.ndim(space.n) == 0 and not getattr(space, "shape", ()):
            kind = "Discrete"
        elif hasattr(space, "n"):
            kind = "MultiBinary"
        else:
            raise ValueError(f"{where}: cannot tell what kind of space {space!r} is")
    if kind == "Discrete":
        return {"type": "Discrete", "n": int(space.n), "start": int(getattr(space, "start", 0))}
    if kind == "Box":
        dtype = np.dtype(space.dtype).name
        if dtype not in BOX_DTYPES:
            raise ValueError(f"{where}: Box dtype {dtype} is not supported; use one of {', '.join(BOX_DTYPES)}")
        shape = [int(s) for s in space.shape]
        bound = lambda b: [None if math.isinf(v) else v for v in np.broadcast_to(b, shape).astype(np.float64).ravel().tolist()]
        return {"type": "Box", "shape": shape, "dtype": dtype, "low": bound(space.low), "high": bound(space.high)}
    if kind == "MultiDiscrete":
        nvec = np.asarray(space.nvec)
        if nvec.ndim != 1:
            raise ValueError(f"{where}: only 1-D MultiDiscrete spaces are supported, got nvec of shape {nvec.shape}")
        start = np.asarray(getattr(space, "start", np.zeros_like(nvec)))
        return {"type": "MultiDiscrete", "nvec": nvec.astype(int).tolist(), "start": start.astype(int).tolist()}
    if kind == "MultiBinary":
        return {"type": "MultiBinary", "shape": [int(s) for s in np.atleast_1d(space.n)]}
    if kind == "Tuple":
        return {"type": "Tuple", "spaces": [space_to_json(s, f"{where}[{i}]") for i, s in enumerate(space.spaces)]}
    # Sorted keys, as Gymnasium's Dict and tsrl's DictSpace keep them: the flattening order.
    items = sorted((str(k), s) for k, s in space.spaces.items())
    return {"type": "Dict", "spaces": {k: space_to_json(s, f"{where}.{k}") for k, s in items}}


def flat_size(sj):
    """Length of a flattened value (one-hot for Discrete and MultiDiscrete, as Gymnasium's flatdim)."""
    t = sj["type"]
    if t == "Discrete":
        return sj["n"]
    if t == "Box" or t == "MultiBinary":
        return int(np.prod(sj["shape"]))
    if t == "MultiDiscrete":
        return int(sum(sj["nvec"]))
    parts = sj["spaces"].values() if t == "Dict" else sj["spaces"]
    return sum(flat_size(s) for s in parts)


def make_flattener(sj):
    """A function ``write(value, out_row, offset)`` that writes a flattened value as float32."""
    t = sj["type"]
    if t in ("Box", "MultiBinary"):
        size = flat_size(sj)

        def write(x, out, o):
            out[o:o + size] = np.asarray(x).reshape(-1)
        return write
    if t == "Discrete":
        start = sj["start"]

        def write(x, out, o):
            out[o:o + sj["n"]] = 0.0
            out[o + int(x) - start] = 1.0
        return write
    if t == "MultiDiscrete":
        nvec, starts = sj["nvec"], sj["start"]

        def write(x, out, o):
            out[o:o + sum(nvec)] = 0.0
            for k, v in enumerate(np.asarray(x).reshape(-1).tolist()):
                out[o + int(v) - starts[k]] = 1.0
                o += nvec[k]
        return write
    keys = sorted(sj["spaces"].keys()) if t == "Dict" else list(range(len(sj["spaces"])))
    children = [(k, make_flattener(sj["spaces"][k]), flat_size(sj["spaces"][k])) for k in keys]

    def write(x, out, o):
        for k, child, size in children:
            child(x[k], out, o)
            o += size
    return write


def action_layout(sj):
    """(wire dtype, single-action shape, accepted dtypes) of actions of the space, as the protocol fixes."""
    t = sj["type"]
    if t == "Discrete":
        return "int32", [], ("int32", "int64")
    if t == "Box":
        return sj["dtype"], list(sj["shape"]), (sj["dtype"],)
    if t == "MultiDiscrete":
        return "int32", [len(sj["nvec"])], ("int32", "int64")
    if t == "MultiBinary":
        return "int8", list(sj["shape"]), ("int8", "uint8", "bool")
    raise ValueError(f"{t} action spaces are not supported by env protocol version 1")


def first_bad_action(sj, actions):
    """Index of the first action outside the space, or None; ``actions`` is [N, *shape]."""
    n = actions.shape[0]
    flat = actions.reshape(n, -1)
    t = sj["type"]
    if t == "Discrete":
        ok = (flat[:, 0] >= sj["start"]) & (flat[:, 0] < sj["start"] + sj["n"])
    elif t == "Box":
        low = np.array([-np.inf if v is None else v for v in sj["low"]])
        high = np.array([np.inf if v is None else v for v in sj["high"]])
        ok = ((flat >= low) & (flat <= high)).all(axis=1)  # NaN compares False: rejected
    elif t == "MultiDiscrete":
        start = np.asarray(sj["start"])
        ok = ((flat >= start) & (flat < start + np.asarray(sj["nvec"]))).all(axis=1)
    else:
        ok = ((flat == 0) | (flat == 1)).all(axis=1)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else None
