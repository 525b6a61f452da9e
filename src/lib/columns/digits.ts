// Character scanning shared by the calendar and decimal readers: every loaded value passes through
// them, so they look at char codes instead of running regular expressions and allocate nothing.

export const ZERO = 0x30;
const NINE = 0x39;

export const isDigit = (code: number): boolean => code >= ZERO && code <= NINE;

/** Index of the first character at or after `from` that is not an ASCII digit. */
export function skipDigits(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** Whether every character in [from, to) is `0`. */
export function onlyZeros(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) !== ZERO) return false;
  return true;
}

/** The number written by the `count` ASCII digits at `at`, or -1 if one of them is not a digit. */
export function digitsAt(text: string, at: number, count: number): number {
  let number = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    number = number * 10 + code - ZERO;
  }
  return number;
}
