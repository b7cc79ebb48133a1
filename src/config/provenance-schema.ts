import { z } from 'zod';
import { UNTRUSTABLE_KINDS } from '../spec/provenance.ts';

/** Which context taints a task (see docs/architecture/untrusted-content.md). */
export const ProvenanceSchema = z
  .strictObject({
    untrusted: z
      .array(z.enum(UNTRUSTABLE_KINDS))
      .default([...UNTRUSTABLE_KINDS])
      .describe(
        "The kinds of source whose content taints a task when it enters: issue, pull-request, comment (forge text by an author outside trustedAssociations), ci-log (a failed run's logs), alert (an on-call page's text), network (a response from a host reached through the egress proxy, the package registries of the egress groups excepted), suspected-injection (any text shown to the model, a README or test output included, that reads as instructions aimed at the agent or hides tag-character text); a kind left out never taints. The operator's task text and the repository's files are trusted. A tainted task asks a human before it pushes, posts, opens a pull request, names a URL in a command, writes a protected path or gets a credential (the default bundle's taint.cedar), and its sandbox reaches only the package registries.",
      ),
    trustedAssociations: z
      .array(z.string().regex(/^[A-Z_]+$/, 'a GitHub author association in capitals: OWNER, MEMBER…'))
      .default(['OWNER', 'MEMBER', 'COLLABORATOR'])
      .describe(
        "The forge authors whose issues, pull requests and comments do not taint a task, by GitHub's author_association (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, NONE…). Text whose association is unknown taints.",
      ),
  })
  .describe("Where a task's context comes from, and which of it is untrusted.");
