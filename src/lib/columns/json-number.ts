/**
 * A JSON number kept as its source text, so integers beyond 2^53 and decimals keep every digit.
 * It lives with the column types, which read it, so that they need nothing from flattening,
 * which makes it.
 */
export class JsonNumber {
  constructor(readonly raw: string) {}
}
