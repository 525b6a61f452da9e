import { withoutValues } from '../../../src/lib/loading/errors';

describe('withoutValues', () => {
  it.each([
    ["Duplicate entry 'ada@example.org' for key 'email'", "Duplicate entry <value withheld> for key 'email'"],
    [
      "Incorrect string value: '\\xF0\\x9F\\x98\\x80' for column `test`.`t`.`name` at row 2",
      'Incorrect string value: <value withheld> for column `test`.`t`.`name` at row 2',
    ],
    [
      "Incorrect integer value: 'it''s \\' quoted' for column 'n' at row 7",
      "Incorrect integer value: <value withheld> for column 'n' at row 7",
    ],
    [
      'invalid input syntax for type integer: "ada@example.org"',
      'invalid input syntax for type integer: <value withheld>',
    ],
    [
      'value "99999999999" is out of range for type integer',
      'value <value withheld> is out of range for type integer',
    ],
    [
      "Conversion Error: Could not convert string 'ada@example.org' to INT32",
      'Conversion Error: Could not convert string <value withheld> to INT32',
    ],
    ["Data too long for column 'code' at row 2", "Data too long for column 'code' at row 2"],
    [
      'column "email" of relation "users" does not exist',
      'column "email" of relation "users" does not exist',
    ],
  ])('rewrites %j to name row and column without the value', (message, expected) => {
    expect(withoutValues(message)).toBe(expected);
  });
});
