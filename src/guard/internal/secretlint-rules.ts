import type { lintSource as LintSource } from '@secretlint/core';

type LintConfig = Parameters<typeof LintSource>[0]['options']['config'];

/** A secret a secretlint rule found: where in the content (offsets), and which rule said so. */
export interface RuleMatch {
  /** `aws`, `privatekey`… (the rule's id without `@secretlint/secretlint-rule-`). */
  rule: string;
  /** What was found, the secret masked out (`found AWS Secret Access Key`). */
  message: string;
  /** 1-based line where the secret starts. */
  line: number;
  /** Offsets of the secret in the content. */
  range: readonly [number, number];
}

/** Lints one text with secretlint's recommended rules. */
export type RuleLinter = (file: string, content: string) => Promise<RuleMatch[]>;

/**
 * A rule that honours `secretlint-disable` comments in the scanned text: the agent writes that text, so
 * it would let an agent switch the scan off. Left out.
 */
const AGENT_CONTROLLED = '@secretlint/secretlint-rule-filter-comments';

const PREFIX = '@secretlint/secretlint-rule-';

/**
 * Loads secretlint's core and its recommended preset (imported here, on the first scan: nothing of it
 * loads with a command that never scans) and returns a linter over them. Each rule of the preset is
 * registered on its own so that the AWS rule also reports access key ids (`enableIDScanRule`), and the
 * comment filter is left out. secretlint's profiler is switched off: left on, it keeps a performance
 * mark per rule per file for the life of the process.
 */
export async function loadSecretlint(): Promise<RuleLinter> {
  const [{ lintSource }, { rules }, { secretLintProfiler }] = await Promise.all([
    import('@secretlint/core'),
    import('@secretlint/secretlint-rule-preset-recommend'),
    import('@secretlint/profiler'),
  ]);
  secretLintProfiler.setEnabled(false);
  const config: LintConfig = {
    rules: rules
      .filter((rule) => rule.meta.id !== AGENT_CONTROLLED)
      .map((rule) => ({
        id: rule.meta.id,
        rule,
        options: rule.meta.id === `${PREFIX}aws` ? { enableIDScanRule: true } : {},
      })),
  };
  return async (file, content) => {
    const result = await lintSource({
      source: { filePath: file, content, ext: extensionOf(file), contentType: 'text' },
      options: { config, maskSecrets: true, noPhysicFilePath: true },
    });
    return result.messages
      .filter((message) => message.type === 'message')
      .map((message) => ({
        rule: message.ruleId.startsWith(PREFIX) ? message.ruleId.slice(PREFIX.length) : message.ruleId,
        // Masked values are runs of `*` as long as the secret: its length is not said either.
        message: message.message.replace(/\*{3,}/g, '[redacted]'),
        line: message.loc.start.line,
        range: message.range,
      }));
  };
}

function extensionOf(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}
