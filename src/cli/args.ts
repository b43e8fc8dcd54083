import { UsageError } from './io';

export interface ParsedArgs {
  positionals: string[];
  /** The last value of each flag. */
  flags: Map<string, string | true>;
  /** Every value of each value flag, in order (for repeatable flags such as --set, --header). */
  lists: Map<string, string[]>;
}

/**
 * Parses `--flag`, `--flag value` and `--flag=value`; `valueFlags` take a value, and so do
 * `listFlags`, which may be repeated (`--header 'A: 1' --header 'B: 2'`).
 */
export function parseArgs(
  argv: string[],
  valueFlags: readonly string[],
  boolFlags: readonly string[],
  listFlags: readonly string[] = [],
): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (listFlags.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else if (valueFlags.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else if (boolFlags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { positionals, flags, lists };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Every value a repeatable flag was given, in order. */
export function listFlag(args: ParsedArgs, name: string): string[] {
  return args.lists.get(name) ?? [];
}
