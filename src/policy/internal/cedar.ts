import { createRequire } from 'node:module';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';

export type { DetailedError, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';

type Cedar = typeof CedarWasm;

let cedar: Cedar | undefined;

/**
 * The Node build of Cedar, loaded on first use. It is a CommonJS module that compiles and instantiates
 * its 4 MB of WASM synchronously when required, which every command that never decides a policy should
 * not pay for; `require` keeps the functions below synchronous, and Node's module cache keeps one Cedar
 * (with its parsed policy sets) per process.
 */
function loaded(): Cedar {
  cedar ??= createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as Cedar;
  return cedar;
}

export const checkParseEntities: Cedar['checkParseEntities'] = (call) => loaded().checkParseEntities(call);
export const checkParsePolicySet: Cedar['checkParsePolicySet'] = (policies) =>
  loaded().checkParsePolicySet(policies);
export const checkParseSchema: Cedar['checkParseSchema'] = (schema) => loaded().checkParseSchema(schema);
export const policySetTextToParts: Cedar['policySetTextToParts'] = (text) =>
  loaded().policySetTextToParts(text);
export const policyToJson: Cedar['policyToJson'] = (policy) => loaded().policyToJson(policy);
export const preparsePolicySet: Cedar['preparsePolicySet'] = (id, policies) =>
  loaded().preparsePolicySet(id, policies);
export const preparseSchema: Cedar['preparseSchema'] = (name, schema) =>
  loaded().preparseSchema(name, schema);
export const schemaToJson: Cedar['schemaToJson'] = (schema) => loaded().schemaToJson(schema);
export const statefulIsAuthorized: Cedar['statefulIsAuthorized'] = (call) =>
  loaded().statefulIsAuthorized(call);
export const validate: Cedar['validate'] = (call) => loaded().validate(call);
