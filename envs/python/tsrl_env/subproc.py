"""A session's envs stepped in worker processes (as Gymnasium's AsyncVectorEnv).
"""

import signal
import traceback

import numpy as np

from .vector import RenderError, VectorOfEnvs


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
