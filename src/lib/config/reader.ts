/**
 * Reads untrusted configuration (YAML, JSON, environment) and collects every problem with the path
 * where it was found, so a bad file fails once with the complete list instead of one error at a time.
 */
import { ConfigError, describeValue as describe, isPlainObject, type Problems } from './config-error';

export { ConfigError, isPlainObject, type Problems };

export class ConfigReader {
  constructor(
    readonly value: unknown,
    readonly path: string,
    readonly problems: Problems,
  ) {}

  problem(message: string): void {
    this.problems.push(`${this.path || '(top level)'}: ${message}`);
  }

  private child(key: string | number): ConfigReader {
    const value = isPlainObject(this.value)
      ? this.value[key]
      : Array.isArray(this.value)
        ? this.value[key as number]
        : undefined;
    const path = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    return new ConfigReader(value, path, this.problems);
  }

  /** Reports keys the schema does not know, so a typo is never silently ignored. */
  object(allowed: readonly string[]): boolean {
    if (!isPlainObject(this.value)) {
      this.problem(`expected a mapping, got ${describe(this.value)}`);
      return false;
    }
    for (const key of Object.keys(this.value)) {
      if (!allowed.includes(key))
        this.problem(`unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
    }
    return true;
  }

  field(key: string): ConfigReader {
    return this.child(key);
  }

  /** For settings passed as JSON text (environment variables): a reader over the parsed value. */
  json(example: string): ConfigReader | undefined {
    if (!this.present || this.value === '') return undefined;
    if (typeof this.value !== 'string') {
      this.problem(`expected JSON text such as ${example}`);
      return undefined;
    }
    try {
      return new ConfigReader(JSON.parse(this.value), this.path, this.problems);
    } catch {
      this.problem(`must be JSON such as ${example}`);
      return undefined;
    }
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  string(options: { pattern?: RegExp; patternHint?: string } = {}): string {
    if (typeof this.value !== 'string' || this.value === '') {
      this.problem(`expected a non-empty string, got ${describe(this.value)}`);
      return '';
    }
    if (options.pattern && !options.pattern.test(this.value)) {
      this.problem(
        `${JSON.stringify(this.value)} must be ${options.patternHint ?? `like ${options.pattern}`}`,
      );
    }
    return this.value;
  }

  optionalString(options: { pattern?: RegExp; patternHint?: string } = {}): string | undefined {
    return this.present ? this.string(options) : undefined;
  }

  integer(min: number, max: number, fallback: number): number {
    if (!this.present) return fallback;
    if (
      typeof this.value !== 'number' ||
      !Number.isInteger(this.value) ||
      this.value < min ||
      this.value > max
    ) {
      this.problem(`expected an integer from ${min} to ${max}, got ${describe(this.value)}`);
      return fallback;
    }
    return this.value;
  }

  boolean(fallback: boolean): boolean {
    if (!this.present) return fallback;
    if (typeof this.value !== 'boolean') {
      this.problem(`expected true or false, got ${describe(this.value)}`);
      return fallback;
    }
    return this.value;
  }

  oneOf<T extends string>(choices: readonly T[], fallback: T): T {
    if (!this.present) return fallback;
    if (typeof this.value !== 'string' || !(choices as readonly string[]).includes(this.value)) {
      this.problem(`expected one of ${choices.join(', ')}, got ${describe(this.value)}`);
      return fallback;
    }
    return this.value as T;
  }

  list<T>(read: (item: ConfigReader) => T, options: { required?: boolean } = {}): T[] {
    if (!this.present) {
      if (options.required) this.problem('is required');
      return [];
    }
    if (!Array.isArray(this.value)) {
      this.problem(`expected a list, got ${describe(this.value)}`);
      return [];
    }
    return this.value.map((_, index) => read(this.child(index)));
  }

  stringList(options: { pattern?: RegExp; patternHint?: string } = {}): string[] {
    return this.list((item) => item.string(options));
  }
}

/** Runs a reader over a document and throws one ConfigError naming every problem. */
export function readConfig<T>(source: string, document: unknown, read: (root: ConfigReader) => T): T {
  const problems: Problems = [];
  const result = read(new ConfigReader(document, '', problems));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return result;
}
