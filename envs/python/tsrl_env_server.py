#!/usr/bin/env python3
"""Serve any Gymnasium-style env to tsrl over the tsrl env protocol (version 1).

One file, needing only pyzmq, msgpack and numpy (Debian: python3-zmq, python3-msgpack, python3-numpy).
The env is any object with Gymnasium's API: ``reset(seed=, options=) -> (obs, info)``,
``step(action) -> (obs, reward, terminated, truncated, info)``, ``observation_space``,
``action_space`` (Discrete, Box, MultiDiscrete, MultiBinary, Tuple, Dict, recognised by duck typing,
so ``gymnasium.make(...)`` envs work unchanged) and optionally ``close()`` and ``spec``.

Usage::

    python3 tsrl_env_server.py --env my_module:MyEnv --address tcp://127.0.0.1:5555 --num-envs 4
    python3 tsrl_env_server.py --env gymnasium:CartPole-v1 --num-envs 8
    python3 tsrl_env_server.py --env ./my_env.py:make_env --env-kwargs '{"size": 5}'

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
import time
import traceback

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


class VectorOfEnvs:
    """N envs stepped together with same-step autoreset (tsrl's VectorEnv contract)."""

    def __init__(self, make_env, num_envs, max_episode_steps=None):
        self.envs = [make_env() for _ in range(num_envs)]
        env = self.envs[0]
        self.obs_json = space_to_json(env.observation_space, "observation_space")
        self.act_json = space_to_json(env.action_space, "action_space")
        self.act_dtype, self.act_shape, self.act_accepted = action_layout(self.act_json)
        self.act_space = env.action_space
        spec = getattr(env, "spec", None)
        env_max = getattr(spec, "max_episode_steps", None)
        self.max_episode_steps = max_episode_steps if max_episode_steps is not None else env_max
        self.limit_here = max_episode_steps is not None
        self.spec = {
            "id": str(getattr(spec, "id", None) or type(getattr(env, "unwrapped", env)).__name__),
            "max_episode_steps": None if self.max_episode_steps is None else int(self.max_episode_steps),
            "reward_threshold": getattr(spec, "reward_threshold", None),
        }
        self.num_envs = num_envs
        self.obs_size = flat_size(self.obs_json)
        self.flatten = make_flattener(self.obs_json)
        self.obs = np.zeros((num_envs, self.obs_size), np.float32)
        self.final_obs = np.zeros((num_envs, self.obs_size), np.float32)
        self.rewards = np.zeros(num_envs, np.float32)
        self.terminated = np.zeros(num_envs, np.uint8)
        self.truncated = np.zeros(num_envs, np.uint8)
        self.steps = [0] * num_envs

    def to_env_action(self, a):
        t = self.act_json["type"]
        if t == "Discrete":
            return int(a)
        dtype = getattr(self.act_space, "dtype", None) or a.dtype
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
        self.terminated[:] = 0
        self.truncated[:] = 0
        for i, env in enumerate(self.envs):
            result = env.step(self.to_env_action(actions[i]))
            if len(result) != 5:
                raise TypeError(f"step() returned {len(result)} values; Gymnasium's API returns 5 "
                                "(obs, reward, terminated, truncated, info)")
            obs, reward, terminated, truncated, info = result
            self.steps[i] += 1
            if self.limit_here and self.steps[i] >= self.max_episode_steps:
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

    def close(self):
        for env in self.envs:
            close = getattr(env, "close", None)
            if close is not None:
                close()


# ---------------------------------------------------------------- the server

def wire_infos(infos):
    """infos as they travel: None (nil) when every info is empty, which saves encoding N maps."""
    return infos if any(infos) else None


def read_array(header, frames, field, accepted, shape):
    d = header.get(field)
    if not isinstance(d, dict):
        raise ProtocolError("malformed", f"{field} must be an array descriptor {{dtype, shape, frame}}, got {d!r}", field)
    if d.get("dtype") not in accepted:
        raise ProtocolError("malformed", f"{field}.dtype must be one of {', '.join(accepted)}, got {d.get('dtype')!r}", f"{field}.dtype")
    if list(d.get("shape") or []) != list(shape) or not isinstance(d.get("shape"), list):
        raise ProtocolError("malformed", f"{field}.shape must be {list(shape)}, got {d.get('shape')!r}", f"{field}.shape")
    frame = d.get("frame")
    if not isinstance(frame, int) or isinstance(frame, bool) or not 1 <= frame < len(frames):
        raise ProtocolError("malformed", f"{field}.frame must name one of frames 1..{len(frames) - 1}, got {frame!r}", f"{field}.frame")
    dt = np.dtype(WIRE_DTYPES[d["dtype"]])
    need = int(np.prod(shape)) * dt.itemsize
    if len(frames[frame]) != need:
        raise ProtocolError("malformed", f"{field} holds {len(frames[frame])} bytes; {d['dtype']} {list(shape)} needs {need}", f"{field}.frame")
    return np.frombuffer(frames[frame], dtype=dt).reshape(shape)


class EnvServer:
    """A ROUTER socket serving one VectorOfEnvs to one client session at a time."""

    def __init__(self, vec, address):
        self.vec, self.address = vec, address
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind(address)
        self.endpoint = self.sock.getsockopt(zmq.LAST_ENDPOINT).decode()
        self.session, self.state = None, "await_hello"

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
        except Exception as exc:
            raise ProtocolError("malformed", f"frame 0 is not valid msgpack ({exc})") from None
        if not isinstance(header, dict):
            raise ProtocolError("malformed", "frame 0 must be a msgpack map")
        rid, kind = header.get("id"), header.get("type")
        if not isinstance(rid, int) or isinstance(rid, bool) or rid < 0:
            raise ProtocolError("malformed", f"id must be an integer >= 0, got {rid!r}", "id")
        if kind == "hello":
            return self.hello(peer, rid, header)
        if kind not in ("reset", "step", "close"):
            raise ProtocolError("malformed", f"type must be one of hello, reset, step, close, got {kind!r}", "type", id=rid)
        if self.session is None:
            raise ProtocolError("state", f"{kind} before hello: send hello first", "type", id=rid)
        if peer != self.session:
            raise ProtocolError("session", "another client has taken over this server (newer hello); reconnect", None, id=rid)
        if kind == "reset":
            return self.reset(rid, header)
        if kind == "step":
            return self.step(rid, header, frames)
        self.session, self.state = None, "await_hello"
        if header.get("shutdown") is True:
            self.shutdown = True
        return self.pack({"type": "closed", "id": rid})

    def hello(self, peer, rid, header):
        version = header.get("protocol")
        if version != PROTOCOL_VERSION:
            raise ProtocolError("version", f"protocol {version!r} is not supported; this server speaks {PROTOCOL_VERSION}",
                                "protocol", id=rid, supported=[PROTOCOL_VERSION])
        self.session, self.state = peer, "need_reset"
        v = self.vec
        return self.pack({"type": "welcome", "id": rid, "protocol": PROTOCOL_VERSION, "peer": "tsrl_env_server.py",
                          "num_envs": v.num_envs, "observation_space": v.obs_json, "action_space": v.act_json,
                          "spec": v.spec})

    def reset(self, rid, header):
        seed, options = header.get("seed"), header.get("options")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ProtocolError("malformed", f"seed must be an integer or null, got {seed!r}", "seed", id=rid)
        if options is not None and not isinstance(options, dict):
            raise ProtocolError("malformed", f"options must be a map or null, got {options!r}", "options", id=rid)
        self.state = "need_reset"
        infos = self.run_env(rid, lambda: self.vec.reset(seed, options))
        self.state = "running"
        return self.pack({"type": "reset_result", "id": rid, "infos": wire_infos(infos)}, [("obs", self.vec.obs)])

    def step(self, rid, header, frames):
        if self.state != "running":
            raise ProtocolError("state", "step before reset: reset first", "type", id=rid)
        v = self.vec
        try:
            actions = read_array(header, frames, "actions", v.act_accepted, [v.num_envs] + v.act_shape)
        except ProtocolError as exc:
            exc.extra["id"] = rid
            raise
        bad = first_bad_action(v.act_json, actions)
        if bad is not None:
            raise ProtocolError("invalid-action", f"actions[{bad}] = {actions[bad].tolist()} is outside the action space "
                                f"{json.dumps(v.act_json)}; no env was stepped", f"actions[{bad}]", id=rid)
        infos = self.run_env(rid, lambda: v.step(actions))
        return self.pack({"type": "step_result", "id": rid, "infos": wire_infos(infos)},
                         [("obs", v.obs), ("rewards", v.rewards), ("terminated", v.terminated),
                          ("truncated", v.truncated), ("final_obs", v.final_obs)])

    def run_env(self, rid, call):
        try:
            return call()
        except Exception as exc:
            self.state = "need_reset"
            raise ProtocolError("env", f"the env raised {type(exc).__name__}: {exc}", None, id=rid,
                                traceback=traceback.format_exc()) from None

    def stop(self, *_):
        """Ends serve() within a poll interval (used as the SIGINT/SIGTERM handler)."""
        self.shutdown = True

    def serve(self):
        self.shutdown = False
        poller = zmq.Poller()
        poller.register(self.sock, zmq.POLLIN)
        while not self.shutdown:
            # Poll with a timeout rather than block in recv, so that a signal can stop the loop cleanly.
            if not poller.poll(200):
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
                header.update(exc.extra)
                reply = self.pack(header)
            except Exception as exc:  # a bug here must not take the server down
                reply = self.pack({"type": "error", "id": None, "code": "malformed", "message": f"server error: {exc!r}", "field": None})
            # copy=True: the arrays are reused by the next step, so zmq must not keep references to them.
            self.sock.send_multipart([peer] + delimiter + reply, copy=True)
        self.close()

    def close(self):
        self.sock.close(0)
        self.ctx.term()
        path = self.endpoint[len("ipc://"):] if self.endpoint.startswith("ipc://") else None
        if path and not path.startswith("@") and os.path.exists(path):
            os.unlink(path)  # libzmq does not always remove the socket file it created
        self.vec.close()


# ---------------------------------------------------------------- command line

def load_env_factory(spec, kwargs):
    """``module:attr``, ``path/file.py:attr`` or ``gymnasium:Env-v1`` -> a zero-argument env factory."""
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise SystemExit(f"tsrl_env_server: --env {spec!r}: expected module:Class, path/to/file.py:factory or gymnasium:Env-v1")
    if target == "gymnasium":
        import gymnasium  # noqa: only when asked for
        return lambda: gymnasium.make(attr, **kwargs)
    if target.endswith(".py"):
        path = os.path.abspath(target)
        if not os.path.isfile(path):
            raise SystemExit(f"tsrl_env_server: --env {spec!r}: no file {path}")
        sys.path.insert(0, os.path.dirname(path))
        module_spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise SystemExit(f"tsrl_env_server: --env {spec!r}: {target} has no callable {attr!r}")
    return lambda: factory(**kwargs)


def bench_local(vec, steps):
    """Steps/s of the vector loop in-process (no ZeroMQ), random valid actions: the server's own speed."""
    rng = np.random.default_rng(0)
    vec.reset(seed=0)
    sj = vec.act_json
    if sj["type"] == "Discrete":
        batches = [rng.integers(sj["start"], sj["start"] + sj["n"], size=vec.num_envs).astype(np.int32) for _ in range(64)]
    else:
        batches = [np.array([vec.act_space.sample() for _ in range(vec.num_envs)]) for _ in range(64)]
    iterations = max(1, steps // vec.num_envs)
    start = time.perf_counter()
    for k in range(iterations):
        vec.step(batches[k % 64])
    seconds = time.perf_counter() - start
    return {"numEnvs": vec.num_envs, "envSteps": iterations * vec.num_envs, "stepsPerSecond": iterations * vec.num_envs / seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve a Gymnasium-style env over the tsrl env protocol v1.")
    parser.add_argument("--env", required=True, help="module:Class, path/file.py:factory or gymnasium:Env-v1")
    parser.add_argument("--address", default="tcp://127.0.0.1:5555",
                        help="ZeroMQ address to bind (default tcp://127.0.0.1:5555; tcp://127.0.0.1:* picks a free port)")
    parser.add_argument("--num-envs", type=int, default=1, help="copies of the env stepped per message (default 1)")
    parser.add_argument("--env-kwargs", default="{}", help="JSON object of keyword arguments for the env factory")
    parser.add_argument("--max-episode-steps", type=int, default=None, help="truncate episodes after this many steps")
    parser.add_argument("--bench-local", type=int, default=0, metavar="STEPS",
                        help="instead of serving, step the envs STEPS times in-process and print steps/s as JSON")
    args = parser.parse_args(argv)
    if args.num_envs < 1:
        parser.error(f"--num-envs must be an integer >= 1, got {args.num_envs}")
    try:
        kwargs = json.loads(args.env_kwargs)
    except json.JSONDecodeError as exc:
        parser.error(f"--env-kwargs must be a JSON object: {exc}")
    if not isinstance(kwargs, dict):
        parser.error(f"--env-kwargs must be a JSON object, got {args.env_kwargs}")
    try:
        vec = VectorOfEnvs(load_env_factory(args.env, kwargs), args.num_envs, args.max_episode_steps)
    except ValueError as exc:  # a space the protocol cannot carry
        sys.stderr.write(f"tsrl_env_server: {args.env}: {exc}\n")
        sys.exit(2)
    if args.bench_local > 0:
        print(json.dumps(bench_local(vec, args.bench_local)), flush=True)
        return
    if "://0.0.0.0" in args.address or "://*" in args.address:
        sys.stderr.write(f"tsrl_env_server: warning: {args.address} accepts connections from other machines; "
                         "the protocol has no authentication\n")
    try:
        server = EnvServer(vec, args.address)
    except zmq.ZMQError as exc:
        sys.stderr.write(f"tsrl_env_server: cannot bind --address {args.address}: {exc} "
                         "(expected e.g. tcp://127.0.0.1:5555 or ipc:///tmp/env.sock; tcp://127.0.0.1:* picks a free port)\n")
        sys.exit(1)
    print(f"tsrl_env_server: serving {vec.spec['id']} x{vec.num_envs} on {server.endpoint}", flush=True)

    # SIGINT and SIGTERM (as `rl env serve` sends) end the loop and close the socket, which removes an
    # ipc:// socket file.
    signal.signal(signal.SIGTERM, server.stop)
    signal.signal(signal.SIGINT, server.stop)
    server.serve()


if __name__ == "__main__":
    main()
