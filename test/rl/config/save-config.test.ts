import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { resolveConfig } from '../../../rl/config/resolve.js';
import { saveResolvedConfig } from '../../../rl/config/save-config.js';
import { s } from '../../../rl/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrl-save-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saveResolvedConfig', () => {
  it('writes YAML and JSON that resolve back to the same config', () => {
    const schema = buildConfigSchema(s.object({ lr: s.number({ default: 0.1 }) }));
    const config = resolveConfig({
      schema,
      algo: 'ppo',
      sets: ['stop.iterations=3', 'model.hiddenSizes=[8]'],
    });
    const runDir = join(dir, 'run', 'nested');
    const { yamlPath, jsonPath } = saveResolvedConfig(runDir, config);
    expect(yamlPath).toBe(join(runDir, 'config.yaml'));
    expect(JSON.parse(readFileSync(jsonPath, 'utf8'))).toEqual(config);
    expect(readFileSync(yamlPath, 'utf8')).toMatch(/^# Resolved config/);
    expect(resolveConfig({ schema, algo: 'ppo', file: yamlPath })).toEqual(config);
  });
});
