"""The server: a ZeroMQ ROUTER socket giving every client (peer) a session with envs of its own.
"""

import json
import os
import traceback
from collections import OrderedDict

import msgpack
import zmq

from .spaces import first_bad_action
from .subproc import SubprocVectorOfEnvs
from .vector import RenderError, VectorOfEnvs
from .wire import PROTOCOL_VERSION, ProtocolError, is_int, msgpack_default, read_array, wire_infos


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
        frames[0] = msgpack.packb(header, use_bin_type=True, default=msgpack_default)
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
