"""The command line (``tsrl-env``, ``python -m tsrl_env``, ``python3 tsrl_env_server.py``).
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import zmq

from .layout import EnvLayout
from .loading import load_env_factory
from .serving import serve
from .subproc import SubprocVectorOfEnvs
from .vector import VectorOfEnvs


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
