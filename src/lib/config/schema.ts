import * as v from 'valibot';
import { ConfigError, describeValue, isPlainObject } from './config-error';

/**
 * Building blocks for configuration schemas (valibot), each with the message a person needs: what
 * was wrong and what to write instead. The same definitions validate a document and, through
 * @valibot/to-json-schema, describe it to editors as JSON Schema (the `metadata` entries carry what
 * a custom check cannot say by itself).
 *
 * Wrong values are reported by validation actions, not by schemas, wherever the value's JSON type
 * is right: valibot runs an object's own checks only while every field keeps its type, so a bad
 * pattern or range in one field still lets the cross-field checks report their problems too.
 */

type AddIssue = Parameters<Parameters<typeof v.rawCheck<unknown>>[0]>[0]['addIssue'];

interface TextOptions {
  readonly pattern?: RegExp;
  /** What a matching value is, as the message says it: `"x" must be <hint>`. */
  readonly hint?: string;
}

const expectedText = (issue: { input: unknown }) =>
  `expected a non-empty string, got ${describeValue(issue.input)}`;

/** A non-empty string, optionally matching a pattern. */
export function text(options: TextOptions = {}) {
  const { pattern, hint } = options;
  return v.pipe(
    v.string(expectedText),
    v.rawCheck<string>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      if (dataset.value === '') addIssue({ message: expectedText({ input: dataset.value }) });
      else if (pattern && !pattern.test(dataset.value))
        addIssue({ message: `${JSON.stringify(dataset.value)} must be ${hint ?? `like ${pattern}`}` });
    }),
    v.metadata(pattern ? { minLength: 1, pattern: pattern.source } : { minLength: 1 }),
  );
}

/** An integer within a range. */
export function integer(min: number, max: number) {
  const message = (input: unknown) =>
    `expected an integer from ${min} to ${max}, got ${describeValue(input)}`;
  return v.pipe(
    v.number((issue) => message(issue.input)),
    v.rawCheck<number>(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const value = dataset.value;
      if (!Number.isInteger(value) || value < min || value > max) addIssue({ message: message(value) });
    }),
    v.metadata({ type: 'integer', minimum: min, maximum: max }),
  );
}

export function bool() {
  return v.boolean((issue) => `expected true or false, got ${describeValue(issue.input)}`);
}

/** One of a few words. */
export function oneOf<const T extends string>(choices: readonly T[]): v.GenericSchema<string, T> {
  const message = (input: unknown) => `expected one of ${choices.join(', ')}, got ${describeValue(input)}`;
  return v.pipe(
    v.string((issue) => message(issue.input)),
    v.rawCheck<string>(({ dataset, addIssue }) => {
      if (dataset.typed && !(choices as readonly string[]).includes(dataset.value))
        addIssue({ message: message(dataset.value) });
    }),
    v.metadata({ enum: [...choices] }),
  ) as unknown as v.GenericSchema<string, T>;
}

export function list<T extends v.GenericSchema>(item: T) {
  return v.array(item, (issue) => `expected a list, got ${describeValue(issue.input)}`);
}

/** A value that may be left out (or left empty in YAML: `key:`), then taking its default. */
export function optional<T extends v.GenericSchema>(schema: T): v.NullishSchema<T, undefined>;
export function optional<T extends v.GenericSchema, const D extends v.Default<T, null | undefined>>(
  schema: T,
  fallback: D,
): v.NullishSchema<T, D>;
export function optional(schema: v.GenericSchema, fallback?: unknown) {
  return v.nullish(schema, fallback as never);
}

/**
 * A mapping with these keys only: each unknown key is reported with the keys allowed, so a typo
 * is never silently ignored. A missing required key is reported as `<key>: is required`.
 */
export function mapping<const E extends v.ObjectEntries>(entries: E) {
  const allowed = Object.keys(entries);
  return v.pipe(
    v.looseObject(entries, (issue) =>
      issue.kind === 'schema' && issue.type === 'loose_object' && issue.expected?.startsWith('"')
        ? 'is required'
        : `expected a mapping, got ${describeValue(issue.input)}`,
    ),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!isPlainObject(dataset.value)) return;
      for (const key of Object.keys(dataset.value)) {
        if (!allowed.includes(key))
          addIssue({ message: `unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})` });
      }
    }),
    v.metadata({ additionalProperties: false }),
  );
}

/** Reports a problem found by a cross-field check at the path, below the checked value, it concerns. */
export function problemAt(
  addIssue: AddIssue,
  value: unknown,
  keys: readonly (string | number)[],
  message: string,
): void {
  if (keys.length === 0) {
    addIssue({ message });
    return;
  }
  let input: unknown = value;
  const path = keys.map((key) => {
    const container = input;
    input = (container as Record<string | number, unknown> | undefined)?.[key];
    return typeof key === 'number'
      ? { type: 'array' as const, origin: 'value' as const, input: container as unknown[], key, value: input }
      : {
          type: 'object' as const,
          origin: 'value' as const,
          input: container as Record<string, unknown>,
          key,
          value: input,
        };
  });
  addIssue({ message, path: path as unknown as [v.IssuePathItem, ...v.IssuePathItem[]] });
}

/** `streams[0].flatten.maxDepth`, as the messages have always named places. */
export function formatPath(path: readonly v.IssuePathItem[] | undefined): string {
  let text = '';
  for (const item of path ?? []) {
    const key = item.key as string | number;
    text += typeof key === 'number' ? `[${key}]` : text ? `.${key}` : String(key);
  }
  return text || '(top level)';
}

/** Validates a document, throwing one ConfigError that names every problem with its path. */
export function parseConfig<T extends v.GenericSchema>(
  source: string,
  schema: T,
  document: unknown,
): v.InferOutput<T> {
  const result = v.safeParse(schema, document);
  if (result.success) return result.output;
  throw new ConfigError(
    source,
    result.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  );
}

/**
 * Environment variables a function needs (others are left alone): every value is text, so a
 * missing one reads as the text it should have been.
 */
export function environment<const E extends v.ObjectEntries>(entries: E) {
  return v.object(entries, (issue) =>
    issue.expected?.startsWith('"')
      ? 'expected a non-empty string, got nothing'
      : `expected the environment, got ${describeValue(issue.input)}`,
  );
}
