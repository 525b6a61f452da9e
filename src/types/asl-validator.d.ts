declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errors: ReadonlyArray<{ 'Error code': string; Message: string }>;
    errorsText(separator?: string): string;
  }
  export default function validator(
    definition: unknown,
    options?: { checkArn?: boolean; checkPaths?: boolean },
  ): ValidationResult;
}
