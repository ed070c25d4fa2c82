/**
 * Validation of a server's `welcome`: protocol version, env count, spaces and spec.
 */
import type { EnvSpec } from '../env.js';
import type { Space, SpaceJson } from '../spaces/space.js';
import { SpaceJsonError, spaceFromJson } from '../spaces/space-from-json.js';
import { type ActionLayout, actionLayout } from './action-codec.js';
import { FIELDS, PROTOCOL_VERSION } from './protocol.js';
import { type Header, isPlainMap, readInt, readString, show, WireFormatError } from './wire-codec.js';

/** What a valid `welcome` tells the client. */
export interface Welcome {
  numEnvs: number;
  observationSpace: Space;
  actionSpace: Space;
  observationSpaceJson: SpaceJson;
  actionSpaceJson: SpaceJson;
  actionLayout: ActionLayout;
  spec: EnvSpec;
  /** The server's self-description (e.g. `tsrl_env_server.py`), or `unknown`. */
  peer: string;
  /** The env's render mode (`rgb_array` when it can send frames), or undefined. */
  renderMode: string | undefined;
  /** Whether the server gives each client its own envs (several sessions at once). */
  sessions: boolean;
}

/** Thrown when the server speaks another protocol version. */
export class VersionMismatchError extends Error {
  override readonly name = 'VersionMismatchError';
}

/**
 * Reads a `welcome` header.
 * @throws VersionMismatchError when `protocol` is not {@link PROTOCOL_VERSION}.
 * @throws WireFormatError naming the field for anything else that is wrong.
 */
export function readWelcome(header: Header): Welcome {
  const protocol = header[FIELDS.protocol];
  if (protocol !== PROTOCOL_VERSION) {
    throw new VersionMismatchError(
      `the server speaks protocol ${show(protocol)}, this client ${PROTOCOL_VERSION}; upgrade the older side`,
    );
  }
  const numEnvs = readInt(header, FIELDS.numEnvs, 1);
  const observationSpace = readSpace(header, FIELDS.observationSpace);
  const actionSpace = readSpace(header, FIELDS.actionSpace);
  const actionSpaceJson = actionSpace.toJson();
  let layout: ActionLayout;
  try {
    layout = actionLayout(actionSpaceJson);
  } catch (error) {
    throw new WireFormatError(FIELDS.actionSpace, (error as Error).message);
  }
  const peer = header[FIELDS.peer];
  return {
    numEnvs,
    observationSpace,
    actionSpace,
    observationSpaceJson: observationSpace.toJson(),
    actionSpaceJson,
    actionLayout: layout,
    spec: readSpec(header[FIELDS.spec]),
    peer: typeof peer === 'string' ? peer : 'unknown',
    renderMode:
      typeof header[FIELDS.renderMode] === 'string' ? (header[FIELDS.renderMode] as string) : undefined,
    sessions: header[FIELDS.sessions] === true,
  };
}

function readSpace(header: Header, field: string): Space {
  try {
    return spaceFromJson(header[field], field);
  } catch (error) {
    if (error instanceof SpaceJsonError) throw new WireFormatError(error.path, error.message);
    throw new WireFormatError(field, `${field} is not a valid space: ${(error as Error).message}`);
  }
}

function readSpec(value: unknown): EnvSpec {
  if (!isPlainMap(value))
    throw new WireFormatError('spec', `spec must be a map {id, max_episode_steps}, got ${show(value)}`);
  const id = readString(value, 'id');
  const max = value['max_episode_steps'];
  if (
    max !== null &&
    max !== undefined &&
    (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1)
  ) {
    throw new WireFormatError(
      'spec.max_episode_steps',
      `spec.max_episode_steps must be an integer >= 1 or null, got ${show(max)}`,
    );
  }
  const spec: EnvSpec = { id, maxEpisodeSteps: typeof max === 'number' ? max : undefined };
  const threshold = value['reward_threshold'];
  if (typeof threshold === 'number') spec.rewardThreshold = threshold;
  else if (threshold !== null && threshold !== undefined) {
    throw new WireFormatError(
      'spec.reward_threshold',
      `spec.reward_threshold must be a number or null, got ${show(threshold)}`,
    );
  }
  return spec;
}
