#!/usr/bin/env python3
"""Serve any Gymnasium-style env to tsrl over the tsrl env protocol (version 1).

One file, needing only pyzmq, msgpack and numpy (Debian: python3-zmq, python3-msgpack, python3-numpy):
copy it anywhere, or ``pip install`` tsrl's envs/python folder for the ``tsrl_env`` package and the
``tsrl-env`` command (the same code). The env is any object with Gymnasium's API:
``reset(seed=, options=) -> (obs, info)``, ``step(action) -> (obs, reward, terminated, truncated, info)``,
``observation_space``, ``action_space`` (Discrete, Box, MultiDiscrete, MultiBinary, Tuple, Dict,
recognised by duck typing, so ``gymnasium.make(...)`` envs work unchanged) and optionally ``close()``,
``render()`` (rgb_array) and ``spec``. Each client gets its own envs (several sessions per server).

Usage::

    python3 tsrl_env_server.py --env my_module:MyEnv --address tcp://127.0.0.1:5555 --num-envs 4
    python3 tsrl_env_server.py --env gymnasium:CartPole-v1 --num-envs 8 --stepping subprocess
    python3 tsrl_env_server.py --env ./my_env.py:make_env --env-kwargs '{"size": 5}'

From Python: ``serve(MyEnv, "ipc:///tmp/my-env.sock", num_envs=8)``.
The protocol is specified in docs/env-protocol.md of the tsrl repository.
"""

import argparse
import importlib
import importlib.util
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections import OrderedDict

try:
    import numpy as np
    import zmq
    import msgpack
except ImportError as missing:  # pragma: no cover - depends on the machine
    sys.stderr.write(
        f"tsrl_env_server: {missing}. Install pyzmq, msgpack and numpy "
        "(Debian/Ubuntu: apt-get install python3-zmq python3-msgpack python3-numpy).\n"
    )
    sys.exit(2)

PROTOCOL_VERSION = 1
BOX_DTYPES = ("float32", "float64", "int8", "int16", "int32", "uint8")
WIRE_DTYPES = {
    "float32": "<f4", "float64": "<f8", "int8": "i1", "int16": "<i2",
    "int32": "<i4", "int64": "<i8", "uint8": "u1", "bool": "u1",
}


class ProtocolError(Exception):
    """A request the server answers with an ``error`` message (``code``, ``field``)."""

    def __init__(self, code, message, field=None, **extra):
        super().__init__(message)
        self.code, self.field, self.extra = code, field, extra


# ---------------------------------------------------------------- spaces (duck-typed)

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


# ---------------------------------------------------------------- the vector of envs

