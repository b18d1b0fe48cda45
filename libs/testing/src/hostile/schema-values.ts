import fc from 'fast-check';
import type { JsonSchema } from './api-operations';

/** Values a field of this name should sometimes hold (ids that exist, numbers of the tenant…), by the field's name. */
export type FieldHints = (name: string) => fc.Arbitrary<unknown> | undefined;

const MAX_ITEMS = 4;
const MAX_STRING = 24;
const DATES = { min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true };

/**
 * Values a JSON Schema allows, as far as the schema says (refinements it cannot express, such as a valid time zone or
 * an E.164 number, are left to chance and to `hints`): the plausible requests that get past a route's validation
 * and reach its use case. Where a hint knows the field's name, its values are mixed in.
 */
export function schemaValue(schema: JsonSchema, hints: FieldHints, name = ''): fc.Arbitrary<unknown> {
  const own = fromSchema(schema, hints, name);
  const hinted = name ? hints(name) : undefined;
  return hinted ? fc.oneof({ arbitrary: hinted, weight: 3 }, { arbitrary: own, weight: 1 }) : own;
}

function fromSchema(s: JsonSchema, hints: FieldHints, name: string): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((a) => schemaValue(a, hints, name)));
  if (s.allOf?.length) return schemaValue(Object.assign({}, ...s.allOf) as JsonSchema, hints, name);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => fromSchema({ ...s, type }, hints, name)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: Math.ceil(s.minimum ?? -1e6), max: Math.floor(s.maximum ?? 1e6) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'string':
      return stringValue(s);
    case 'array': {
      const minLength = s.minItems ?? 0;
      return fc.array(schemaValue(s.items ?? {}, hints, name), { minLength, maxLength: Math.max(minLength, Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS)) });
    }
    case 'object':
      return objectValue(s, hints);
    default:
      return s.properties ? objectValue(s, hints) : fc.jsonValue({ maxDepth: 2 });
  }
}

function stringValue(s: JsonSchema): fc.Arbitrary<string> {
  const matching = s.pattern ? patternValue(s.pattern) : undefined;
  if (matching) return matching;
  if (s.format === 'date-time') return fc.date(DATES).map((d) => d.toISOString());
  if (s.format === 'uri') return fc.webUrl();
  if (s.format === 'email') return fc.emailAddress();
  const minLength = s.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(s.maxLength ?? MAX_STRING, MAX_STRING)) });
}

/** Strings matching the pattern; undefined for a pattern fast-check cannot generate from (lookarounds). */
function patternValue(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern));
  } catch {
    return undefined;
  }
}

function objectValue(s: JsonSchema, hints: FieldHints): fc.Arbitrary<Record<string, unknown>> {
  const shape = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, schemaValue(v, hints, k)]));
  const known = fc.record(shape, { requiredKeys: (s.required ?? []).filter((k) => k in shape) });
  const extra = s.additionalProperties;
  if (!extra || Object.keys(shape).length > 0) return known as fc.Arbitrary<Record<string, unknown>>;
  // A map (`context`): free keys, values as the schema says.
  const value = extra === true ? fc.jsonValue({ maxDepth: 1 }) : schemaValue(extra, hints);
  return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { maxKeys: 3 });
}
