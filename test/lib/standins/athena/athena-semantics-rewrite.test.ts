import { rewriteParsedQuery, semanticsError } from '../../../../src/lib/standins/athena/athena-semantics';

/** A DuckDB json_serialize_sql answer holding one select list, as DuckDB writes it. */
function parsed(selectList: unknown[]): string {
  return JSON.stringify({
    error: false,
    statements: [{ node: { type: 'SELECT_NODE', select_list: selectList } }],
  });
}

const column = (name: string) => ({ class: 'COLUMN_REF', type: 'COLUMN_REF', column_names: [name] });
const operator = (name: string) => ({
  class: 'FUNCTION',
  type: 'FUNCTION',
  function_name: name,
  schema: '',
  children: [column('a'), column('b')],
  is_operator: true,
});

describe('rewriteParsedQuery', () => {
  it.each([
    ['/', 'athena_divide'],
    ['//', 'athena_divide'],
    ['%', 'athena_modulo'],
  ])('calls %s as %s, a function rather than an operator', (name, replacement) => {
    const out = JSON.parse(rewriteParsedQuery(parsed([operator(name)]))!);
    expect(out.statements[0].node.select_list[0]).toMatchObject({
      function_name: replacement,
      is_operator: false,
    });
  });

  it('casts to integers and to varchar through the Athena cast macros, try_cast to integers too', () => {
    const cast = (id: string, tryCast: boolean) => ({
      class: 'CAST',
      type: 'OPERATOR_CAST',
      child: column('a'),
      cast_type: { id, type_info: null },
      try_cast: tryCast,
    });
    const out = JSON.parse(
      rewriteParsedQuery(
        parsed([
          cast('INTEGER', false),
          cast('VARCHAR', false),
          cast('INTEGER', true),
          cast('VARCHAR', true),
        ]),
      )!,
    );
    const list = out.statements[0].node.select_list;
    expect(list[0]).toMatchObject({ class: 'FUNCTION', function_name: 'athena_cast_integer' });
    expect(list[1]).toMatchObject({ class: 'FUNCTION', function_name: 'athena_cast_varchar' });
    expect(list[2]).toMatchObject({ class: 'FUNCTION', function_name: 'athena_try_cast_integer' });
    expect(list[3]).toMatchObject({ class: 'CAST', try_cast: true });
  });

  it('keeps every number as written: 5.0 stays a double, 2^64-1 exact', () => {
    const serialized =
      '{"error":false,"statements":[{"node":{"query_location":18446744073709551615,' +
      '"select_list":[{"class":"CONSTANT","type":"VALUE_CONSTANT","value":{"type":{"id":"INTEGER"},"value":5.0}}]}}]}';
    const out = rewriteParsedQuery(serialized)!;
    expect(out).toContain('18446744073709551615');
    expect(out).toContain('"value":5.0');
  });

  it('casts a double literal to double, so its SQL text (5.0) is not read back as a decimal', () => {
    const constant = {
      class: 'CONSTANT',
      type: 'VALUE_CONSTANT',
      value: { type: { id: 'DOUBLE' }, value: 5 },
    };
    const out = JSON.parse(rewriteParsedQuery(parsed([constant]))!);
    expect(out.statements[0].node.select_list[0]).toMatchObject({
      class: 'CAST',
      cast_type: { id: 'DOUBLE' },
      child: { class: 'CONSTANT' },
    });
  });

  it('gives up on SQL DuckDB could not parse', () => {
    expect(rewriteParsedQuery('{"error":true,"error_message":"syntax error"}')).toBeUndefined();
  });
});

describe('semanticsError', () => {
  it('turns a refusal raised in DuckDB into AthenaSemanticsError, naming the construct', () => {
    const error = semanticsError(
      new Error('Invalid Input Error: Athena evaluates a double divided by zero as Infinity'),
    );
    expect(error).toMatchObject({
      name: 'AthenaSemanticsError',
      message: expect.stringContaining('Athena evaluates a double divided by zero'),
    });
  });

  it('leaves any other error as it is', () => {
    const other = new Error('Conversion Error: x');
    expect(semanticsError(other)).toBe(other);
  });
});
