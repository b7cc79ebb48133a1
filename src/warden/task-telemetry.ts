import type { Config } from '../config/index.ts';
import type { Journal } from '../journal/index.ts';
import type { Environment } from '../spec/env.ts';
import { UserError, WardenError } from '../spec/errors.ts';
import type { Task } from '../spec/types.ts';
import {
  createTelemetryExporter,
  type TelemetryExporter,
  type TelemetrySettings,
  telemetrySettings,
} from '../telemetry/index.ts';
import { wardenVersion } from './version.ts';

type Built = { settings: TelemetrySettings; exporter: TelemetryExporter };

/** How long `close` waits for exports in flight: a collector that hangs never holds the process longer. */
export const TELEMETRY_CLOSE_BOUND_MS = 2_000;

/**
 * The Warden's telemetry: finished tasks sent in the background, `warden telemetry export` sending one
 * on request, and a bounded flush at close. One exporter per Warden, built on the first export; none at
 * all (and nothing of OpenTelemetry loaded) when no collector is configured. A failure is reported once
 * through `warn` and never reaches the task.
 */
export class TaskTelemetry {
  readonly #config: Config;
  readonly #env: Environment;
  readonly #journal: Journal;
  readonly #warn: (text: string) => void;
  readonly #secretSalt: string | undefined;
  #exporter: Built | null | undefined;
  #warned = false;
  #closed = false;

  constructor(settings: {
    config: Config;
    env: Environment;
    journal: Journal;
    warn: (text: string) => void;
    /** What the fingerprints of secrets redacted from exported content are salted with. */
    secretSalt?: string | undefined;
  }) {
    this.#secretSalt = settings.secretSalt;
    this.#config = settings.config;
    this.#env = settings.env;
    this.#journal = settings.journal;
    this.#warn = settings.warn;
  }

  /** Sends a task that has ended, in the background: returns at once, never throws. */
  taskFinished(task: Task): void {
    if (task.status === 'running' || task.status === 'awaiting_approval' || this.#closed) return;
    let built: Built | null;
    try {
      built = this.#built();
    } catch (error) {
      this.#warnOnce(`telemetry is off: ${(error as Error).message}`);
      return;
    }
    if (!built) return;
    void this.#journal
      .events(task.id)
      .then((events) => built.exporter.exportTask(events, { metrics: true }))
      .catch((error: unknown) => {
        if (!this.#closed) this.#warnOnce(`telemetry: task ${task.id} was not exported: ${describe(error)}`);
      });
  }

  /**
   * Sends a finished task's spans again and waits for the collector (its metrics are not counted twice).
   *
   * @throws UserError `config-invalid` when no collector is configured, `usage` for a task not finished;
   *   SystemError `telemetry-failed` when the collector did not take it.
   */
  async exportTask(task: Task): Promise<{ tracesUrl: string; spans: number }> {
    const built = this.#built();
    if (!built)
      throw new UserError('config-invalid', 'no OpenTelemetry collector is configured', {
        hint: 'set OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://127.0.0.1:4318) or telemetry.endpoint in the config',
      });
    if (task.status === 'running' || task.status === 'awaiting_approval')
      throw new UserError('usage', `task ${task.id} is ${task.status}; only a finished task is exported`, {
        hint: 'export it once it has ended (`warden tasks` shows its status)',
      });
    const events = await this.#journal.events(task.id);
    await built.exporter.exportTask(events, { metrics: false });
    const { spansOfJournal } = await import('../telemetry/index.ts');
    return {
      tracesUrl: built.settings.tracesUrl,
      spans: spansOfJournal(events, { captureContent: false }).length,
    };
  }

  /** Waits for exports in flight at most `TELEMETRY_CLOSE_BOUND_MS`, then drops them (said once). */
  async close(): Promise<void> {
    this.#closed = true;
    const exporter = this.#exporter?.exporter;
    if (!exporter) return;
    const abandoned = await exporter.close(TELEMETRY_CLOSE_BOUND_MS);
    if (abandoned > 0)
      this.#warnOnce(
        `telemetry: the collector at ${this.#exporter?.settings.tracesUrl} did not answer within ${TELEMETRY_CLOSE_BOUND_MS / 1000} s; ${abandoned} export(s) dropped`,
      );
  }

  /** The exporter, built on first use; null when no collector is configured. @throws UserError for bad settings. */
  #built(): Built | null {
    if (this.#exporter === undefined) {
      const settings = telemetrySettings(this.#config.telemetry, this.#env);
      this.#exporter = settings && {
        settings,
        exporter: createTelemetryExporter(settings, {
          serviceVersion: wardenVersion(),
          secretSalt: this.#secretSalt,
        }),
      };
    }
    return this.#exporter;
  }

  #warnOnce(text: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#warn(`warning: ${text} (the task is not affected; further telemetry failures are not reported)\n`);
  }
}

function describe(error: unknown): string {
  if (error instanceof WardenError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
