"""A 1-D target-reaching task: a custom env written against Gymnasium's API in plain numpy.

The agent sits at a position in [-1, 1] and must reach a target. Each step it moves by its action
(a Box in [-0.1, 0.1]); the reward is minus the distance to the target, and the episode terminates
with a bonus of 1 when the agent is within 0.05 of the target. Observation: [position, target].
Made with ``render_mode="rgb_array"``, ``render()`` draws the line as a 20 x 200 RGB picture: the
target green, the agent red.
"""

from types import SimpleNamespace

import numpy as np

from mini_spaces import Box


class TargetReach:
    spec = SimpleNamespace(id="TargetReach-v0", max_episode_steps=100, reward_threshold=None)

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, max_move=0.1, render_mode=None):
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.max_move = float(max_move)
        self.observation_space = Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self.action_space = Box(-self.max_move, self.max_move, shape=(1,), dtype=np.float32)
        self.np_random = np.random.default_rng()
        self.position, self.target, self.steps = 0.0, 0.0, 0

    def reset(self, seed=None, options=None):
        if seed is not None:
            self.np_random = np.random.default_rng(seed)
        self.position, self.target = self.np_random.uniform(-1.0, 1.0, size=2).tolist()
        self.steps = 0
        return self._obs(), {"target": self.target}

    def step(self, action):
        move = float(np.clip(np.asarray(action).reshape(-1)[0], -self.max_move, self.max_move))
        self.position = float(np.clip(self.position + move, -1.0, 1.0))
        self.steps += 1
        distance = abs(self.position - self.target)
        terminated = distance < 0.05
        truncated = not terminated and self.steps >= self.spec.max_episode_steps
        reward = -distance + (1.0 if terminated else 0.0)
        return self._obs(), reward, terminated, truncated, {"distance": distance}

    def _obs(self):
        return np.array([self.position, self.target], np.float32)

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        frame = np.full((20, 200, 3), 255, np.uint8)
        frame[9:11, :] = 160  # the line
        column = lambda x: int(round((x + 1.0) / 2.0 * 199))
        frame[4:16, max(0, column(self.target) - 2):column(self.target) + 3] = (0, 170, 0)
        frame[6:14, max(0, column(self.position) - 2):column(self.position) + 3] = (220, 0, 0)
        return frame

    def close(self):
        pass
