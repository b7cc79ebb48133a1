import { UserError } from '../../spec/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const TELEMETRY_HELP = `warden telemetry export TASK [--json]

Sends a finished task's OpenTelemetry GenAI spans (invoke_agent, chat, execute_tool) to the configured
collector again and waits for it: exit 0 when the collector took them, 1 when it did not (refused,
unreachable after a few attempts), 2 when no collector is configured or the task has not ended. The
span ids are derived from the task, so a re-export sends the same trace. Metrics are not sent again
(they were counted when the task ended). TASK may be a unique prefix of the id.

The collector: OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), else
telemetry.endpoint in the config; OTEL_EXPORTER_OTLP_PROTOCOL http/protobuf (default) or http/json;
OTEL_EXPORTER_OTLP_HEADERS. The environment wins over the config.
`;

export async function telemetryCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('telemetry', argv, {}, 2);
  if (values.help) {
    io.out(TELEMETRY_HELP);
    return EXIT.ok;
  }
  const [action, taskArgument] = positionals;
  if (action !== 'export')
    throw new UserError(
      'usage',
      `warden telemetry: ${action === undefined ? 'which action?' : `unknown action ${JSON.stringify(action)}`}`,
      { hint: 'use `warden telemetry export TASK`' },
    );
  if (!taskArgument)
    throw new UserError('usage', 'warden telemetry export: which task? give its id', {
      hint: 'list them with `warden tasks`',
    });
  const warden = await openWarden(values, io);
  try {
    const sent = await warden.exportTelemetry(taskArgument);
    if (values.json) io.out(`${JSON.stringify(sent)}\n`);
    else io.out(`sent ${sent.spans} spans of task ${sent.taskId} to ${sent.tracesUrl}\n`);
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}
