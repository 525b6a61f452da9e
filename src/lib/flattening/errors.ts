export const DecodeFailure = {
  base64: 'malformed-base64',
  utf8: 'invalid-utf8',
  json: 'invalid-json',
  notObject: 'not-an-object',
  /** A value its declared column would hold only altered (a lone surrogate, a number out of range). */
  value: 'unstorable-value',
} as const;
export type DecodeFailure = (typeof DecodeFailure)[keyof typeof DecodeFailure];

/** A record that cannot be turned into a flat row; `reason` says which check it failed. */
export class RecordDecodeError extends Error {
  override readonly name = 'RecordDecodeError';
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
