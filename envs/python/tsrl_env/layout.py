"""What the protocol says about an env, read once from one env.
"""

from .spaces import action_layout, flat_size, space_to_json


class EnvLayout:
    """What the protocol says about an env (spaces, action layout, spec), read once from one env."""

    def __init__(self, env, max_episode_steps=None):
        self.obs_json = space_to_json(env.observation_space, "observation_space")
        self.act_json = space_to_json(env.action_space, "action_space")
        self.act_dtype, self.act_shape, self.act_accepted = action_layout(self.act_json)
        self.act_space = env.action_space
        self.obs_size = flat_size(self.obs_json)
        spec = getattr(env, "spec", None)
        env_max = getattr(spec, "max_episode_steps", None)
        # A limit given to the server is applied by the server; the env's own limit is only reported.
        self.limit_here = max_episode_steps is not None
        self.max_episode_steps = max_episode_steps if max_episode_steps is not None else env_max
        self.spec = {
            "id": str(getattr(spec, "id", None) or type(getattr(env, "unwrapped", env)).__name__),
            "max_episode_steps": None if self.max_episode_steps is None else int(self.max_episode_steps),
            "reward_threshold": getattr(spec, "reward_threshold", None),
        }
        mode = getattr(env, "render_mode", None)
        self.render_mode = mode if isinstance(mode, str) else None
