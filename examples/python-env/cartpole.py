"""CartPole-v1 in plain Python + numpy, the same dynamics as Gymnasium's, for machines without gymnasium.

Constants, Euler integrator, termination and reward follow Gymnasium 1.x
gymnasium/envs/classic_control/cartpole.py (the code here is our own). The 500-step time limit of
CartPole-v1 is applied by the env itself so that it can be served without gymnasium's TimeLimit wrapper.
With gymnasium installed, `--env gymnasium:CartPole-v1` serves the real one.
"""

import math
from types import SimpleNamespace

import numpy as np

from mini_spaces import Box, Discrete

GRAVITY, MASS_CART, MASS_POLE, HALF_POLE_LENGTH = 9.8, 1.0, 0.1, 0.5
FORCE_MAG, TAU = 10.0, 0.02
THETA_LIMIT = 12 * 2 * math.pi / 360
X_LIMIT = 2.4


class CartPole:
    """obs [x, x_dot, theta, theta_dot] float32; actions 0 (push left) and 1 (push right); reward 1 per step."""

    spec = SimpleNamespace(id="CartPole-v1", max_episode_steps=500, reward_threshold=475.0)

    def __init__(self):
        high = np.array([X_LIMIT * 2, np.finfo(np.float32).max, THETA_LIMIT * 2, np.finfo(np.float32).max], np.float32)
        self.observation_space = Box(-high, high, dtype=np.float32)
        self.action_space = Discrete(2)
        self.np_random = np.random.default_rng()
        self.state = (0.0, 0.0, 0.0, 0.0)
        self.steps = 0

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
        self.state = tuple(self.np_random.uniform(-0.05, 0.05, size=4).tolist())
        self.steps = 0
        return np.array(self.state, np.float32), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = FORCE_MAG if action == 1 else -FORCE_MAG
        cos, sin = math.cos(theta), math.sin(theta)
        total_mass = MASS_CART + MASS_POLE
        pole_mass_length = MASS_POLE * HALF_POLE_LENGTH
        temp = (force + pole_mass_length * theta_dot**2 * sin) / total_mass
        theta_acc = (GRAVITY * sin - cos * temp) / (
            HALF_POLE_LENGTH * (4.0 / 3.0 - MASS_POLE * cos**2 / total_mass))
        x_acc = temp - pole_mass_length * theta_acc * cos / total_mass
        x, x_dot = x + TAU * x_dot, x_dot + TAU * x_acc
        theta, theta_dot = theta + TAU * theta_dot, theta_dot + TAU * theta_acc
        self.state = (x, x_dot, theta, theta_dot)
        self.steps += 1
        terminated = x < -X_LIMIT or x > X_LIMIT or theta < -THETA_LIMIT or theta > THETA_LIMIT
        truncated = not terminated and self.steps >= 500
        return np.array(self.state, np.float32), 1.0, terminated, truncated, {}

    def close(self):
        pass
