import { JsonObject, parseJson } from '../flattening/json-value';

/** A run of 16+ digits or dots: a number JSON.parse might round (doubles hold 15 digits exactly). */
const MAYBE_IMPRECISE = /\d[\d.]{15}/;

/**
 * Parses one flattened NDJSON line into column → value. Lines whose numbers fit a double use
 * JSON.parse; the others keep numbers as exact `JsonNumber` text. Keys are own properties of a
 * null-prototype object, so no key can reach a prototype.
 */
export function parseFlatLine(line: string): Record<string, unknown> {
  if (!MAYBE_IMPRECISE.test(line)) {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SyntaxError('A flat record must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  }
  const document = parseJson(line);
  if (!(document instanceof JsonObject)) throw new SyntaxError('A flat record must be a JSON object');
  const record: Record<string, unknown> = Object.create(null);
  for (const [key, value] of document.entries) record[key] = value;
  return record;
}
