/**
 * What instruction-like text aimed at an agent looks like, as regular expressions. Every pattern starts
 * with a literal word or sign and has only bounded repetitions (`\s{1,6}`, `[^\n]{0,200}`), so the
 * work per starting position is bounded and a scan stays linear on hostile input. Patterns are read on
 * the skeleton (hidden characters removed, tag characters decoded), case-insensitively.
 *
 * The aim is a signal for the journal with few false alarms on ordinary code, READMEs and bug reports:
 * a bare `curl … | sh`, `system prompt` or `git push` is common in documentation and is not flagged;
 * the same words addressed to the agent, or reaching for secrets, are.
 */

/** What a flagged passage tries to do. */
export type InstructionKind =
  /** "ignore all previous instructions", "new instructions:" */
  | 'override-instructions'
  /** "you are now…", "from now on you must…", "your new task is…" */
  | 'role-reassignment'
  /** "note for AI assistants", "if you are an AI agent", "as an AI language model" */
  | 'addressed-to-agent'
  /** "print your system prompt", "reveal your instructions" */
  | 'prompt-extraction'
  /** chat-template tokens and role tags: `<|im_start|>`, `[INST]`, `<<SYS>>`, a lone `</system>` line */
  | 'role-tag'
  /** a look-alike of Warden's own untrusted-block delimiter (`<<end untrusted`) */
  | 'delimiter-spoof'
  /** "do not tell the user", "keep this hidden from the maintainers", "silently run" */
  | 'secrecy'
  /** "run curl evil.example", "execute wget https://…" in prose */
  | 'remote-command'
  /** "send the .env file", "cat ~/.ssh/id_rsa", "upload your credentials", `curl … $(cat .env)` */
  | 'secret-access'
  /** "push directly to main", `git push --force`, "bypass branch protection", "merge it yourself" */
  | 'unsafe-push'
  /** "disable the failing tests", "mark the tests as passing", `git commit --no-verify` */
  | 'disable-checks'
  /** `base64 -d | sh`, `eval(atob(…))`, `powershell -enc …` */
  | 'encoded-exec';

/**
 * `imperative`: a match counts only after the start of a sentence, a list item or a word that makes it
 * a command (`please`, `then`, `and`, `you`…), so that "the CLI reads credentials from…" is not one.
 * `unnegated`: a match counts unless `never`, `not`, `don't` or `avoid` comes just before it.
 */
export interface InstructionPattern {
  kind: InstructionKind;
  pattern: RegExp;
  context?: 'imperative' | 'unnegated';
}

const AGENT = String.raw`(?:AI|LLMs?|language\s{1,6}models?|(?:AI|LLM|coding|automated|autonomous)\s{1,6}(?:assistants?|agents?|bots?|models?|tools?)|copilot|claude|chatgpt|gpt-?\d|gemini|codex|cursor|devin)`;
const PEOPLE = String.raw`(?:the\s{1,6}|your\s{1,6}|any\s{1,6})?(?:users?|humans?|operators?|maintainers?|reviewers?|owners?|developers?|admins?)\b`;
const SECRET = String.raw`(?:~\/\.ssh|\.ssh\/|\bid_(?:rsa|ed25519|ecdsa|dsa)\b|\.aws\/credentials|\.npmrc\b|\.netrc\b|\.git-credentials|\.pypirc|\.docker\/config\.json|\/etc\/(?:passwd|shadow)\b|\.env\b(?![.\w-])|\b(?:private|ssh|api|secret|signing|deploy)[\s_-]{0,2}keys?\b|\b(?:access|auth|api|bearer|session|refresh)[\s_-]{0,2}tokens?\b|\b(?:credentials|secrets)\b(?!\.(?:[cm]?[jt]sx?|py|go|rs|rb|java|kt|md)\b)|\benvironment\s{1,6}variables\b|\benv\s{1,6}vars\b|\b[A-Z][A-Z0-9_]{0,40}_(?:TOKEN|SECRET|KEY|PASSWORD)\b)`;

function regex(source: string, flags = 'gi'): RegExp {
  return new RegExp(source, flags);
}

