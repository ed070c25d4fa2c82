"""Tiny stand-ins for gymnasium.spaces.Discrete and Box, for machines without gymnasium.

With gymnasium installed, use gymnasium.spaces instead: tsrl_env_server.py reads either by duck typing.
"""

import numpy as np


class Discrete:
    """The integers start, ..., start + n - 1."""

    def __init__(self, n, start=0, seed=None):
        self.n, self.start, self.shape, self.dtype = int(n), int(start), (), np.int64
        self._rng = np.random.default_rng(seed)

    def sample(self):
        return int(self.start + self._rng.integers(self.n))

    def contains(self, x):
        return float(x).is_integer() and self.start <= int(x) < self.start + self.n


class Box:
    """Arrays of `shape` with low <= x <= high elementwise."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed=None):
        self.dtype = np.dtype(dtype)
        shape = tuple(shape) if shape is not None else np.shape(low)
        self.shape = shape
        self.low = np.broadcast_to(np.asarray(low, self.dtype), shape).copy()
        self.high = np.broadcast_to(np.asarray(high, self.dtype), shape).copy()
        self._rng = np.random.default_rng(seed)

    def sample(self):
        low = np.where(np.isinf(self.low), -1.0, self.low)
        high = np.where(np.isinf(self.high), 1.0, self.high)
        return self._rng.uniform(low, high).astype(self.dtype)

    def contains(self, x):
        x = np.asarray(x)
        return x.shape == self.shape and bool(np.all(x >= self.low) and np.all(x <= self.high))
