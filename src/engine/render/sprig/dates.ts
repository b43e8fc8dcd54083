// Sprig's date functions (date.go) against a fixed clock, with Go's time package where they
// lean on it: layouts (Format and Parse with 2006-01-02 15:04:05.000 -0700 MST …),
// time.Time's String, Duration's String/Round, ParseDuration. The machine's Local zone is
// UTC (the render is deterministic); IANA zones resolve through Intl where the runtime has
// them, an unknown zone falls back to UTC as Sprig does.
import type { GoFunc, Value } from '../gotemplate';
import { FuncError, GoObject, GoTyped, goQuote } from '../gotemplate';
import { fn, int64 } from './convert';

/** A Go time.Time: seconds and nanoseconds since the epoch, and its zone (name, offset). */
export interface GoTime {
  readonly sec: bigint;
  readonly nsec: number;
  readonly zone: string;
  readonly offset: number;
}

const NS = 1_000_000_000n;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function timeFromMs(ms: number): GoTime {
  const sec = BigInt(Math.floor(ms / 1000));
  return { sec, nsec: Math.round((ms - Number(sec) * 1000) * 1e6), zone: 'UTC', offset: 0 };
}

/** Civil fields of a time in its zone. */
function civil(t: GoTime): {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  yday: number;
} {
  const d = new Date(Number(t.sec + BigInt(t.offset)) * 1000);
  const year = d.getUTCFullYear();
  const start = Date.UTC(year, 0, 1);
  const jan1 = new Date(start);
  jan1.setUTCFullYear(year);
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    wday: d.getUTCDay(),
    yday: Math.floor((d.getTime() - jan1.getTime()) / 86_400_000) + 1,
  };
}

type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTz'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ'
  | 'Frac0'
  | 'Frac9';

interface Chunk {
  readonly prefix: string;
  readonly std: Std | null;
  readonly text: string; // the layout element
  readonly digits: number; // fractional digits
  readonly sep: string; // fractional separator
  readonly suffix: string;
}

const startsWithLower = (s: string): boolean => s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** time's nextStdChunk. */
function nextStdChunk(layout: string): Chunk {
  const mk = (i: number, std: Std, len: number, digits = 0, sep = ''): Chunk => ({
    prefix: layout.slice(0, i),
    std,
    text: layout.slice(i, i + len),
    digits,
    sep,
    suffix: layout.slice(i + len),
  });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]!;
    const at = (s: string): boolean => layout.startsWith(s, i);
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return mk(i, 'LongMonth', 7);
          if (!startsWithLower(layout.slice(i + 3))) return mk(i, 'Month', 3);
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return mk(i, 'LongWeekDay', 6);
          if (!startsWithLower(layout.slice(i + 3))) return mk(i, 'WeekDay', 3);
        }
        if (at('MST')) return mk(i, 'TZ', 3);
        break;
      case '0': {
        const n = layout[i + 1];
        if (n !== undefined && n >= '1' && n <= '6')
          return mk(
            i,
            (['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'] as const)[
              Number(n) - 1
            ]!,
            2,
          );
        if (at('002')) return mk(i, 'ZeroYearDay', 3);
        break;
      }
      case '1':
        if (at('15')) return mk(i, 'Hour', 2);
        return mk(i, 'NumMonth', 1);
      case '2':
        if (at('2006')) return mk(i, 'LongYear', 4);
        return mk(i, 'Day', 1);
      case '_':
        if (layout[i + 1] === '2') {
          if (layout.startsWith('2006', i + 1)) return mk(i + 1, 'LongYear', 4);
          return mk(i, 'UnderDay', 2);
        }
        if (at('__2')) return mk(i, 'UnderYearDay', 3);
        break;
      case '3':
        return mk(i, 'Hour12', 1);
      case '4':
        return mk(i, 'Minute', 1);
      case '5':
        return mk(i, 'Second', 1);
      case 'P':
        if (layout[i + 1] === 'M') return mk(i, 'PM', 2);
        break;
      case 'p':
        if (layout[i + 1] === 'm') return mk(i, 'pm', 2);
        break;
      case '-':
        if (at('-070000')) return mk(i, 'NumSecondsTz', 7);
        if (at('-07:00:00')) return mk(i, 'NumColonSecondsTZ', 9);
        if (at('-0700')) return mk(i, 'NumTZ', 5);
        if (at('-07:00')) return mk(i, 'NumColonTZ', 6);
        if (at('-07')) return mk(i, 'NumShortTZ', 3);
        break;
      case 'Z':
        if (at('Z070000')) return mk(i, 'ISO8601SecondsTZ', 7);
        if (at('Z07:00:00')) return mk(i, 'ISO8601ColonSecondsTZ', 9);
        if (at('Z0700')) return mk(i, 'ISO8601TZ', 5);
        if (at('Z07:00')) return mk(i, 'ISO8601ColonTZ', 6);
        if (at('Z07')) return mk(i, 'ISO8601ShortTZ', 3);
        break;
      case '.':
      case ',': {
        const d = layout[i + 1];
        if (d === '0' || d === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === d) j++;
          if (!isDigitAt(layout, j)) return mk(i, d === '0' ? 'Frac0' : 'Frac9', j - i, j - i - 1, c);
        }
        break;
      }
    }
  }
  return { prefix: layout, std: null, text: '', digits: 0, sep: '', suffix: '' };
}

