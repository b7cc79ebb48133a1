import { z } from 'zod';

/** The claims of a task token beyond the registered ones (`iss`, `aud`, `sub`, `iat`, `exp`, `jti`). */
export const TaskTokenClaimsSchema = z.object({
  sub: z.string().min(1).describe('the task id'),
  repo: z.string().min(1).describe('the one repository the token may act on'),
  actions: z.array(z.string().min(1)).describe('the actions the token allows'),
  jti: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
});

/** A verified task token's claims. */
export interface TaskTokenClaims {
  taskId: string;
  repository: string;
  actions: string[];
  tokenId: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** A task token as minted: the compact JWT and its expiry. */
export interface TaskToken {
  token: string;
  expiresAt: Date;
}

/** What a verifier expects of a token: this task, this repository, and (when given) this action. */
export interface TaskTokenExpectation {
  taskId: string;
  repository: string;
  /** An action the token must allow; undefined checks task and repository only. */
  action?: string;
}