def _plain(obj):
    """msgpack fallback for numpy values in infos."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


class EnvLayout:
    """What the protocol says about an env (spaces, action layout, spec), read once from one env."""

    def __init__(self, env, max_episode_steps=None):
        self.obs_json = space_to_json(env.observation_space, "observation_space")
        self.act_json = space_to_json(env.action_space, "action_space")
        self.act_dtype, self.act_shape, self.act_accepted = action_layout(self.act_json)
        self.act_space = env.action_space
        self.obs_size = flat_size(self.obs_json)
        spec = getattr(env, "spec", None)
        env_max = getattr(spec, "max_episode_steps", None)
        # A limit given to the server is applied by the server; the env's own limit is only reported.
        self.limit_here = max_episode_steps is not None
        self.max_episode_steps = max_episode_steps if max_episode_steps is not None else env_max
        self.spec = {
            "id": str(getattr(spec, "id", None) or type(getattr(env, "unwrapped", env)).__name__),
            "max_episode_steps": None if self.max_episode_steps is None else int(self.max_episode_steps),
            "reward_threshold": getattr(spec, "reward_threshold", None),
        }
        mode = getattr(env, "render_mode", None)
        self.render_mode = mode if isinstance(mode, str) else None


class VectorOfEnvs:
    """N envs stepped one after another with same-step autoreset (tsrl's VectorEnv contract).

    ``out`` (optional) holds the arrays to write into (obs, final_obs, rewards, terminated, truncated),
    so that a subprocess worker writes straight into memory shared with the server.
    """

    def __init__(self, envs, layout, out=None):
        self.envs, self.layout = envs, layout
        n = self.num_envs = len(envs)
        self.flatten = make_flattener(layout.obs_json)
        if out is None:
            out = (np.zeros((n, layout.obs_size), np.float32), np.zeros((n, layout.obs_size), np.float32),
                   np.zeros(n, np.float32), np.zeros(n, np.uint8), np.zeros(n, np.uint8))
        self.obs, self.final_obs, self.rewards, self.terminated, self.truncated = out
        self.steps = [0] * n

    def to_env_action(self, a):
        if self.layout.act_json["type"] == "Discrete":
            return int(a)
        dtype = getattr(self.layout.act_space, "dtype", None) or a.dtype
        return np.array(a, dtype=dtype)

    def reset(self, seed=None, options=None):
        infos = []
        for i, env in enumerate(self.envs):
            obs, info = env.reset(seed=None if seed is None else seed + i, options=options)
            self.flatten(obs, self.obs[i], 0)
            self.steps[i] = 0
            infos.append(info or {})
        return infos

    def step(self, actions):
        infos = []
        limit = self.layout.max_episode_steps if self.layout.limit_here else None
        self.terminated[:] = 0
        self.truncated[:] = 0
        for i, env in enumerate(self.envs):
            result = env.step(self.to_env_action(actions[i]))
            if len(result) != 5:
                raise TypeError(f"step() returned {len(result)} values; Gymnasium's API returns 5 "
                                "(obs, reward, terminated, truncated, info)")
            obs, reward, terminated, truncated, info = result
            self.steps[i] += 1
            if limit is not None and self.steps[i] >= limit:
                truncated = True
            self.rewards[i] = reward
            if terminated or truncated:
                self.terminated[i], self.truncated[i] = bool(terminated), bool(truncated)
                self.flatten(obs, self.final_obs[i], 0)
                obs, _ = env.reset()
                self.steps[i] = 0
            self.flatten(obs, self.obs[i], 0)
            infos.append(info or {})
        return infos

    def render(self, index=None):
        """rgb_array frames [K, H, W, C] uint8 of env ``index`` (K = 1) or of every env."""
        envs = self.envs if index is None else [self.envs[index]]
        frames = []
        for env in envs:
            frame = env.render()
            if frame is None:
                raise RenderError("render() returned None: make the env with render_mode='rgb_array' "
                                  "(for gymnasium ids, env kwargs {\"render_mode\": \"rgb_array\"})")
            frame = np.asarray(frame)
            if frame.ndim != 3 or frame.shape[2] not in (3, 4):
                raise RenderError(f"render() returned an array of shape {frame.shape}; expected [H, W, 3] or [H, W, 4]")
            frames.append(frame.astype(np.uint8, copy=False))
        if any(f.shape != frames[0].shape for f in frames):
            raise RenderError(f"the envs rendered frames of different shapes {[f.shape for f in frames]}; render one env")
        return np.ascontiguousarray(np.stack(frames))

    def close(self):
        for env in self.envs:
            close = getattr(env, "close", None)
            if close is not None:
                close()


class RenderError(Exception):
    """The env cannot render rgb_array frames (answered with code ``render``, the session unchanged)."""


def _worker_main(conn, make_env, count, seed_offset, layout, shared):
    """A subprocess stepping ``count`` envs into its rows of the shared arrays (fork start method)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    try:
        vec = VectorOfEnvs([make_env() for _ in range(count)], layout, shared)
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        return
    conn.send(("ok", None))
    while True:
        try:
            command, arg = conn.recv()
        except EOFError:  # the server is gone
            break
        if command == "close":
            vec.close()
            break
        try:
            if command == "reset":
                seed, options = arg
                result = vec.reset(None if seed is None else seed + seed_offset, options)
            elif command == "step":
                result = vec.step(arg)
            else:
                result = vec.render(arg)
            conn.send(("ok", result))
        except Exception as exc:
            kind = "render" if isinstance(exc, RenderError) else "error"
            conn.send((kind, f"{type(exc).__name__}: {exc}", traceback.format_exc()))


class SubprocVectorOfEnvs:
    """N envs split over worker processes that step in parallel (as Gymnasium's AsyncVectorEnv).

    Workers write observations, rewards and flags into shared memory; only actions and infos go
    through pipes. Worth it when one env step costs more than the pipe round trip (~50-100 us).
    """

    def __init__(self, make_env, num_envs, num_workers, layout):
        import multiprocessing as mp
        ctx = mp.get_context("fork")  # the factory may be a closure: fork needs no pickling
        self.layout, self.num_envs = layout, num_envs
        o = layout.obs_size
        raw = [ctx.RawArray("b", max(1, num_envs * size)) for size in (4 * o, 4 * o, 4, 1, 1)]
        self.obs = np.frombuffer(raw[0], np.float32, num_envs * o).reshape(num_envs, o)
        self.final_obs = np.frombuffer(raw[1], np.float32, num_envs * o).reshape(num_envs, o)
        self.rewards = np.frombuffer(raw[2], np.float32, num_envs)
        self.terminated = np.frombuffer(raw[3], np.uint8, num_envs)
        self.truncated = np.frombuffer(raw[4], np.uint8, num_envs)
        num_workers = max(1, min(num_workers, num_envs))
        bounds = np.linspace(0, num_envs, num_workers + 1).astype(int).tolist()
        self.chunks = [(bounds[k], bounds[k + 1]) for k in range(num_workers)]
        self.pipes, self.procs = [], []
        for a, b in self.chunks:
            parent, child = ctx.Pipe()
            shared = (self.obs[a:b], self.final_obs[a:b], self.rewards[a:b], self.terminated[a:b], self.truncated[a:b])
            proc = ctx.Process(target=_worker_main, args=(child, make_env, b - a, a, layout, shared), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)
        try:
            self._gather()
        except Exception:
            self.close()
            raise

    def _gather(self):
        """Each worker's result, in env order; raises the first worker's error after reading them all."""
        results, failure = [], None
        for pipe in self.pipes:
            try:
                reply = pipe.recv()
            except EOFError:
                reply = ("error", "a subprocess worker died", "")
            if reply[0] == "ok":
                results.append(reply[1])
            elif failure is None:
                failure = reply
        if failure is not None:
            raise (RenderError if failure[0] == "render" else WorkerError)(failure[1], failure[2] if len(failure) > 2 else "")
        return results

    def reset(self, seed=None, options=None):
        for pipe in self.pipes:
            pipe.send(("reset", (seed, options)))
        return [info for part in self._gather() for info in part]

    def step(self, actions):
        for pipe, (a, b) in zip(self.pipes, self.chunks):
            pipe.send(("step", actions[a:b]))
        return [info for part in self._gather() for info in part]

    def render(self, index=None):
        if index is not None:
            k = next(k for k, (a, b) in enumerate(self.chunks) if a <= index < b)
            self.pipes[k].send(("render", index - self.chunks[k][0]))
            reply = self.pipes[k].recv()
            if reply[0] != "ok":
                raise (RenderError if reply[0] == "render" else WorkerError)(reply[1], reply[2])
            return reply[1]
        for pipe in self.pipes:
            pipe.send(("render", None))
        parts = self._gather()
        if any(p.shape[1:] != parts[0].shape[1:] for p in parts):
            raise RenderError("the envs rendered frames of different shapes; render one env")
        return np.concatenate(parts)

    def close(self):
        for pipe in self.pipes:
            try:
                pipe.send(("close", None))
            except (BrokenPipeError, OSError):
                pass
        for proc in self.procs:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for pipe in self.pipes:
            pipe.close()
        self.pipes, self.procs = [], []


class WorkerError(Exception):
    """An env raised inside a subprocess worker; the message and the remote traceback travel."""

    def __init__(self, message, remote_traceback=""):
        super().__init__(message)
        self.remote_traceback = remote_traceback


# ---------------------------------------------------------------- the server

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


class Session:
    """One client's envs and its place in the state machine (docs/env-protocol.md, section 7)."""

    def __init__(self, vec):
        self.vec, self.state = vec, "need_reset"


class EnvServer:
    """A ROUTER socket serving each client (peer) its own envs: several independent sessions.

    ``make_env`` builds one env; ``layout`` describes it. ``num_envs`` is the default number of envs
    of a session (a ``hello`` may ask for another, up to ``max_envs_per_session``). At most
    ``max_sessions`` sessions live at once: a new one ends the least recently used, whose client is
    then answered ``session``. With ``num_workers`` > 0 each session steps its envs in that many
    subprocesses.
    """

    def __init__(self, make_env, layout, address, num_envs=1, max_sessions=16, max_envs_per_session=1024,
                 num_workers=0, exit_with_parent=False, first_env=None):
        self.make_env, self.layout, self.num_envs = make_env, layout, num_envs
        self.max_sessions, self.max_envs_per_session, self.num_workers = max_sessions, max_envs_per_session, num_workers
        self.sessions = OrderedDict()  # peer -> Session, least recently used first
        self.ended = OrderedDict()  # peers whose session was ended to make room, to say so
        self.spare = [] if first_env is None else [first_env]  # in-order envs of ended sessions, reused
        self.parent_pid = os.getppid() if exit_with_parent else None
        self.shutdown = False
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind(address)
        self.endpoint = self.sock.getsockopt(zmq.LAST_ENDPOINT).decode()

    def pack(self, header, arrays=()):
        frames = [None]
        for field, arr in arrays:
            header[field] = {"dtype": arr.dtype.name, "shape": list(arr.shape), "frame": len(frames)}
            frames.append(arr)
        frames[0] = msgpack.packb(header, use_bin_type=True, default=_plain)
        return frames

    def handle(self, peer, frames):
        try:
            header = msgpack.unpackb(frames[0], raw=False, strict_map_key=False) if frames else None
        except (msgpack.exceptions.StackError, RecursionError):
            raise ProtocolError("malformed", "frame 0 nests arrays or maps deeper than the msgpack reader allows "
                                "(a header is a flat map of plain values)") from None
        except Exception as exc:
            raise ProtocolError("malformed", f"frame 0 is not valid msgpack ({type(exc).__name__}: {exc})") from None
        if not isinstance(header, dict):
            raise ProtocolError("malformed", "frame 0 must be a msgpack map")
        rid, kind = header.get("id"), header.get("type")
        if not is_int(rid) or rid < 0:
            raise ProtocolError("malformed", f"id must be an integer >= 0, got {rid!r}", "id")
        if kind == "hello":
            return self.hello(peer, rid, header)
        if kind not in ("reset", "step", "render", "close"):
            raise ProtocolError("malformed", f"type must be one of hello, reset, step, render, close, got {kind!r}", "type", id=rid)
        session = self.sessions.get(peer)
        if session is None:
            if peer in self.ended:
                raise ProtocolError("session", f"this client's session was ended: {self.ended[peer]}; reconnect", None, id=rid)
            raise ProtocolError("state", f"{kind} before hello: send hello first", "type", id=rid)
        self.sessions.move_to_end(peer)
        if kind == "reset":
            return self.reset(session, rid, header)
        if kind == "step":
            return self.step(session, rid, header, frames)
        if kind == "render":
            return self.render(session, rid, header)
        self.end_session(peer)
        if header.get("shutdown") is True:
            self.shutdown = True
        return self.pack({"type": "closed", "id": rid})

    def hello(self, peer, rid, header):
        version = header.get("protocol")
        if not is_int(version) or version != PROTOCOL_VERSION:
            raise ProtocolError("version", f"protocol {version!r} is not supported; this server speaks {PROTOCOL_VERSION} "
                                "(an integer)", "protocol", id=rid, supported=[PROTOCOL_VERSION])
        n = header.get("num_envs", None)
        if n is None:
            n = self.num_envs
        elif not is_int(n) or not 1 <= n <= self.max_envs_per_session:
            raise ProtocolError("malformed", f"num_envs must be an integer in 1..{self.max_envs_per_session} "
                                f"(the server's --max-envs-per-session) or nil, got {n!r}", "num_envs", id=rid)
        old = self.sessions.get(peer)
        if old is not None and old.vec.num_envs == n:
            old.state = "need_reset"  # the same client again: a new session on the same envs
            self.sessions.move_to_end(peer)
        else:
            if old is not None:
                self.end_session(peer)
            while len(self.sessions) >= self.max_sessions:
                lru = next(iter(self.sessions))
                self.end_session(lru, f"the server holds at most {self.max_sessions} sessions (--max-sessions) "
                                      "and a newer client needed room")
            try:
                vec = self.build(n)
            except Exception as exc:
                raise ProtocolError("env", f"making {n} envs raised {type(exc).__name__}: {exc}", None, id=rid,
                                    traceback=getattr(exc, "remote_traceback", None) or traceback.format_exc()) from None
            self.sessions[peer] = Session(vec)
            self.ended.pop(peer, None)
        lay = self.layout
        return self.pack({"type": "welcome", "id": rid, "protocol": PROTOCOL_VERSION, "peer": "tsrl_env_server.py",
                          "num_envs": n, "observation_space": lay.obs_json, "action_space": lay.act_json,
                          "spec": lay.spec, "render_mode": lay.render_mode, "sessions": True})

    def build(self, n):
        if self.num_workers > 0:
            return SubprocVectorOfEnvs(self.make_env, n, self.num_workers, self.layout)
        envs = [self.spare.pop() if self.spare else self.make_env() for _ in range(n)]
        return VectorOfEnvs(envs, self.layout)

    def end_session(self, peer, why=None):
        session = self.sessions.pop(peer)
        if why is not None:
            self.ended[peer] = why
            while len(self.ended) > 1024:
                self.ended.popitem(last=False)
        if isinstance(session.vec, VectorOfEnvs):
            self.spare.extend(session.vec.envs)
        else:
            session.vec.close()

    def reset(self, session, rid, header):
        seed, options = header.get("seed"), header.get("options")
        if seed is not None and (not is_int(seed) or seed < 0):
            raise ProtocolError("malformed", f"seed must be an integer >= 0 or null, got {seed!r}", "seed", id=rid)
        if options is not None and not isinstance(options, dict):
            raise ProtocolError("malformed", f"options must be a map or null, got {options!r}", "options", id=rid)
        session.state = "need_reset"
        infos = self.run_env(session, rid, lambda: session.vec.reset(seed, options))
        session.state = "running"
        return self.pack({"type": "reset_result", "id": rid, "infos": wire_infos(infos)}, [("obs", session.vec.obs)])

    def step(self, session, rid, header, frames):
        if session.state != "running":
            raise ProtocolError("state", "step before reset: reset first", "type", id=rid)
        v, lay = session.vec, self.layout
        try:
            actions = read_array(header, frames, "actions", lay.act_accepted, [v.num_envs] + lay.act_shape)
        except ProtocolError as exc:
            exc.extra["id"] = rid
            raise
        bad = first_bad_action(lay.act_json, actions)
        if bad is not None:
            raise ProtocolError("invalid-action", f"actions[{bad}] = {actions[bad].tolist()} is outside the action space "
                                f"{json.dumps(lay.act_json)}; no env was stepped", f"actions[{bad}]", id=rid)
        infos = self.run_env(session, rid, lambda: v.step(actions))
        return self.pack({"type": "step_result", "id": rid, "infos": wire_infos(infos)},
                         [("obs", v.obs), ("rewards", v.rewards), ("terminated", v.terminated),
                          ("truncated", v.truncated), ("final_obs", v.final_obs)])

    def render(self, session, rid, header):
        if session.state != "running":
            raise ProtocolError("state", "render before reset: reset first", "type", id=rid)
        index = header.get("index")
        if index is not None and (not is_int(index) or not 0 <= index < session.vec.num_envs):
            raise ProtocolError("malformed", f"index must be an env index in 0..{session.vec.num_envs - 1} or nil, "
                                f"got {index!r}", "index", id=rid)
        try:
            frames = session.vec.render(index)
        except RenderError as exc:
            raise ProtocolError("render", str(exc), None, id=rid) from None
        except Exception as exc:
            raise ProtocolError("render", f"render() raised {type(exc).__name__}: {exc}", None, id=rid,
                                traceback=getattr(exc, "remote_traceback", None) or traceback.format_exc()) from None
        return self.pack({"type": "render_result", "id": rid}, [("frames", frames)])

    def run_env(self, session, rid, call):
        try:
            return call()
        except Exception as exc:
            session.state = "need_reset"
            raise ProtocolError("env", f"the env raised {type(exc).__name__}: {exc}", None, id=rid,
                                traceback=getattr(exc, "remote_traceback", None) or traceback.format_exc()) from None

    def stop(self, *_):
        """Ends serve() within a poll interval (used as the SIGINT/SIGTERM handler)."""
        self.shutdown = True

    def parent_gone(self):
        return self.parent_pid is not None and os.getppid() != self.parent_pid

    def serve(self):
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        try:
            while not self.shutdown:
                # Poll with a timeout rather than block in recv, so that a signal can stop the loop cleanly
                # and an orphaned server (its parent killed) notices and exits.
                if not poller.poll(200):
                    if self.parent_gone():
                        break
                    continue
                frames = self.sock.recv_multipart()
                peer, rest = frames[0], frames[1:]
                delimiter = []
                if rest and len(rest[0]) == 0:  # a REQ peer's empty delimiter: echo it back
                    delimiter, rest = [b""], rest[1:]
                try:
                    reply = self.handle(peer, rest)
                except ProtocolError as exc:
                    header = {"type": "error", "id": exc.extra.pop("id", None), "code": exc.code, "message": str(exc), "field": exc.field}
                    header.update({k: v for k, v in exc.extra.items() if v is not None})
                    reply = self.pack(header)
                except Exception as exc:  # a bug here must not take the server down
                    reply = self.pack({"type": "error", "id": None, "code": "malformed", "message": f"server error: {exc!r}", "field": None})
                # copy=True: the arrays are reused by the next step, so zmq must not keep references to them.
                self.sock.send_multipart([peer] + delimiter + reply, copy=True)
        finally:
            self.close()

    def close(self):
        self.sock.close(0)
        self.ctx.term()
        path = self.endpoint[len("ipc://"):] if self.endpoint.startswith("ipc://") else None
        if path and not path.startswith("@") and os.path.exists(path):
            os.unlink(path)  # libzmq does not always remove the socket file it created
        for peer in list(self.sessions):
            self.end_session(peer)
        for env in self.spare:
            close = getattr(env, "close", None)
            if close is not None:
                close()
        self.spare = []


# ---------------------------------------------------------------- the Python API

def load_env_factory(spec, kwargs):
    """``module:attr``, ``path/file.py:attr`` or ``gymnasium:Env-v1`` -> a zero-argument env factory.

    Raises ValueError naming what is wrong.
    """
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise ValueError(f"env {spec!r}: expected module:Class, path/to/file.py:factory or gymnasium:Env-v1")
    if target == "gymnasium":
        import gymnasium  # only when asked for
        return lambda: gymnasium.make(attr, **kwargs)
    if target.endswith(".py"):
        path = os.path.abspath(target)
        if not os.path.isfile(path):
            raise ValueError(f"env {spec!r}: no file {path}")
        sys.path.insert(0, os.path.dirname(path))
        module_spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f"env {spec!r}: {target} has no callable {attr!r}")
    return lambda: factory(**kwargs)


