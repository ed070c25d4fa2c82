import { describe, expect, it } from 'vitest';
import { buildConfigSchema } from '../../../rl/config/common.js';
import { describeSchema, formatConfigReference } from '../../../rl/config/describe.js';
import { s } from '../../../rl/config/schema.js';

describe('describeSchema', () => {
  const schema = buildConfigSchema(
    s.object({
      lr: s.number({ min: 0, exclusiveMin: true, default: 2.5e-4, description: 'Adam learning rate.' }),
      targetKl: s.optional(s.number({ min: 0 })),
    }),
  );

  it('lists every leaf with its default and description', () => {
    const rows = describeSchema(schema);
    const byPath = new Map(rows.map((r) => [r.path, r]));
    expect(byPath.get('training.lr')).toEqual({
      path: 'training.lr',
      expected: 'a finite number > 0',
      defaultText: '0.00025',
      description: 'Adam learning rate.',
    });
    expect(byPath.get('training.targetKl')?.defaultText).toBe('(optional)');
    expect(byPath.get('model.hiddenSizes')?.defaultText).toBe('[64,64]');
    expect(byPath.get('expect.episodeReturnMean')?.defaultText).toBe('(required)');
    expect(byPath.get('env.options')?.defaultText).toBe('{}');
    expect(rows[0]!.path).toBe('algo');
    expect(rows.some((r) => r.path === 'env')).toBe(false);
  });

  it('formats aligned lines', () => {
    const text = formatConfigReference(schema);
    const line = text.split('\n').find((l) => l.startsWith('training.lr '));
    expect(line).toMatch(/^training\.lr +0\.00025 +Adam learning rate\. \(a finite number > 0\)$/);
  });
});
