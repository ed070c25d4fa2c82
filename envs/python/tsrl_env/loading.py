"""Env factories from what a user names: a spec string, a class or factory, or one env instance.
"""

import importlib
import importlib.util
import os
import sys


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


def factory_of(env_or_factory, env_kwargs):
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