def _factory_of(env_or_factory, env_kwargs):
    """(factory, first env): a spec string, a class or factory, or one env instance (served once)."""
    if isinstance(env_or_factory, str):
        factory = load_env_factory(env_or_factory, env_kwargs)
        return factory, factory()
    if isinstance(env_or_factory, type) or (callable(env_or_factory) and not hasattr(env_or_factory, "step")):
        return (lambda: env_or_factory(**env_kwargs)), env_or_factory(**env_kwargs)
    if hasattr(env_or_factory, "step") and hasattr(env_or_factory, "reset"):
        if env_kwargs:
            raise TypeError("serve: env_kwargs need a class or factory, not an env instance")

        def no_more():
            raise TypeError("serve() was given one env instance: it serves one env; pass a class or factory "
                            "to serve more envs or sessions")
        return no_more, env_or_factory
    raise TypeError(f"serve: expected an env, a class or factory, or a 'module:Class' string, got {env_or_factory!r}")


def serve(env_or_factory, address="tcp://127.0.0.1:5555", num_envs=1, *, env_kwargs=None, max_episode_steps=None,
          stepping="in-order", num_workers=None, max_sessions=16, max_envs_per_session=1024,
          exit_with_parent=False, announce=True):
    """Serves an env to tsrl clients over the tsrl env protocol until a client asks for shutdown,
    SIGINT/SIGTERM, or (with ``exit_with_parent``) the parent process ends. Blocks.

    ``env_or_factory``: a Gymnasium-API env class or zero-argument factory (called with ``env_kwargs``),
    a spec string (``gymnasium:CartPole-v1``, ``module:Class``, ``path/file.py:factory``), or one env
    instance (then only one env is served). Each client gets its own ``num_envs`` envs (its ``hello``
    may ask for another count). ``stepping="subprocess"`` steps each client's envs in ``num_workers``
    processes (default: one per CPU, at most one per env).

    With ``announce``, prints ``tsrl_env_server: serving <id> xN on <endpoint>`` once bound (tsrl
    waits for this line when it starts the server).
    """
    if stepping not in ("in-order", "subprocess"):
        raise ValueError(f"stepping must be 'in-order' or 'subprocess', got {stepping!r}")
    for name, value in (("num_envs", num_envs), ("max_sessions", max_sessions), ("max_envs_per_session", max_envs_per_session)):
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    factory, first = _factory_of(env_or_factory, dict(env_kwargs or {}))
    layout = EnvLayout(first, max_episode_steps)
    workers = 0
    if stepping == "subprocess":
        workers = num_workers if num_workers is not None else (os.cpu_count() or 1)
        if not is_int(workers) or workers < 1:
            raise ValueError(f"num_workers must be an integer >= 1, got {num_workers!r}")
    server = EnvServer(factory, layout, address, num_envs, max_sessions, max_envs_per_session, workers,
                       exit_with_parent, first_env=first if workers == 0 else None)
    if workers > 0:
        close = getattr(first, "close", None)
        if close is not None:
            close()
    if announce:
        print(f"tsrl_env_server: serving {layout.spec['id']} x{num_envs} on {server.endpoint}", flush=True)
        if workers:
            print(f"tsrl_env_server: each session steps its envs in up to {workers} subprocess workers", flush=True)
    if threading.current_thread() is threading.main_thread():
        # SIGINT and SIGTERM (as tsrl sends) end the loop and close the socket, removing an ipc:// file.
        signal.signal(signal.SIGTERM, server.stop)
        signal.signal(signal.SIGINT, server.stop)
    server.serve()