const pad = (n: number, w: number): string => {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? '-' + s : s;
};

function zoneNumeric(offset: number, std: Std): string {
  if (std.startsWith('ISO8601') && offset === 0) return 'Z';
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  const h = pad(Math.floor(abs / 3600), 2);
  const m = pad(Math.floor(abs / 60) % 60, 2);
  const s = pad(abs % 60, 2);
  const colon = std.includes('Colon');
  if (std.endsWith('ShortTZ')) return sign + h;
  let out = sign + h + (colon ? ':' : '') + m;
  if (std.includes('Seconds') || std === 'NumSecondsTz') out += (colon ? ':' : '') + s;
  return out;
}

/** Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = '';
  let rest = layout;
  for (;;) {
    const ch = nextStdChunk(rest);
    out += ch.prefix;
    if (ch.std === null) return out;
    rest = ch.suffix;
    const hr12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
    switch (ch.std) {
      case 'Year':
        out += pad(((c.year % 100) + 100) % 100, 2);
        break;
      case 'LongYear':
        out += pad(c.year, 4);
        break;
      case 'Month':
        out += MONTHS[c.month - 1]!.slice(0, 3);
        break;
      case 'LongMonth':
        out += MONTHS[c.month - 1]!;
        break;
      case 'NumMonth':
        out += String(c.month);
        break;
      case 'ZeroMonth':
        out += pad(c.month, 2);
        break;
      case 'WeekDay':
        out += DAYS[c.wday]!.slice(0, 3);
        break;
      case 'LongWeekDay':
        out += DAYS[c.wday]!;
        break;
      case 'Day':
        out += String(c.day);
        break;
      case 'UnderDay':
        out += (c.day < 10 ? ' ' : '') + String(c.day);
        break;
      case 'ZeroDay':
        out += pad(c.day, 2);
        break;
      case 'UnderYearDay':
        out += String(c.yday).padStart(3, ' ');
        break;
      case 'ZeroYearDay':
        out += pad(c.yday, 3);
        break;
      case 'Hour':
        out += pad(c.hour, 2);
        break;
      case 'Hour12':
        out += String(hr12);
        break;
      case 'ZeroHour12':
        out += pad(hr12, 2);
        break;
      case 'Minute':
        out += String(c.min);
        break;
      case 'ZeroMinute':
        out += pad(c.min, 2);
        break;
      case 'Second':
        out += String(c.sec);
        break;
      case 'ZeroSecond':
        out += pad(c.sec, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        if (t.zone !== '') out += t.zone;
        else {
          const z = Math.trunc(t.offset / 60);
          out += (z < 0 ? '-' : '+') + pad(Math.floor(Math.abs(z) / 60), 2) + pad(Math.abs(z) % 60, 2);
        }
        break;
      case 'Frac0':
      case 'Frac9': {
        let digits = String(t.nsec).padStart(9, '0').slice(0, ch.digits);
        if (ch.std === 'Frac9') digits = digits.replace(/0+$/, '');
        if (digits !== '') out += ch.sep + digits;
        break;
      }
      default:
        out += zoneNumeric(t.offset, ch.std);
    }
  }
}

/** Time.String: "2006-01-02 15:04:05.999999999 -0700 MST". */
export function timeString(t: GoTime): string {
  return formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST');
}

