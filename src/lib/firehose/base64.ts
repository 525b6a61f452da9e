import { DecodeFailure, RecordDecodeError } from '../flattening/errors';

/**
 * Decodes standard base64 and rejects anything else. Buffer.from alone skips characters it does
 * not know and accepts the URL-safe alphabet, so a damaged record would decode to something else.
 */
export function decodeBase64Strict(data: string): Buffer {
  if (typeof data !== 'string' || data.length % 4 !== 0) {
    throw new RecordDecodeError(
      DecodeFailure.base64,
      'Record data is not base64 (length is not a multiple of 4)',
    );
  }
  const bytes = Buffer.from(data, 'base64');
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  if (bytes.length !== (data.length / 4) * 3 - padding || data.includes('-') || data.includes('_')) {
    throw new RecordDecodeError(DecodeFailure.base64, 'Record data is not base64 (unexpected characters)');
  }
  return bytes;
}
