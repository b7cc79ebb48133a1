// The Node build of Cedar (a CommonJS module that instantiates its WASM synchronously when imported).
export {
  checkParseEntities,
  checkParsePolicySet,
  checkParseSchema,
  type DetailedError,
  type EntityJson,
  policySetTextToParts,
  policyToJson,
  preparsePolicySet,
  preparseSchema,
  schemaToJson,
  statefulIsAuthorized,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';
