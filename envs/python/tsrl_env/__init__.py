"""tsrl_env: serve Gymnasium-style envs to tsrl over the tsrl env protocol.

    from tsrl_env import serve
    serve(MyEnv, "ipc:///tmp/my-env.sock", num_envs=8)             # blocks until shut down
    serve("gymnasium:CartPole-v1", "tcp://127.0.0.1:5555", num_envs=16, stepping="subprocess")

The implementation is the single file ``tsrl_env_server.py`` (installed beside this package).
"""

from tsrl_env_server import PROTOCOL_VERSION, EnvServer, load_env_factory, main, serve

__all__ = ["PROTOCOL_VERSION", "EnvServer", "load_env_factory", "main", "serve"]
