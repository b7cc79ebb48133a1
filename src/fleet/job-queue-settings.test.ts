import { describe, expect, it } from 'vitest';
import { parseJobQueueSettings } from './job-queue-settings.ts';

describe('job queue settings', () => {
  it('fill every default, with no concurrency limit unless one is set', () => {
    expect(parseJobQueueSettings()).toEqual({
      schema: 'warden_queue',
      retryLimit: 5,
      retryDelaySeconds: 5,
      retryDelayMaxSeconds: 300,
      heartbeatSeconds: 30,
      superviseIntervalSeconds: 10,
      maxRunSeconds: 14_400,
      pollingIntervalSeconds: 2,
      deferSeconds: 5,
      limits: {},
      maxConnections: 10,
    });
    expect(parseJobQueueSettings({ limits: { repository: 2 } }).limits).toEqual({ repository: 2 });
  });

  it('name each bad field and what it allows, as a config error', () => {
    const parsing = () =>
      parseJobQueueSettings({ heartbeatSeconds: 5, limits: { repository: 0, branch: 1 }, schema: 'Public' });
    expect(parsing).toThrow(expect.objectContaining({ code: 'config-invalid' }));
    expect(parsing).toThrow(/heartbeatSeconds: .*10/);
    expect(parsing).toThrow(/limits\.repository: /);
    expect(parsing).toThrow(/limits: .*branch/);
    expect(parsing).toThrow(/schema: must be a lower-case PostgreSQL identifier/);
  });
});
