// Checksums and number ranges that tell a real payment card, IBAN or US Social Security number from a
// random run of digits.

/** Tells whether a digit string passes the Luhn (mod 10) check used by payment card numbers (ISO/IEC 7812-1). */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;

  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let value = digits.charCodeAt(index) - 48;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card schemes: the number prefix ranges (inclusive, compared on as many leading digits as the bounds have) and valid lengths. */
const CARD_SCHEMES: readonly { name: string; ranges: readonly [string, string][]; lengths: readonly number[] }[] = [
  { name: 'Visa', ranges: [['4', '4']], lengths: [13, 16, 19] },
  { name: 'Mastercard', ranges: [['51', '55'], ['2221', '2720']], lengths: [16] },
  { name: 'American Express', ranges: [['34', '34'], ['37', '37']], lengths: [15] },
  { name: 'Discover', ranges: [['6011', '6011'], ['644', '649'], ['65', '65'], ['622126', '622925']], lengths: [16, 17, 18, 19] },
  { name: 'Diners Club', ranges: [['300', '305'], ['36', '36'], ['38', '39']], lengths: [14, 15, 16, 17, 18, 19] },
  { name: 'JCB', ranges: [['3528', '3589']], lengths: [16, 17, 18, 19] },
  { name: 'UnionPay', ranges: [['62', '62']], lengths: [16, 17, 18, 19] },
];

/** Returns the card scheme whose issuer prefix and length fit a digit string, or null. */
export function cardScheme(digits: string): string | null {
  for (const scheme of CARD_SCHEMES) {
    if (!scheme.lengths.includes(digits.length)) continue;
    const fits = scheme.ranges.some(([low, high]) => {
      const prefix = digits.slice(0, low.length);
      return prefix >= low && prefix <= high;
    });
    if (fits) return scheme.name;
  }
  return null;
}

/** IBAN length per country code, from the SWIFT IBAN registry. */
export const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  Object.entries({
    AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
    DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
    HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
    LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25,
    QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24, SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
    VA: 22, VG: 24, XK: 20,
  }),
);

/** Tells whether a compact IBAN (no spaces, upper case) has its country's length and passes the ISO 7064 mod 97-10 check. */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS.get(iban.slice(0, 2)) !== iban.length) return false;

  // Move the first four characters to the end, turn letters into 10..35 and take the remainder digit by digit.
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** SSNs published in advertising or otherwise known not to belong to a person, excluded like invalid ranges. */
const KNOWN_INVALID_SSNS = new Set(['078051120', '219099999']);

/**
 * Tells whether nine digits form a possible US Social Security number: area not 000, 666 or 900-999, group
 * not 00, serial not 0000 (SSA rules since the 2011 randomization), and not a known advertising number.
 */
export function isValidSsn(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;

  const area = Number(digits.slice(0, 3));
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  return !KNOWN_INVALID_SSNS.has(digits);
}