# ---------------------------------------------------------------- command line

def bench_local(factory, num_envs, steps, num_workers=0):
    """Steps/s of the vector loop in-process (no ZeroMQ), random valid actions: the server's own speed."""
    first = factory()
    layout = EnvLayout(first)
    if num_workers:
        vec = SubprocVectorOfEnvs(factory, num_envs, num_workers, layout)
    else:
        vec = VectorOfEnvs([first] + [factory() for _ in range(num_envs - 1)], layout)
    rng = np.random.default_rng(0)
    vec.reset(seed=0)
    sj = layout.act_json
    if sj["type"] == "Discrete":
        batches = [rng.integers(sj["start"], sj["start"] + sj["n"], size=num_envs).astype(np.int32) for _ in range(64)]
    else:
        batches = [np.array([layout.act_space.sample() for _ in range(num_envs)]) for _ in range(64)]
    iterations = max(1, steps // num_envs)
    start = time.perf_counter()
    for k in range(iterations):
        vec.step(batches[k % 64])
    seconds = time.perf_counter() - start
    vec.close()
    return {"numEnvs": num_envs, "envSteps": iterations * num_envs, "stepsPerSecond": iterations * num_envs / seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tsrl-env", description="Serve a Gymnasium-style env over the tsrl env protocol v1.")
    parser.add_argument("--env", required=True, help="module:Class, path/file.py:factory or gymnasium:Env-v1")
    parser.add_argument("--address", default="tcp://127.0.0.1:5555",
                        help="ZeroMQ address to bind (default tcp://127.0.0.1:5555; tcp://127.0.0.1:* picks a free port)")
    parser.add_argument("--num-envs", type=int, default=1, help="envs of each client session, unless its hello asks (default 1)")
    parser.add_argument("--env-kwargs", default="{}", help="JSON object of keyword arguments for the env factory")
    parser.add_argument("--max-episode-steps", type=int, default=None, help="truncate episodes after this many steps")
    parser.add_argument("--stepping", choices=("in-order", "subprocess"), default="in-order",
                        help="step a session's envs one after another (default) or in subprocess workers")
    parser.add_argument("--num-workers", type=int, default=None, help="subprocess workers per session (default: CPU count)")
    parser.add_argument("--max-sessions", type=int, default=16,
                        help="clients served at once, each with its own envs; a newer one ends the least recently used (default 16)")
    parser.add_argument("--max-envs-per-session", type=int, default=1024, help="most envs a hello may ask for (default 1024)")
    parser.add_argument("--exit-with-parent", action="store_true", help="exit when the process that started this one ends")
    parser.add_argument("--bench-local", type=int, default=0, metavar="STEPS",
                        help="instead of serving, step the envs STEPS times in-process and print steps/s as JSON")
    args = parser.parse_args(argv)
    for name in ("num_envs", "max_sessions", "max_envs_per_session"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be an integer >= 1, got {getattr(args, name)}")
    if args.num_workers is not None and args.num_workers < 1:
        parser.error(f"--num-workers must be an integer >= 1, got {args.num_workers}")
    if args.max_episode_steps is not None and args.max_episode_steps < 1:
        parser.error(f"--max-episode-steps must be an integer >= 1, got {args.max_episode_steps}")
    try:
        kwargs = json.loads(args.env_kwargs)
    except json.JSONDecodeError as exc:
        parser.error(f"--env-kwargs must be a JSON object: {exc}")
    if not isinstance(kwargs, dict):
        parser.error(f"--env-kwargs must be a JSON object, got {args.env_kwargs}")
    if args.bench_local > 0:
        try:
            factory = load_env_factory(args.env, kwargs)
        except ValueError as exc:
            parser.error(str(exc))
        workers = (args.num_workers or os.cpu_count() or 1) if args.stepping == "subprocess" else 0
        print(json.dumps(bench_local(factory, args.num_envs, args.bench_local, workers)), flush=True)
        return
    if "://0.0.0.0" in args.address or "://*" in args.address:
        sys.stderr.write(f"tsrl_env_server: warning: {args.address} accepts connections from other machines; "
                         "the protocol has no authentication\n")
    try:
        serve(args.env, args.address, args.num_envs, env_kwargs=kwargs, max_episode_steps=args.max_episode_steps,
              stepping=args.stepping, num_workers=args.num_workers, max_sessions=args.max_sessions,
              max_envs_per_session=args.max_envs_per_session, exit_with_parent=args.exit_with_parent)
    except ValueError as exc:  # a bad --env, or a space the protocol cannot carry
        sys.stderr.write(f"tsrl_env_server: {args.env}: {exc}\n")
        sys.exit(2)
    except zmq.ZMQError as exc:
        sys.stderr.write(f"tsrl_env_server: cannot bind --address {args.address}: {exc} "
                         "(expected e.g. tcp://127.0.0.1:5555 or ipc:///tmp/env.sock; tcp://127.0.0.1:* picks a free port)\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
