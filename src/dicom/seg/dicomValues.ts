/**
 * A number as a Decimal String: DICOM allows 16 characters, and validators reject more, so keep
 * as many significant digits as fit.
 */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} cannot be written as a Decimal String`);
  const plain = String(value);
  if (plain.length <= 16 && !plain.includes('e')) return plain;
  for (let digits = 15; digits > 0; digits--) {
    const text = String(Number(value.toPrecision(digits)));
    if (text.length <= 16) return text;
  }
  throw new Error(`${value} does not fit a Decimal String`);
}

/** DICOM DA and TM of a moment, in local time as modalities write them. */
export function dicomDateTime(when: Date): { date: string; time: string } {
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${when.getFullYear()}${two(when.getMonth() + 1)}${two(when.getDate())}`,
    time: `${two(when.getHours())}${two(when.getMinutes())}${two(when.getSeconds())}`,
  };
}