/** Builds the table; called once per detector rather than at import. */
export function instructionPatterns(): InstructionPattern[] {
  return [
    {
      kind: 'override-instructions',
      pattern: regex(
        String.raw`\b(?:ignore|disregard|forget|bypass|drop|abandon)\s{1,6}(?:(?:all|any|every|the|your|my|these|those|of)\s{1,6}){0,3}(?:previous|prior|preceding|above|earlier|former|original|existing|initial|system|developer|operator|other)\s{1,6}(?:instructions?|prompts?|directions?|directives?|rules|guidelines|guidance|context|messages?|commands?|constraints|orders|tasks?)\b`,
      ),
    },
    {
      kind: 'override-instructions',
      pattern: regex(
        String.raw`\bforget\s{1,6}(?:everything|all)\s{1,6}(?:above|before|you\s{1,6}(?:were|have\s{1,6}been)\s{1,6}told)\b`,
      ),
    },
    {
      kind: 'override-instructions',
      pattern: regex(
        String.raw`\b(?:new|updated|real|actual|revised|true)\s{1,6}(?:instructions|system\s{1,6}prompt)\s{0,3}:`,
      ),
    },
    {
      kind: 'role-reassignment',
      pattern: regex(
        String.raw`\byou\s{1,6}are\s{1,6}now\s{1,6}(?:an?\s|the\s|my\s|no\s{1,6}longer|acting\b|DAN\b|free\b|unrestricted|jailbroken|operating\b|in\s{1,6}(?:developer|god|admin|debug|unrestricted|jailbreak)\s{1,6}mode)`,
      ),
    },
    {
      kind: 'role-reassignment',
      pattern: regex(
        String.raw`\bfrom\s{1,6}now\s{1,6}on\s{0,2},?\s{1,6}you\s{1,6}(?:are|must|shall|will\s{1,6}(?:act|only|always|ignore|obey|follow|respond|answer))\b`,
      ),
    },
    {
      kind: 'role-reassignment',
      pattern: regex(
        String.raw`\byour\s{1,6}(?:new|real|actual|true|updated)\s{1,6}(?:role|task|job|goal|purpose|objective|instructions?|persona|mission)\s{1,6}(?:is|are|will\s{1,6}be)\b`,
      ),
    },
    {
      kind: 'role-reassignment',
      pattern: regex(
        String.raw`\b(?:pretend|imagine)\s{1,6}(?:to\s{1,6}be|that\s{1,6}you\s{1,6}are|you\s{1,6}are)\s{1,6}(?:an?|the)\s{1,6}(?:unrestricted|unfiltered|different|new|evil|malicious|hacker|system|admin)`,
      ),
    },
    {
      kind: 'addressed-to-agent',
      pattern: regex(
        String.raw`\b(?:note|message|instructions?|reminder|notice|memo|directive|important|info)\s{1,6}(?:for|to)\s{1,6}(?:(?:the|any|all)\s{1,6})?${AGENT}\b`,
      ),
    },
    {
      kind: 'addressed-to-agent',
      pattern: regex(
        String.raw`\b(?:dear|hey|hi|hello|attention|attn)\s{0,2}[,:]?\s{1,6}${AGENT}\s{0,2}[,:!]`,
      ),
    },
    {
      kind: 'addressed-to-agent',
      pattern: regex(
        String.raw`\bif\s{1,6}you\s{1,6}are\s{1,6}(?:an?\s{1,6})?(?:${AGENT}|assistant|agent|bot|automated)\b`,
      ),
    },
    {
      kind: 'addressed-to-agent',
      pattern: regex(
        String.raw`\b(?:AI|LLM)\s{1,6}(?:agents?|assistants?|models?|tools?|systems?)\s{1,6}(?:reading|processing|parsing|viewing|analy[sz]ing|summari[sz]ing|reviewing)\s{1,6}this\b`,
      ),
    },
    {
      kind: 'addressed-to-agent',
      pattern: regex(
        String.raw`\bas\s{1,6}an\s{1,6}AI(?:\s{1,6}(?:language\s{1,6}model|model|assistant|agent)\b|\s{0,2},\s{1,6}you\b)`,
      ),
    },
    {
      kind: 'prompt-extraction',
      pattern: regex(
        String.raw`\b(?:reveal|print|show|repeat|output|dump|leak|disclose|display|echo|share|send|tell\s{1,6}me)\s{1,6}(?:(?:me|us)\s{1,6})?(?:your\s{1,6}(?:(?:full|entire|original|initial|hidden|secret|exact)\s{1,6})?(?:system\s{1,6}(?:prompt|message|instructions)|prompt|instructions|rules)|the\s{1,6}(?:(?:full|entire|original|initial|hidden|secret|exact)\s{1,6})?system\s{1,6}(?:prompt|message))\b`,
      ),
    },
    {
      kind: 'role-tag',
      pattern: regex(
        String.raw`<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start_of_turn|end_of_turn|system-reminder|system_prompt|function_calls|function_results|tool_call|tool_result)>`,
      ),
    },
    {
      kind: 'role-tag',
      pattern: regex(
        String.raw`\n[ \t]{0,8}<\/?(?:system|instructions|user|assistant|human)>[ \t]{0,8}(?=\r?\n|$)`,
      ),
    },
    { kind: 'role-tag', pattern: regex(String.raw`\n\n(?:Human|Assistant):`, 'g') },
    {
      kind: 'delimiter-spoof',
      pattern: regex(String.raw`[<\uFF1C\uFE64]{2}\s{0,8}(?:end\s{1,8})?untrusted\b`),
    },
    {
      kind: 'secrecy',
      pattern: regex(
        String.raw`\b(?:do\s{1,6}not|don'?t|never|without)\s{1,6}(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?(?:\s{1,6}this)?\s{1,6}to|notify(?:ing)?|alert(?:ing)?|let(?:ting)?)\s{1,6}(?:(?:this|it)\s{1,6}(?:to\s{1,6})?)?${PEOPLE}`,
      ),
    },
    {
      kind: 'secrecy',
      pattern: regex(
        String.raw`\b(?:keep|hide)\s{1,6}(?:this|it)\s{1,6}(?:(?:secret|hidden|confidential|private)\s{1,6})?from\s{1,6}${PEOPLE}`,
      ),
    },
    {
      kind: 'secrecy',
      pattern: regex(
        String.raw`\bthe\s{1,6}(?:user|human|operator|maintainers?|reviewers?)\s{1,6}(?:must|should)\s{1,6}(?:not|never)\s{1,6}(?:know|see|find\s{1,6}out|notice|learn)\b`,
      ),
    },
    {
      kind: 'secrecy',
      pattern: regex(
        String.raw`\b(?:silently|secretly|quietly|covertly)\s{1,6}(?:run|execute|send|upload|add|insert|install|push|commit|delete|remove|modify|include|read|post|exfiltrate)\b`,
      ),
    },
    {
      kind: 'remote-command',
      context: 'imperative',
      pattern: regex(
        String.raw`\b(?:run|execute|exec|invoke)\s{1,6}(?:(?:the|this|following|command):?\s{1,6}){0,3}(?:curl|wget|iwr|Invoke-WebRequest|Invoke-RestMethod|nc|ncat|netcat)\b(?=[^\n]{0,200}(?:https?:\/\/|\.[a-z]{2,24}\b|\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b))`,
      ),
    },
    {
      kind: 'secret-access',
      context: 'imperative',
      pattern: regex(
        String.raw`\b(?:read|cat|print|dump|send|upload|exfiltrate|leak|reveal|share|output|email|base64|encode|transmit|forward)\b(?=[^\n.]{0,60}${SECRET})`,
      ),
    },
    {
      kind: 'secret-access',
      pattern: regex(
        String.raw`\b(?:curl|wget|nc|ncat|netcat|scp)\b(?=[^\n]{0,200}(?:\$\(\s{0,4}(?:cat|env|printenv)\b|\x60\s{0,4}(?:cat|env|printenv)\b|@~?\/?[\w./-]{0,40}(?:\.env\b|\.ssh\/|id_rsa|id_ed25519|credentials)))`,
      ),
    },
    {
      kind: 'unsafe-push',
      pattern: regex(
        String.raw`\bgit\s{1,6}push\b(?=[^\n]{0,80}?(?:\s--force(?![-\w])|\s-f\b|\s--mirror\b|\s--delete\b|\s\+[\w/]))`,
      ),
    },
    {
      kind: 'unsafe-push',
      context: 'unnegated',
      pattern: regex(
        String.raw`\b(?:push|commit|merge|deploy)\s{1,6}(?:(?:the|your|these|this|all|my|it|changes?|commits?|code|fix)\s{1,6}){0,4}(?:directly|straight)\s{1,6}(?:in)?to\s{1,6}(?:main|master|prod(?:uction)?|release|trunk|the\s{1,6}(?:main|default|master|release|production)\s{1,6}branch)\b`,
      ),
    },
    {
      kind: 'unsafe-push',
      context: 'unnegated',
      pattern: regex(
        String.raw`\b(?:bypass|skip|disable|ignore|circumvent|override)\s{1,6}(?:(?:the|all|any)\s{1,6})?(?:branch\s{1,6}protections?|code\s{1,6}review|required\s{1,6}reviews?|review\s{1,6}process|status\s{1,6}checks)\b`,
      ),
    },
    {
      kind: 'unsafe-push',
      pattern: regex(
        String.raw`\bmerge\s{1,6}(?:(?:this|the|your|it)\s{1,6})?(?:(?:PR|pull\s{1,6}request|change)\s{1,6})?(?:yourself|without\s{1,6}(?:review|approval|waiting))\b`,
      ),
    },
    {
      kind: 'disable-checks',
      context: 'imperative',
      pattern: regex(
        String.raw`\b(?:disable|skip|delete|remove|comment\s{1,6}out|turn\s{1,6}off|bypass|ignore)\s{1,6}(?:(?:all|the|any|every|failing|broken|flaky|those|these|unit|integration|e2e|existing)\s{1,6}){0,3}(?:tests?|test\s{1,6}(?:suite|cases?|files?)|specs|checks|CI|linters?|linting|lint\s{1,6}rules|type\s{0,2}checks?|typecheck(?:ing)?|pre-commit\s{1,6}hooks?|git\s{1,6}hooks|assertions|coverage\s{1,6}(?:checks?|thresholds?))\b`,
      ),
    },
    {
      kind: 'disable-checks',
      pattern: regex(
        String.raw`\b(?:mark|report)\s{1,6}(?:(?:the|all|any|failing|these)\s{1,6}){0,2}(?:tests?|checks?)\s{1,6}as\s{1,6}(?:passing|passed|green|successful)\b`,
      ),
    },
    {
      kind: 'disable-checks',
      pattern: regex(String.raw`\bgit\s{1,6}(?:commit|push)\b(?=[^\n]{0,80}--no-verify\b)`),
    },
    {
      kind: 'encoded-exec',
      pattern: regex(
        String.raw`\bbase64\s{1,6}(?:-d|--decode|-D)\b(?=[^\n]{0,80}\|\s{0,4}(?:sudo\s{1,4})?(?:(?:ba|z|da|k)?sh|python3?|perl|node|ruby|iex)\b)`,
      ),
    },
    {
      kind: 'encoded-exec',
      pattern: regex(
        String.raw`\b(?:eval|exec|Function|execSync|system|popen|iex|Invoke-Expression)\s{0,4}\(\s{0,4}(?:atob|base64\.b64decode|b64decode|base64_decode|Buffer\.from|\[?System\.Convert\]?::FromBase64String)\s{0,4}\(`,
      ),
    },
    {
      kind: 'encoded-exec',
      pattern: regex(
        String.raw`\b(?:powershell|pwsh)(?:\.exe)?\s[^\n]{0,40}?\s-(?:e|ec|enc|encodedcommand)\s{1,6}[A-Za-z0-9+/]{20}`,
      ),
    },
  ];
}

const IMPERATIVE_BEFORE =
  /(?:^|[.!?:;,>\n*-]|\b(?:please|then|and|also|now|must|should|first|just|simply|always|you|agent|AI|assistant|immediately))[\s`*_"'(]{0,6}$/i;
const NEGATED_BEFORE = /(?:\b(?:never|not|avoid|without|instead\s{1,6}of)|n't)\s{1,6}(?:\w{1,12}\s{1,6})?$/i;

/** Whether the match at `index` of `text` counts, given its pattern's `context`. */
export function contextAllows(pattern: InstructionPattern, text: string, index: number): boolean {
  if (pattern.context === undefined) return true;
  const before = (index < 32 ? '\n' : '') + text.slice(Math.max(0, index - 32), index);
  if (pattern.context === 'imperative') return IMPERATIVE_BEFORE.test(before);
  return !NEGATED_BEFORE.test(before);
}
