import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import definition from '../../../statemachines/daily-pipeline.asl.yml';
import lakeRewrite from '../../../statemachines/lake-rewrite.asl.yml';
import register from '../../../statemachines/task-errors.yml';

interface Documented {
  readonly name: string;
  readonly doc: string;
  readonly thrownBy?: string;
}
interface TaskErrors {
  readonly anywhere: readonly Documented[];
  readonly tasks: Readonly<Record<string, readonly Documented[]>>;
}
type State = Record<string, any>;

const ROOT = join(__dirname, '..', '..', '..');
const documented = register as unknown as TaskErrors;

/** The register's key for a Task: its Resource, or `lambda function` for one of the stack's functions. */
function taskKind(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const getAtt = (resource as { 'Fn::GetAtt'?: unknown[] } | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && String(getAtt[0]).endsWith('LambdaFunction') && getAtt[1] === 'Arn')
    return 'lambda function';
  return JSON.stringify(resource);
}

/** The states directly inside a Map (ItemProcessor or Iterator) or Parallel (each branch). */
function innerStates(state: State): State[] {
  const machines = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter(Boolean);
  return machines.flatMap((machine) => Object.values<State>(machine.States ?? {}));
}

/** What a state's Retry and Catch may name: a Task's documented errors; around Tasks, theirs and the Fail states'. */
function allowedFor(state: State, errors: TaskErrors): Set<string> {
  const allowed = new Set(errors.anywhere.map((e) => e.name));
  if (state.Type === 'Task') {
    for (const e of errors.tasks[taskKind(state.Resource)] ?? []) allowed.add(e.name);
  } else if (state.Type === 'Fail' && typeof state.Error === 'string') {
    allowed.add(state.Error);
  } else {
    for (const inner of innerStates(state)) for (const name of allowedFor(inner, errors)) allowed.add(name);
  }
  return allowed;
}

/** Every name a Retry or Catch matches that the register does not document for its state. */
function undocumentedErrorNames(machine: { States: Record<string, State> }, errors: TaskErrors): string[] {
  const found: string[] = [];
  const visit = (states: Record<string, State>) => {
    for (const [name, state] of Object.entries(states)) {
      const allowed = allowedFor(state, errors);
      for (const field of ['Retry', 'Catch'] as const)
        for (const rule of state[field] ?? [])
          for (const error of rule.ErrorEquals as string[])
            if (!allowed.has(error)) found.push(`${name} ${field}: ${error}`);
      for (const machine of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter(Boolean))
        visit(machine.States);
    }
  };
  visit(machine.States);
  return found;
}

function tasksOf(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[name, state] as [string, State]] : []),
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]
      .filter(Boolean)
      .flatMap((machine) => tasksOf(machine.States)),
  ]);
}

const pipeline = definition as unknown as { States: Record<string, State> };

describe('the error names the daily pipeline retries and catches', () => {
  it('are each documented by AWS for the Task that would raise them', () => {
    expect(undocumentedErrorNames(pipeline, documented)).toEqual([]);
  });

  it('are each documented by AWS for the Task that would raise them, in the lake rewrite too', () => {
    expect(
      undocumentedErrorNames(lakeRewrite as unknown as { States: Record<string, State> }, documented),
    ).toEqual([]);
  });

  it('catch a name a Task never raises, and any name of a Task the register does not know', () => {
    const machine = {
      States: {
        'Start export': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:rds:startExportTask',
          Retry: [{ ErrorEquals: ['Rds.ThrottlingException', 'Rds.SdkClientException'] }],
          Catch: [{ ErrorEquals: ['Rds.ExportTaskAlreadyExistsException'], Next: 'Done' }],
        },
        'Run function': {
          Type: 'Task',
          Resource: { 'Fn::GetAtt': ['PlanRunLambdaFunction', 'Arn'] },
          Retry: [{ ErrorEquals: ['Lambda.ServiceException', 'DynamoDb.LimitExceededException'] }],
        },
        'Each table': {
          Type: 'Map',
          ItemProcessor: {
            States: {
              'Describe table': {
                Type: 'Task',
                Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeTable',
                Retry: [{ ErrorEquals: ['DynamoDb.InternalServerErrorException', 'States.ALL'] }],
              },
            },
          },
          Catch: [{ ErrorEquals: ['Rds.ThrottlingException', 'States.ALL'], Next: 'Done' }],
        },
        Done: { Type: 'Succeed' },
      },
    };
    expect(undocumentedErrorNames(machine, documented)).toEqual([
      'Start export Retry: Rds.SdkClientException',
      'Run function Retry: DynamoDb.LimitExceededException',
      'Each table Catch: Rds.ThrottlingException',
      'Describe table Retry: DynamoDb.InternalServerErrorException',
    ]);
  });

  it('cite an AWS documentation page for every name', () => {
    const entries = [...documented.anywhere, ...Object.values(documented.tasks).flat()];
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.doc).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/\S+$/);
  });

  it('name our own errors only as the typed error classes the functions throw', () => {
    for (const entry of Object.values(documented.tasks)
      .flat()
      .filter((e) => e.thrownBy)) {
      const source = readFileSync(join(ROOT, entry.thrownBy!), 'utf8');
      expect(source).toContain(`class ${entry.name} extends`);
      expect(source).toContain(`readonly name = '${entry.name}'`);
    }
  });

  it('retry Lambda’s transient service errors at every Task that invokes a function', () => {
    const transient = documented.tasks['lambda function']!.map((e) => e.name).filter((n) =>
      n.startsWith('Lambda.'),
    );
    expect(transient).toHaveLength(5);
    const functionTasks = tasksOf(pipeline.States).filter(
      ([, task]) => taskKind(task.Resource) === 'lambda function',
    );
    expect(functionTasks.length).toBeGreaterThan(5);
    for (const [name, task] of functionTasks) {
      const retried = (task.Retry ?? []).flatMap((rule: { ErrorEquals: string[] }) => rule.ErrorEquals);
      expect({ name, missing: transient.filter((n) => !retried.includes(n)) }).toEqual({ name, missing: [] });
    }
  });

  it('retry every Task, and every Task is of a kind the register knows', () => {
    const tasks = tasksOf(pipeline.States);
    expect(tasks.length).toBeGreaterThan(10);
    for (const [name, task] of tasks) {
      expect({ name, retries: (task.Retry ?? []).length > 0 }).toEqual({ name, retries: true });
      expect({ name, known: taskKind(task.Resource) in documented.tasks }).toEqual({ name, known: true });
    }
  });

  it('retry every Task of the lake rewrite, Lambda’s transient errors at each function', () => {
    const transient = documented.tasks['lambda function']!.map((e) => e.name).filter((n) =>
      n.startsWith('Lambda.'),
    );
    const tasks = tasksOf((lakeRewrite as unknown as { States: Record<string, State> }).States);
    expect(tasks.length).toBe(8);
    for (const [name, task] of tasks) {
      const retried = (task.Retry ?? []).flatMap((rule: { ErrorEquals: string[] }) => rule.ErrorEquals);
      expect({ name, retries: retried.length > 0 }).toEqual({ name, retries: true });
      if (taskKind(task.Resource) === 'lambda function')
        expect({ name, missing: transient.filter((n) => !retried.includes(n)) }).toEqual({
          name,
          missing: [],
        });
    }
  });
});
