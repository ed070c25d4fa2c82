/**
 * Saves the resolved config beside a run's results, as YAML (to read) and JSON (to parse).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TSRL_VERSION } from '../version.js';

/** Paths written by {@link saveResolvedConfig}. */
export interface SavedConfigPaths {
  readonly yamlPath: string;
  readonly jsonPath: string;
}

/**
 * Writes `<runDir>/config.yaml` and `<runDir>/config.json` (creating `runDir`). The YAML file loads
 * back as a preset: `rl train --config <runDir>/config.yaml` repeats the run.
 * @throws Error from the file system (permissions, disk full).
 */
export function saveResolvedConfig(runDir: string, config: unknown): SavedConfigPaths {
  mkdirSync(runDir, { recursive: true });
  const yamlPath = join(runDir, 'config.yaml');
  const jsonPath = join(runDir, 'config.json');
  const header = `# Resolved config (defaults < preset file < --set), written by tsrl ${TSRL_VERSION}.\n`;
  writeFileSync(yamlPath, header + stringify(config, { lineWidth: 0 }));
  writeFileSync(jsonPath, `${JSON.stringify(config, null, 2)}\n`);
  return { yamlPath, jsonPath };
}
