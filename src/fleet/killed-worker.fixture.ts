// A worker process for worker-crash.integration.test.ts (not part of Warden):
//   node src/fleet/killed-worker.fixture.ts DATABASE_URL SETTINGS_JSON
// It takes jobs one at a time, tells its parent over IPC `{ id, attempt }` when one starts, and never
// finishes it: the test kills it with SIGKILL mid-job.
import { createJobQueue } from './create-job-queue.ts';

const [url, settings] = process.argv.slice(2);
if (!url || !settings || !process.send) {
  process.stderr.write(
    'usage: node src/fleet/killed-worker.fixture.ts URL SETTINGS_JSON (with an IPC channel)\n',
  );
  process.exit(2);
}
const send = process.send.bind(process);
const queue = await createJobQueue(url, JSON.parse(settings));
await queue.work(
  async (job) => {
    send({ id: job.id, attempt: job.attempt });
    await new Promise(() => {});
  },
  { concurrency: 1 },
);
send('ready');
