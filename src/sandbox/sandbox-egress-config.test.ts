import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load-config.ts';
import { EGRESS_GROUPS } from './index.ts';
import { sandboxEgressOf } from './sandbox-egress-config.ts';

describe('sandbox egress from the config', () => {
  it('makes registry groups and upstreams read-only unless they are granted writes', () => {
    const config = parseConfig(
      [
        'sandbox:',
        '  egress:',
        '    groups: [npm, { name: pypi, allowWrite: true }]',
        '    secrets: [{ name: NPM_TOKEN, fromEnv: HOST_NPM_TOKEN }]',
        '    upstreams:',
        '      - { name: npm, url: "https://registry.npmjs.org/", secret: NPM_TOKEN }',
        '      - { name: internal, url: "https://npm.internal.example/", allowWrite: true }',
      ].join('\n'),
    );
    const egress = sandboxEgressOf(config, { HOST_NPM_TOKEN: 'real' });
    expect(egress?.allow).toEqual([...EGRESS_GROUPS.npm, ...EGRESS_GROUPS.pypi]);
    expect(egress?.readOnly).toEqual([...EGRESS_GROUPS.npm]);
    expect(egress?.secrets).toEqual([{ name: 'NPM_TOKEN', value: 'real', hosts: [], allowWrite: false }]);
    expect(egress?.upstreams?.map((upstream) => [upstream.name, upstream.allowWrite])).toEqual([
      ['npm', false],
      ['internal', true],
    ]);
  });

  it('refuses a group it does not know', () => {
    expect(() =>
      parseConfig('sandbox:\n  egress:\n    groups: [{ name: nope, allowWrite: true }]\n'),
    ).toThrow(/sandbox\.egress\.groups/);
  });
});
