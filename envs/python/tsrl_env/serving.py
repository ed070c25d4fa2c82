"""``serve()``: the Python API that runs a server until it is told to stop.
"""

import os
import signal
import threading

from .layout import EnvLayout
from .loading import factory_of
from .server import EnvServer
from .wire import is_int


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
    factory, first = factory_of(env_or_factory, dict(env_kwargs or {}))
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
