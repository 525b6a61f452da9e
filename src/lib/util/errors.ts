/** `Name: message` for typed errors, the bare message for plain ones, for logs and terminals. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}
