import { openLoader, parseConnectionUrl } from '../../../src/lib/loading/connection';
import { DatabaseConfigurationError } from '../../../src/lib/loading/errors';
import { describeWithDatabase } from '../../support/databases';

/** The URL with one part changed: another database, user or password on the same server. */
function changed(url: string, change: (parsed: URL) => void): string {
  const parsed = new URL(url);
  change(parsed);
  return parsed.toString();
}

for (const kind of ['mysql', 'postgres'] as const) {
  describeWithDatabase(kind, `openLoader for ${kind} refused by the server`, (url) => {
    it('names a database that does not exist as a configuration error, with what to fix', async () => {
      const wrong = changed(url, (u) => {
        u.pathname = '/tributary_no_such_database_20';
      });
      const failure = openLoader(parseConnectionUrl(wrong));
      await expect(failure).rejects.toBeInstanceOf(DatabaseConfigurationError);
      await expect(failure).rejects.toThrow(/database tributary_no_such_database_20 does not exist/);
      await expect(failure).rejects.toThrow(/:\d+\/tributary_no_such_database_20 /);
      await expect(failure).rejects.toThrow(/create it, or correct the database name/);
    });

    it('names a user the server refuses as a configuration error, without the password', async () => {
      const wrong = changed(url, (u) => {
        u.username = 'tributary_no_such_user_20';
        u.password = 'Wr0ng-pass';
      });
      const failure = openLoader(parseConnectionUrl(wrong));
      await expect(failure).rejects.toBeInstanceOf(DatabaseConfigurationError);
      await expect(failure).rejects.toThrow(/tributary_no_such_user_20@/);
      await expect(failure).rejects.toThrow(/correct the user and password/);
      await expect(failure).rejects.not.toThrow(/Wr0ng-pass/);
    });
  });
}
