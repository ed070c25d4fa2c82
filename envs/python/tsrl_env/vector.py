"""A session's envs stepped one after another, with same-step autoreset.
"""

import numpy as np

from .spaces import make_flattener


class VectorOfEnvs:
    """N envs stepped one after another with same-step autoreset (tsrl's VectorEnv contract).

    ``out`` (optional) holds the arrays to write into (obs, final_obs, rewards, terminated, truncated),
    so that a subprocess worker writes straight into memory shared with the server.
    """

    def __init__(self, envs, layout, out=None):
        self.envs, self.layout = envs, layout
        n = self.num_envs = len(envs)
        self.flatten = make_flattener(layout.obs_json)
        if out is None:
            out = (np.zeros((n, layout.obs_size), np.float32), np.zeros((n, layout.obs_size), np.float32),
                   np.zeros(n, np.float32), np.zeros(n, np.uint8), np.zeros(n, np.uint8))
        self.obs, self.final_obs, self.rewards, self.terminated, self.truncated = out
        self.steps = [0] * n

    def to_env_action(self, a):
        if self.layout.act_json["type"] == "Discrete":
            return int(a)
        dtype = getattr(self.layout.act_space, "dtype", None) or a.dtype
        return np.array(a, dtype=dtype)

    def reset(self, seed=None, options=None):
        infos = []
        for i, env in enumerate(self.envs):
            obs, info = env.reset(seed=None if seed is None else seed + i, options=options)
            self.flatten(obs, self.obs[i], 0)
            self.steps[i] = 0
            infos.append(info or {})
        return infos

    def step(self, actions):
        infos = []
        limit = self.layout.max_episode_steps if self.layout.limit_here else None
        self.terminated[:] = 0
        self.truncated[:] = 0
        for i, env in enumerate(self.envs):
            result = env.step(self.to_env_action(actions[i]))
            if len(result) != 5:
                raise TypeError(f"step() returned {len(result)} values; Gymnasium's API returns 5 "
                                "(obs, reward, terminated, truncated, info)")
            obs, reward, terminated, truncated, info = result
            self.steps[i] += 1
            if limit is not None and self.steps[i] >= limit:
                truncated = True
            self.rewards[i] = reward
            if terminated or truncated:
                self.terminated[i], self.truncated[i] = bool(terminated), bool(truncated)
                self.flatten(obs, self.final_obs[i], 0)
                obs, _ = env.reset()
                self.steps[i] = 0
            self.flatten(obs, self.obs[i], 0)
            infos.append(info or {})
        return infos

    def render(self, index=None):
        """rgb_array frames [K, H, W, C] uint8 of env ``index`` (K = 1) or of every env."""
        envs = self.envs if index is None else [self.envs[index]]
        frames = []
        for env in envs:
            frame = env.render()
            if frame is None:
                raise RenderError("render() returned None: make the env with render_mode='rgb_array' "
                                  "(for gymnasium ids, env kwargs {\"render_mode\": \"rgb_array\"})")
            frame = np.asarray(frame)
            if frame.ndim != 3 or frame.shape[2] not in (3, 4):
                raise RenderError(f"render() returned an array of shape {frame.shape}; expected [H, W, 3] or [H, W, 4]")
            frames.append(frame.astype(np.uint8, copy=False))
        if any(f.shape != frames[0].shape for f in frames):
            raise RenderError(f"the envs rendered frames of different shapes {[f.shape for f in frames]}; render one env")
        return np.ascontiguousarray(np.stack(frames))

    def close(self):
        for env in self.envs:
            close = getattr(env, "close", None)
            if close is not None:
                close()


class RenderError(Exception):
    """The env cannot render rgb_array frames (answered with code ``render``, the session unchanged)."""
