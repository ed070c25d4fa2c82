/**
 * A module-path env id made absolute (`./my-env.ts:MyEnv` -> `/home/me/proj/my-env.ts:MyEnv`), so that
 * the config saved with a run and its checkpoints names the same module from any working directory
 * (`rl evaluate` and `--resume` run elsewhere). Registered ids and addresses are left as they are.
 */
import { isAbsolute, resolve } from 'node:path';
import { isModuleId } from '../../envs/registry.js';
import type { CommonConfig } from '../config/common.js';

/** `id` with a relative module path resolved against `cwd`. */
export function absoluteEnvId(id: string, cwd: string = process.cwd()): string {
  if (!isModuleId(id) || id.startsWith('file:')) return id;
  const suffix = /:[A-Za-z_$][A-Za-z0-9_$]*$/.exec(id)?.[0] ?? '';
  const path = id.slice(0, id.length - suffix.length);
  return isAbsolute(path) ? id : `${resolve(cwd, path)}${suffix}`;
}

/** The config with {@link absoluteEnvId} applied to `env.id` (the same object when nothing changes). */
export function withAbsoluteEnvId<C extends CommonConfig>(config: C): C {
  const id = absoluteEnvId(config.env.id);
  return id === config.env.id ? config : { ...config, env: { ...config.env, id } };
}
