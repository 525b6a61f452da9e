export class S3EventKeyError extends Error {
  override readonly name = 'S3EventKeyError';
}

/**
 * S3 event notifications URL-encode object keys the way HTML forms do: `+` is a space, `%2B` a
 * plus, and non-ASCII arrives as UTF-8 percent escapes. Decoding `+` first is what keeps a literal
 * plus (always sent as %2B) apart from a space.
 */
export function decodeS3EventKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw new S3EventKeyError(
      `Object key in the S3 event is not valid URL encoding: ${JSON.stringify(encoded)}`,
    );
  }
}

/** The encoding S3 applies, for tests and for the local notifications the local runner sends. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}
