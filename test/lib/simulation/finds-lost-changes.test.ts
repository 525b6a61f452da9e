import type { DynamoDBRecord } from 'aws-lambda';
import { brokenInvariants, simulatedStage } from '../../support/simulation';

// put back: the stream runner retries a batch from its first failed change a few times, then
// gives the rest up, neither bisecting nor parking anything
jest.mock('../../../src/lib/standins/lambda/local-stream-mapping', () => {
  const actual = jest.requireActual('../../../src/lib/standins/lambda/local-stream-mapping');
  class GivingUpMapping {
    constructor(
      _settings: unknown,
      private readonly ports: {
        invoke: (event: {
          Records: DynamoDBRecord[];
        }) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
      },
    ) {}
    async process(records: readonly DynamoDBRecord[]) {
      let pending = [...records];
      for (let attempt = 1; attempt <= 3 && pending.length > 0; attempt++) {
        let failed: Set<string>;
        try {
          const response = await this.ports.invoke({ Records: pending });
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch {
          continue;
        }
        const first = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
        pending = first < 0 ? [] : pending.slice(first);
      }
      return { delivered: records.slice(0, records.length - pending.length), parked: [], invocations: 0 };
    }
  }
  return { ...actual, LocalStreamMapping: GivingUpMapping };
});

it('the simulation finds changes lost behind one the stream Lambda cannot take', async () => {
  const report = await simulatedStage().run({
    convergence: false,
    seed: 26,
    days: 1,
    faults: { poisonChange: 1 },
  });
  expect(brokenInvariants(report)).toContain(
    'every change is in its change table, quarantined, or parked where replay finds it',
  );
}, 600_000);