function daysIn(month: number, year: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

function epochOf(year: number, month: number, day: number, h: number, m: number, s: number): bigint {
  const d = new Date(Date.UTC(2000, month - 1, day, h, m, s));
  d.setUTCFullYear(year);
  return BigInt(Math.floor(d.getTime() / 1000));
}

class ParseError extends FuncError {}

/** time.ParseInLocation(layout, value, Local = UTC). */
export function parseTime(layout: string, value: string): GoTime {
  const whole = value;
  const bad = (elem: string, rest: string): never => {
    throw new ParseError(
      `parsing time ${goQuote(whole)} as ${goQuote(layout)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`,
    );
  };
  const range = (what: string): never => {
    throw new ParseError(`parsing time ${goQuote(whole)}: ${what} out of range`);
  };
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let zoneOffset: number | null = null;
  let zoneName = '';
  let utc = false;
  let rest = layout;
  let v = value;
  const num = (fixed: boolean, elem: string, max = 2): number => {
    const m = /^\d+/.exec(v);
    if (m === null || (fixed && m[0].length < max)) return bad(elem, v);
    const digits = m[0].slice(0, fixed ? max : Math.min(max, m[0].length));
    v = v.slice(digits.length);
    return Number(digits);
  };
  const skip = (prefix: string, elem: string): void => {
    let p = prefix;
    while (p.length > 0) {
      if (p[0] === ' ') {
        if (v.length > 0 && v[0] !== ' ') bad(elem, v);
        p = p.replace(/^ +/, '');
        v = v.replace(/^ +/, '');
        continue;
      }
      if (v.length === 0 || v[0] !== p[0]) bad(elem, v);
      p = p.slice(1);
      v = v.slice(1);
    }
  };
  const lookup = (names: readonly string[], len: number | null): number => {
    for (let i = 0; i < names.length; i++) {
      const n = len === null ? names[i]! : names[i]!.slice(0, len);
      if (v.length >= n.length && v.slice(0, n.length).toLowerCase() === n.toLowerCase()) {
        v = v.slice(n.length);
        return i;
      }
    }
    return -1;
  };
  for (;;) {
    const ch = nextStdChunk(rest);
    const elem = ch.text === '' ? ch.prefix : ch.text;
    skip(ch.prefix, ch.prefix);
    if (ch.std === null) {
      if (v.length > 0) throw new ParseError(`parsing time ${goQuote(whole)}: extra text: ${goQuote(v)}`);
      break;
    }
    rest = ch.suffix;
    const before = v;
    switch (ch.std) {
      case 'Year': {
        if (!/^\d\d/.test(v)) bad(elem, before);
        const y = Number(v.slice(0, 2));
        v = v.slice(2);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case 'LongYear':
        if (!/^\d\d\d\d/.test(v)) bad(elem, before);
        year = Number(v.slice(0, 4));
        v = v.slice(4);
        break;
      case 'Month':
      case 'LongMonth': {
        const i = lookup(MONTHS, ch.std === 'Month' ? 3 : null);
        if (i < 0) bad(elem, before);
        month = i + 1;
        break;
      }
      case 'NumMonth':
      case 'ZeroMonth':
        month = num(ch.std === 'ZeroMonth', elem);
        if (month <= 0 || month > 12) range('month');
        break;
      case 'WeekDay':
      case 'LongWeekDay':
        if (lookup(DAYS, ch.std === 'WeekDay' ? 3 : null) < 0) bad(elem, before);
        break;
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay':
        if (ch.std === 'UnderDay' && v[0] === ' ') v = v.slice(1);
        day = num(ch.std === 'ZeroDay', elem);
        break;
      case 'UnderYearDay':
      case 'ZeroYearDay':
        for (let k = 0; k < 2 && ch.std === 'UnderYearDay' && v[0] === ' '; k++) v = v.slice(1);
        yday = num(ch.std === 'ZeroYearDay', elem, 3);
        if (yday < 1 || yday > 366) range('day-of-year');
        break;
      case 'Hour':
        hour = num(false, elem);
        if (hour > 23) range('hour');
        break;
      case 'Hour12':
      case 'ZeroHour12':
        hour = num(ch.std === 'ZeroHour12', elem);
        if (hour > 12) range('hour');
        break;
      case 'Minute':
      case 'ZeroMinute':
        min = num(ch.std === 'ZeroMinute', elem);
        if (min > 59) range('minute');
        break;
      case 'Second':
      case 'ZeroSecond': {
        sec = num(ch.std === 'ZeroSecond', elem);
        if (sec > 59) range('second');
        // A fractional second the layout does not mention is accepted after seconds.
        const next = nextStdChunk(rest);
        if (/^[.,]\d/.test(v) && !(next.prefix === '' && (next.std === 'Frac0' || next.std === 'Frac9'))) {
          const m = /^[.,](\d+)/.exec(v)!;
          nsec = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
          v = v.slice(m[0].length);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const p = v.slice(0, 2);
        const want = ch.std === 'PM' ? ['PM', 'AM'] : ['pm', 'am'];
        if (p === want[0]) pmSet = true;
        else if (p === want[1]) amSet = true;
        else bad(elem, before);
        v = v.slice(2);
        break;
      }
      case 'TZ': {
        if (v.startsWith('UTC')) {
          utc = true;
          v = v.slice(3);
          break;
        }
        const m = /^(GMT[+-]\d{1,2}|[A-Z]{3,5}T?)/.exec(v) ?? /^[A-Z]{3}/.exec(v);
        if (m === null) bad(elem, before);
        zoneName = m![0];
        v = v.slice(zoneName.length);
        break;
      }
      case 'Frac0': {
        const m = new RegExp(`^[.,](\\d{${ch.digits}})`).exec(v);
        if (m === null) bad(elem, before);
        nsec = Number(m![1]!.padEnd(9, '0').slice(0, 9));
        v = v.slice(m![0].length);
        break;
      }
      case 'Frac9': {
        const m = /^[.,](\d+)/.exec(v);
        if (m !== null) {
          nsec = Number(m[1]!.slice(0, 9).padEnd(9, '0'));
          v = v.slice(m[0].length);
        }
        break;
      }
      default: {
        const iso = ch.std.startsWith('ISO8601');
        if (iso && v.startsWith('Z')) {
          v = v.slice(1);
          utc = true;
          break;
        }
        const colon = ch.std.includes('Colon');
        const short = ch.std.endsWith('ShortTZ');
        const secs = ch.std.includes('Seconds') || ch.std === 'NumSecondsTz';
        const pat = short
          ? /^([+-])(\d\d)/
          : new RegExp(
              `^([+-])(\\d\\d)${colon ? ':' : ''}(\\d\\d)${secs ? (colon ? ':' : '') + '(\\d\\d)' : ''}`,
            );
        const m = pat.exec(v);
        if (m === null) bad(elem, before);
        const off = Number(m![2]) * 3600 + Number(m![3] ?? 0) * 60 + Number(m![4] ?? 0);
        zoneOffset = m![1] === '-' ? -off : off;
        v = v.slice(m![0].length);
      }
    }
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    let m = 1;
    let d = yday;
    while (m <= 12 && d > daysIn(m, year)) {
      d -= daysIn(m, year);
      m++;
    }
    if (m > 12 || (!leap && yday > 365)) range('day-of-year');
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) range('day');
  const local = epochOf(year, month, day, hour, min, sec);
  if (utc) return { sec: local, nsec, zone: 'UTC', offset: 0 };
  if (zoneOffset !== null) {
    if (zoneOffset === 0) return { sec: local, nsec, zone: 'UTC', offset: 0 };
    return { sec: local - BigInt(zoneOffset), nsec, zone: '', offset: zoneOffset };
  }
  if (zoneName !== '') {
    const gmt = /^GMT([+-]\d+)$/.exec(zoneName);
    const off = gmt === null ? 0 : Number(gmt[1]) * 3600;
    return { sec: local - BigInt(off), nsec, zone: zoneName, offset: off };
  }
  return { sec: local, nsec, zone: 'UTC', offset: 0 };
}

/** A time moved to a zone (time.LoadLocation(zone), falling back to UTC as Sprig does). */
export function inZone(t: GoTime, zone: string): GoTime {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return { ...t, zone: 'UTC', offset: 0 };
  try {
    const ms = Number(t.sec) * 1000;
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    }).formatToParts(new Date(ms));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const wall = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour') % 24,
      get('minute'),
      get('second'),
    );
    const offset = Math.round((wall - ms) / 1000);
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
    // tzdata names a zone without an abbreviation by its offset ("+03"), as Go prints it.
    const abbr = /^[A-Z]{2,5}$/.test(name) && name !== 'GMT' ? name : numericAbbr(offset);
    return { ...t, zone: offset === 0 && name === 'GMT' ? 'GMT' : abbr, offset };
  } catch {
    return { ...t, zone: 'UTC', offset: 0 };
  }
}

