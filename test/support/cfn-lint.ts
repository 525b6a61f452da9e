import { spawnSync } from 'node:child_process';

/**
 * AWS's CloudFormation linter, installed with the machine's Python (pip install cfn-lint). Found on
 * PATH; its `reason` feeds describeWhenAvailable (./requirement): a failure under CI=true, a skip
 * with the reason elsewhere.
 */
export function probeCfnLint(): { command?: string; reason?: string } {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return { command: 'cfn-lint' };
  return {
    reason: `cfn-lint is not on PATH (${probe.error?.message ?? probe.stderr.trim()}); pip install cfn-lint`,
  };
}

export interface CfnLintMatch {
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Location: { readonly Path: readonly (string | number)[] };
}

/** Lints a template file; every match, errors and warnings alike. */
export function cfnLint(command: string, templatePath: string, regions: readonly string[]): CfnLintMatch[] {
  const run = spawnSync(command, ['--format', 'json', '--regions', ...regions, '--', templatePath], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  // the exit code is a bit set of the levels found; the JSON on stdout is the whole answer
  if (!run.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint failed (${run.status}): ${run.stderr || run.stdout}`);
  }
  return JSON.parse(run.stdout) as CfnLintMatch[];
}
