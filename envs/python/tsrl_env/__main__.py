"""``python -m tsrl_env --env module:Class ...``: the same command line as ``tsrl-env``."""

from .cli import main

main()
