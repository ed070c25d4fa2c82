/**
 * The deploy/ files agree with the CLI and with each other: every container's arguments parse as
 * `rl cluster start` flags (with the environment variables they use filled in), the key file is the
 * mounted Secret, the head's port is the Service's, nodes join through the Service, a GPU node offers
 * the GPUs it requests, and the image runs bin/rl.js.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createProgram } from '../../rl/cli/program.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const k8sDir = join(root, 'deploy', 'kubernetes');

interface Container {
  name: string;
  args: string[];
  env?: { name: string }[];
  ports?: { name: string; containerPort: number }[];
  resources?: { limits?: Record<string, string | number> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: {
    template?: {
      spec: {
        containers: Container[];
        volumes?: { name: string; secret?: { secretName: string; defaultMode?: number } }[];
      };
    };
    ports?: { port: number; targetPort: string }[];
  };
}

const manifests: Manifest[] = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(join(k8sDir, f), 'utf8')).map((d) => d.toJS() as Manifest));
const deployments = manifests.filter((m) => m.kind === 'Deployment');
const service = manifests.find((m) => m.kind === 'Service' && m.metadata.name === 'tsrl-head');

const sink = new Writable({ write: (_c, _e, done) => done() });

/** Parses `args` as `rl cluster start` flags and returns them. @throws on an unknown flag or bad value */
function parseStart(args: readonly string[]): Record<string, unknown> {
  const program = createProgram({
    version: '0',
    stdout: sink,
    stderr: sink,
    algorithmNames: [],
    loadAlgorithm: async () => {
      throw new Error('unused');
    },
    benchSuites: {},
  });
  const start = program.commands
    .find((c) => c.name() === 'cluster')
    ?.commands.find((c) => c.name() === 'start');
  if (start === undefined) throw new Error('no rl cluster start');
  start.exitOverride();
  const { operands, unknown } = start.parseOptions([...args]);
  expect({ operands, unknown }).toEqual({ operands: [], unknown: [] });
  return start.opts();
}

function filled(c: Container): string[] {
  const defined = new Set((c.env ?? []).map((e) => e.name));
  return c.args.map((a) =>
    a.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => {
      expect(defined.has(name), `${c.name}: $(${name}) is not in env`).toBe(true);
      return name === 'POD_IP' ? '10.1.2.3' : '4';
    }),
  );
}

describe('deploy/', () => {
  it('has a head, a CPU node and a GPU node Deployment and the head Service', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'tsrl-gpu-node',
      'tsrl-head',
      'tsrl-node',
    ]);
    expect(service).toBeDefined();
  });

  for (const d of deployments) {
    it(`${d.metadata.name}: arguments are valid rl cluster start flags and match the Secret and Service`, () => {
      const pod = d.spec.template?.spec;
      const c = pod?.containers[0];
      if (pod === undefined || c === undefined) throw new Error('no container');
      expect(c.args.slice(0, 2)).toEqual(['cluster', 'start']);
      const flags = parseStart(filled(c).slice(2));
      expect(flags['block']).toBe(true);
      expect(flags['numCpus']).toBe(4);
      // The key file is the Secret's cluster.key, owner-only.
      const mount = c.volumeMounts?.find((m) => `${m.mountPath}/cluster.key` === flags['keyFile']);
      expect(mount, `${d.metadata.name}: --key-file is not a mounted file`).toBeDefined();
      const volume = pod.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.secret).toEqual({ secretName: 'tsrl-cluster-key', defaultMode: 0o400 });
      const servicePort = service?.spec.ports?.[0];
      if (flags['head'] === true) {
        expect(flags['bind']).toBe('0.0.0.0');
        const port = c.ports?.find((p) => p.name === servicePort?.targetPort);
        expect(port?.containerPort).toBe(flags['port']);
        expect(servicePort?.port).toBe(flags['port']);
      } else {
        expect(flags['address']).toBe(`${service?.metadata.name}:${servicePort?.port}`);
        expect(flags['nodeIp']).toBe('10.1.2.3');
        expect(flags['numGpus']).toBe(Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0));
      }
    });
  }

  it('the image runs bin/rl.js and exposes the head port', () => {
    const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
    const entry = /^ENTRYPOINT \["node", "\/opt\/tsrl\/(\S+)"\]$/m.exec(dockerfile)?.[1];
    expect(entry).toBe('bin/rl.js');
    expect(existsSync(join(root, entry ?? ''))).toBe(true);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${service?.spec.ports?.[0]?.port}$`, 'm'));
  });
});