function numericAbbr(offset: number): string {
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  const h = pad(Math.floor(abs / 3600), 2);
  const m = Math.floor(abs / 60) % 60;
  return sign + h + (m === 0 ? '' : pad(m, 2));
}

/** A Duration (nanoseconds) as Go prints it. */
export function durationString(d: bigint): string {
  const neg = d < 0n;
  let u = neg ? -d : d;
  const frac = (v: bigint, prec: number): [string, bigint] => {
    let digits = '';
    let print = false;
    for (let i = 0; i < prec; i++) {
      const digit = v % 10n;
      print = print || digit !== 0n;
      if (print) digits = digit.toString() + digits;
      v /= 10n;
    }
    return [print ? '.' + digits : '', v];
  };
  let out: string;
  if (u < NS) {
    if (u === 0n) return '0s';
    let unit: string;
    let prec: number;
    if (u < 1000n) {
      unit = 'ns';
      prec = 0;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      prec = 3;
    } else {
      unit = 'ms';
      prec = 6;
    }
    const [f, whole] = frac(u, prec);
    out = whole.toString() + f + unit;
  } else {
    const [f, secs] = frac(u, 9);
    u = secs;
    out = (u % 60n).toString() + f + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};

/** time.ParseDuration. */
export function parseDuration(s: string): bigint {
  const orig = s;
  const invalid = (): never => {
    throw new FuncError(`time: invalid duration ${goQuote(orig)}`);
  };
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (m[0] === '' || (m[1] === '' && (m[2] ?? '') === '')) invalid();
    s = s.slice(m[0].length);
    const u = /^[^\d.]*/.exec(s)![0];
    if (u === '') throw new FuncError(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNITS[u];
    if (unit === undefined)
      throw new FuncError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    const whole = BigInt(m[1] === '' ? '0' : m[1]!);
    const fracDigits = m[2] ?? '';
    let v = whole * unit;
    if (fracDigits !== '') v += (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
    total += v;
    if (total > 2n ** 63n - 1n) invalid();
  }
  return neg ? -total : total;
}

/** Duration.Round(m). */
function roundDuration(d: bigint, m: bigint): bigint {
  const r = d % m;
  if (d < 0n) {
    const rr = -r;
    return rr + rr < m ? d + rr : d - m + rr;
  }
  return r + r < m ? d - r : d + m - r;
}

const TIME = 'time.Time';

/** A time.Time value for templates (fields by method: .Year, .Unix, .Format …). */
export function timeValue(t: GoTime): GoObject<GoTime> {
  const c = (): ReturnType<typeof civil> => civil(t);
  const goInt = (n: number): Value => BigInt(n);
  const methods = new Map<string, GoFunc>([
    ['String', fn([], 'string', () => timeString(t))],
    ['Format', fn(['string'], 'string', (a) => formatTime(t, a[0] as string))],
    ['Unix', fn([], 'int64', () => int64(t.sec))],
    ['UnixMilli', fn([], 'int64', () => int64(t.sec * 1000n + BigInt(Math.floor(t.nsec / 1e6))))],
    ['UnixNano', fn([], 'int64', () => int64(t.sec * NS + BigInt(t.nsec)))],
    ['Year', fn([], 'int', () => goInt(c().year))],
    ['Month', fn([], 'time.Month', () => namedInt('time.Month', c().month, MONTHS[c().month - 1]!))],
    ['Day', fn([], 'int', () => goInt(c().day))],
    ['Hour', fn([], 'int', () => goInt(c().hour))],
    ['Minute', fn([], 'int', () => goInt(c().min))],
    ['Second', fn([], 'int', () => goInt(c().sec))],
    ['Nanosecond', fn([], 'int', () => goInt(t.nsec))],
    ['YearDay', fn([], 'int', () => goInt(c().yday))],
    ['Weekday', fn([], 'time.Weekday', () => namedInt('time.Weekday', c().wday, DAYS[c().wday]!))],
    ['UTC', fn([], TIME, () => timeValue({ ...t, zone: 'UTC', offset: 0 }))],
    ['Local', fn([], TIME, () => timeValue({ ...t, zone: 'UTC', offset: 0 }))],
    ['IsZero', fn([], 'bool', () => t.sec === -62135596800n && t.nsec === 0)],
    [
      'AddDate',
      fn(['int', 'int', 'int'], TIME, (a) => {
        const k = c();
        const d = new Date(
          Date.UTC(2000, k.month - 1 + Number(a[1]), k.day + Number(a[2]), k.hour, k.min, k.sec),
        );
        d.setUTCFullYear(d.getUTCFullYear() - 2000 + k.year + Number(a[0]));
        return timeValue({ ...t, sec: BigInt(Math.floor(d.getTime() / 1000)) - BigInt(t.offset) });
      }),
    ],
  ]);
  return new GoObject<GoTime>(
    TIME,
    'struct',
    timeString(t),
    methods,
    t,
    formatTime(t, '2006-01-02T15:04:05.999999999Z07:00'),
  );
}

/** A named int type that prints as a name (time.Month, time.Weekday). */
function namedInt(type: 'time.Month' | 'time.Weekday', n: number, name: string): Value {
  return new GoObject(
    type,
    'struct',
    name,
    new Map([['String', fn([], 'string', () => name)]]),
    n,
    BigInt(n),
  );
}

/** The time a date function reads from its argument (Sprig's type switch; others are now). */
function dateArg(v: Value, now: () => GoTime, int32: boolean): GoTime {
  if (v instanceof GoObject && v.type === TIME) return v.payload as GoTime;
  if (typeof v === 'bigint') return { sec: v, nsec: 0, zone: 'UTC', offset: 0 };
  if (
    v instanceof GoTyped &&
    (v.kind === 'int64' || (int32 && v.kind === 'int32')) &&
    typeof v.value === 'bigint'
  )
    return { sec: v.value, nsec: 0, zone: 'UTC', offset: 0 };
  return now();
}

function sub(a: GoTime, b: GoTime): bigint {
  return (a.sec - b.sec) * NS + BigInt(a.nsec - b.nsec);
}

export function dateFunctions(nowMs: number, onClock: (name: string) => void): Map<string, GoFunc> {
  const now = (name: string) => (): GoTime => {
    onClock(name);
    return timeFromMs(nowMs);
  };
  const I = 'interface {}';
  const S = 'string';
  const dateInZone = (name: string, layout: string, date: Value, zone: string): string =>
    formatTime(inZone(dateArg(date, now(name), true), zone), layout);
  const modify = (must: boolean) => (a: Value[]) => {
    const t = (a[1] as GoObject<GoTime>).payload;
    let d: bigint;
    try {
      d = parseDuration(a[0] as string);
    } catch (e) {
      if (must) throw e;
      return a[1];
    }
    const total = BigInt(t.nsec) + d;
    const carry = total >= 0n ? total / NS : -((-total + NS - 1n) / NS);
    return timeValue({ ...t, sec: t.sec + carry, nsec: Number(total - carry * NS) });
  };
  const toDate = (must: boolean) => (a: Value[]) => {
    try {
      return timeValue(parseTime(a[0] as string, a[1] as string));
    } catch (e) {
      if (must) throw e;
      return timeValue({ sec: -62135596800n, nsec: 0, zone: 'UTC', offset: 0 });
    }
  };
  return new Map<string, GoFunc>([
    ['now', fn([], TIME, () => timeValue(now('now')()))],
    ['date', fn([S, I], S, (a) => dateInZone('date', a[0] as string, a[1], 'Local'))],
    ['htmlDate', fn([I], S, (a) => dateInZone('htmlDate', '2006-01-02', a[0], 'Local'))],
    [
      'htmlDateInZone',
      fn([I, S], S, (a) => dateInZone('htmlDateInZone', '2006-01-02', a[0], a[1] as string)),
    ],
    ['dateInZone', fn([S, I, S], S, (a) => dateInZone('dateInZone', a[0] as string, a[1], a[2] as string))],
    [
      'date_in_zone',
      fn([S, I, S], S, (a) => dateInZone('date_in_zone', a[0] as string, a[1], a[2] as string)),
    ],
    ['dateModify', fn([S, TIME], TIME, modify(false))],
    ['date_modify', fn([S, TIME], TIME, modify(false))],
    ['mustDateModify', fn([S, TIME], TIME, modify(true))],
    ['must_date_modify', fn([S, TIME], TIME, modify(true))],
    [
      'ago',
      fn([I], S, (a) => {
        onClock('ago');
        const t = dateArg(a[0], now('ago'), false);
        return durationString(roundDuration(sub(timeFromMs(nowMs), t), NS));
      }),
    ],
    [
      'duration',
      fn([I], S, (a) => {
        const v = a[0];
        let n = 0n;
        if (typeof v === 'string') n = /^[+-]?\d+$/.test(v) && BigInt(v) < 2n ** 63n ? BigInt(v) : 0n;
        else if (v instanceof GoTyped && v.kind === 'int64') n = v.value as bigint;
        return durationString(BigInt.asIntN(64, n * NS));
      }),
    ],
    [
      'durationRound',
      fn([I], S, (a) => {
        const v = a[0];
        let d = 0n;
        if (typeof v === 'string') {
          try {
            d = parseDuration(v);
          } catch {
            d = 0n;
          }
        } else if (v instanceof GoTyped && v.kind === 'int64') d = v.value as bigint;
        else if (v instanceof GoObject && v.type === TIME) {
          onClock('durationRound');
          d = sub(timeFromMs(nowMs), v.payload as GoTime);
        }
        const u = d < 0n ? -d : d;
        const H = 3600n * NS;
        const steps: [bigint, string][] = [
          [H * 24n * 365n, 'y'],
          [H * 24n * 30n, 'mo'],
          [H * 24n, 'd'],
          [H, 'h'],
          [60n * NS, 'm'],
          [NS, 's'],
        ];
        for (const [unit, name] of steps) if (u > unit) return (u / unit).toString() + name;
        return '0s';
      }),
    ],
    ['toDate', fn([S, S], TIME, toDate(false))],
    ['mustToDate', fn([S, S], TIME, toDate(true))],
    ['unixEpoch', fn([TIME], S, (a) => (a[0] as GoObject<GoTime>).payload.sec.toString())],
  ]);
}
