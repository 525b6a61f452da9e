/**
 * Tests that need something this machine may lack (a database server, a browser, a linter). When it
 * is missing, the tests are skipped, with the reason in the skipped test's name and printed once;
 * under CI=true a missing requirement is a failure instead, since CI promises to provide it. A
 * missing requirement never shows up as a passing test.
 */
export interface Requirement {
  /** What is needed, as a person would say it: "a mysql server", "Chromium". */
  readonly what: string;
  /** Why it is missing, and how to provide it; undefined when it is there. */
  readonly missing?: string;
}

/** CI=true (GitHub Actions, GitLab, most CI services) or CI=1. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * `describe(title, define)` when the requirement is met. Otherwise, under CI, one failing test that
 * names the reason; elsewhere a skipped block whose test name carries the reason.
 */
export function describeWhenAvailable(title: string, requirement: Requirement, define: () => void): void {
  const { what, missing } = requirement;
  if (missing === undefined) {
    describe(title, define);
    return;
  }
  const reason = `no ${what}: ${missing}`;
  if (isCi()) {
    describe(title, () => {
      it(`has ${what} (CI provides it)`, () => {
        throw new Error(`${title}: ${reason}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED ${title}: ${reason}`);
  describe.skip(title, () => {
    it(`skipped, ${reason}`, () => undefined);
  });
}
