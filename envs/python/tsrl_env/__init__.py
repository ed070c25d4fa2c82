"""tsrl_env: serve Gymnasium-style envs to tsrl over the tsrl env protocol (docs/env-protocol.md).

    from tsrl_env import serve
    serve(MyEnv, "ipc:///tmp/my-env.sock", num_envs=8)             # blocks until shut down
    serve("gymnasium:CartPole-v1", "tcp://127.0.0.1:5555", num_envs=16, stepping="subprocess")

Modules, one job each: ``wire`` (the wire format), ``spaces`` (spaces, flattening, actions),
``layout`` (what the protocol says about an env), ``vector`` and ``subproc`` (stepping a session's
envs in order or in worker processes), ``server`` (sessions over a ZeroMQ ROUTER socket), ``loading``
(env factories from names), ``serving`` (``serve``), ``cli`` (the command line). The single file
envs/python/tsrl_env_server.py is generated from them (scripts/build-python-server.ts).
"""

from .cli import main
from .loading import load_env_factory
from .server import EnvServer
from .serving import serve
from .wire import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION", "EnvServer", "load_env_factory", "main", "serve"]
