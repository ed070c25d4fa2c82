"""The wire format of the env protocol: version, errors, array descriptors.

See docs/env-protocol.md: the protocol version, the errors a request is answered with, and
reading the array descriptors of a request.
"""

import numpy as np


PROTOCOL_VERSION = 1
WIRE_DTYPES = {
    "float32": "<f4", "float64": "<f8", "int8": "i1", "int16": "<i2",
    "int32": "<i4", "int64": "<i8", "uint8": "u1", "bool": "u1",
}


class ProtocolError(Exception):
    """A request the server answers with an ``error`` message (``code``, ``field``)."""

    def __init__(self, code, message, field=None, **extra):
        super().__init__(message)
        self.code, self.field, self.extra = code, field, extra


def msgpack_default(obj):
    """msgpack fallback for numpy values in infos."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def wire_infos(infos):
    """infos as they travel: None (nil) when every info is empty, which saves encoding N maps."""
    return infos if any(infos) else None


def is_int(value):
    """A msgpack integer (Python's bool is an int, and 1.0 == 1: both are refused)."""
    return type(value) is int


def read_array(header, frames, field, accepted, shape):
    d = header.get(field)
    if not isinstance(d, dict):
        raise ProtocolError("malformed", f"{field} must be an array descriptor {{dtype, shape, frame}}, got {d!r}", field)
    if d.get("dtype") not in accepted:
        raise ProtocolError("malformed", f"{field}.dtype must be one of {', '.join(accepted)}, got {d.get('dtype')!r}", f"{field}.dtype")
    if not isinstance(d.get("shape"), list) or d["shape"] != list(shape) or not all(is_int(s) for s in d["shape"]):
        raise ProtocolError("malformed", f"{field}.shape must be {list(shape)}, got {d.get('shape')!r}", f"{field}.shape")
    frame = d.get("frame")
    if not is_int(frame) or not 1 <= frame < len(frames):
        raise ProtocolError("malformed", f"{field}.frame must name one of frames 1..{len(frames) - 1}, got {frame!r}", f"{field}.frame")
    dt = np.dtype(WIRE_DTYPES[d["dtype"]])
    need = int(np.prod(shape)) * dt.itemsize
    if len(frames[frame]) != need:
        raise ProtocolError("malformed", f"{field} holds {len(frames[frame])} bytes; {d['dtype']} {list(shape)} needs {need}", f"{field}.frame")
    return np.frombuffer(frames[frame], dtype=dt).reshape(shape)
