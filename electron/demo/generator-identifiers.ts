// Payment card numbers, IBANs and US Social Security numbers for the demo mailbox: valid ones to plant and
// deliberately invalid ones for the near misses, with the checksums a DLP detector applies.
import type { GeneratorRandom } from './generator-random.js';

/** Returns the Luhn (ISO/IEC 7812-1) check digit for a number given without its check digit. */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  // Doubling starts with the rightmost payload digit, because the check digit will stand to its right.
  for (let i = 0; i < payload.length; i++) {
    let digit = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) {
        digit -= 9;
      }
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** Tells whether a string of digits passes the Luhn check. */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) {
    return false;
  }
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

/** Issuer prefixes and lengths of the card schemes the generator plants. */
const CARD_SCHEMES = [
  { scheme: 'Visa', prefixes: ['4'], length: 16 },
  { scheme: 'Mastercard', prefixes: ['51', '52', '53', '54', '55', '2221', '2720'], length: 16 },
  { scheme: 'American Express', prefixes: ['34', '37'], length: 15 },
  { scheme: 'Discover', prefixes: ['6011'], length: 16 },
] as const;

/** A generated payment card number as digits only, with its scheme. */
export interface CardNumber {
  scheme: string;
  digits: string;
}

/** Creates a Luhn-valid card number with a real issuer prefix; `valid: false` gives the wrong check digit. */
export function createCardNumber(random: GeneratorRandom, valid = true): CardNumber {
  const { scheme, prefixes, length } = random.pick(CARD_SCHEMES);
  const prefix = random.pick(prefixes);
  const payload = prefix + random.digits(length - 1 - prefix.length);
  const check = luhnCheckDigit(payload);
  const lastDigit = valid ? check : (check + random.int(1, 9)) % 10;
  return { scheme, digits: payload + String(lastDigit) };
}

/** Writes card digits in groups the way people type them: 4-4-4-4, or 4-6-5 for American Express. */
export function groupCardDigits(digits: string, separator: string): string {
  const sizes = digits.length === 15 ? [4, 6, 5] : [4, 4, 4, 4];
  const groups: string[] = [];
  let start = 0;
  for (const size of sizes) {
    groups.push(digits.slice(start, start + size));
    start += size;
  }
  return groups.join(separator);
}

/** Countries the generator makes IBANs for, with the length of their numeric basic bank account number. */
const IBAN_COUNTRIES = [
  { country: 'DE', bbanDigits: 18 },
  { country: 'NL', bankCode: true, bbanDigits: 10 },
  { country: 'GB', bankCode: true, bbanDigits: 14 },
  { country: 'FR', bbanDigits: 23 },
  { country: 'CH', bbanDigits: 17 },
] as const;

/** Letters used as bank codes in NL and GB IBANs. */
const BANK_CODE_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** Returns the remainder of an IBAN rearranged as ISO 13616 describes, with letters as two-digit numbers. */
export function ibanRemainder(iban: string): number {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 && code <= 90 ? String(code - 55) : character;
    for (const digit of value) {
      remainder = (remainder * 10 + Number(digit)) % 97;
    }
  }
  return remainder;
}

/** Tells whether an IBAN (spaces allowed) passes the ISO 13616 mod-97 check. */
export function isIbanValid(iban: string): boolean {
  const compact = iban.replace(/\s+/g, '').toUpperCase();
  return /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(compact) && ibanRemainder(compact) === 1;
}

/** Creates an IBAN in its compact form; `valid: false` gives check digits that fail mod 97. */
export function createIban(random: GeneratorRandom, valid = true): string {
  const spec = random.pick(IBAN_COUNTRIES);
  const bankCode = 'bankCode' in spec ? random.chars(BANK_CODE_LETTERS, 4) : '';
  const bban = bankCode + random.digits(spec.bbanDigits);
  const check = 98 - ibanRemainder(`${spec.country}00${bban}`);
  const checkDigits = valid ? check : ((check - 2 + random.int(1, 95)) % 97) + 2;
  return `${spec.country}${String(checkDigits).padStart(2, '0')}${bban}`;
}

/** Writes an IBAN in groups of four characters separated by spaces, as IBANs are printed on paper. */
export function groupIban(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Tells whether a formatted SSN (AAA-GG-SSSS) is in a range the US Social Security Administration issues. */
export function isSsnValid(ssn: string): boolean {
  const match = /^(\d{3})-(\d{2})-(\d{4})$/.exec(ssn);
  if (match === null) {
    return false;
  }
  const area = Number(match[1]);
  const group = Number(match[2]);
  const serial = Number(match[3]);
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}

/** Creates a US Social Security number in an issued range, formatted AAA-GG-SSSS. */
export function createSsn(random: GeneratorRandom): string {
  let area = random.int(1, 899);
  if (area === 666) {
    area = 667;
  }
  const group = random.int(1, 99);
  const serial = random.int(1, 9999);
  return `${String(area).padStart(3, '0')}-${String(group).padStart(2, '0')}-${String(serial).padStart(4, '0')}`;
}

/** Creates an SSN in a never-issued range (area 000, 666 or 900-999), formatted AAA-GG-SSSS. */
export function createInvalidSsn(random: GeneratorRandom): string {
  const area = random.pick(['000', '666', String(random.int(900, 999))]);
  const group = String(random.int(1, 99)).padStart(2, '0');
  const serial = String(random.int(1, 9999)).padStart(4, '0');
  return `${area}-${group}-${serial}`;
}
