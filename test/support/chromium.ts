import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { describeWhenAvailable } from './requirement';

/**
 * Debian's `chromium` package, which .ci/run installs; CHROMIUM_PATH points elsewhere. Browser
 * tests fail under CI=true without it and are skipped, saying why, elsewhere.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** No first-run work, no background traffic, nothing Chromium would fetch on its own. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `describe` for browser tests: skipped with the reason without Chromium, failing under CI=true. */
export function describeWithChromium(title: string, define: () => void): void {
  describeWhenAvailable(
    title,
    {
      what: 'Chromium',
      missing: existsSync(CHROMIUM_PATH)
        ? undefined
        : `nothing at ${CHROMIUM_PATH}; install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    },
    define,
  );
}

/** Headless Chromium with a fresh profile of its own; `close` removes the profile too. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), 'tributary-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
