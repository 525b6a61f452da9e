import { parsePipeline } from '../../../src/lib/pipeline/pipeline';
import { type LineageFacts, lineageNodes } from '../../../src/lib/run-report/lineage';

const pipeline = parsePipeline({
  database: 'lake',
  streams: [{ name: 'clicks', columns: [{ name: 'id', type: 'string' }] }],
  dynamodb: [{ name: 'users', keys: ['user_id'], columns: [{ name: 'user_id', type: 'string' }] }],
});

const facts: LineageFacts = {
  pipeline,
  streams: new Map(),
  captures: new Map(),
  quarantined: [],
  tables: [],
  published: [],
  loads: [],
  pipelineFailed: false,
  loadDestination: undefined,
  checks: [],
};

describe('lineageNodes', () => {
  it('draws every source, of each kind, as a node feeding its lake tables', () => {
    const { nodes, edges } = lineageNodes(facts);
    expect(nodes.filter((n) => n.stage === 'source').map((n) => [n.id, n.kind, n.name, n.outcome])).toEqual([
      ['stream:clicks', 'Firehose stream', 'clicks', 'not run'],
      ['dynamodb:users', 'DynamoDB table', 'users', 'not run'],
    ]);
    expect(edges.filter(([from]) => !from.startsWith('lake:'))).toEqual([
      ['stream:clicks', 'lake:clicks'],
      ['dynamodb:users', 'lake:users_changes'],
      ['dynamodb:users', 'lake:users_snapshot'],
    ]);
  });
});
