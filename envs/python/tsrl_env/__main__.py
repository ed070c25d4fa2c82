"""``python -m tsrl_env --env module:Class ...``: the same command line as ``tsrl-env``."""

from tsrl_env_server import main

main()
