// kubepath CLI: analyze, iptables, nftables, trace, render. Commands run in-process for tests via `run`.
import type { CliIO } from './io';
import { EXIT_USAGE, UsageError } from './io';
import { terminalSafe } from './terminal';
import { ANALYZE_HELP, ANALYZE_USAGE, analyzeCommand } from './commands/analyze';
import { IPTABLES_HELP, IPTABLES_USAGE, iptablesCommand } from './commands/iptables';
import { NFTABLES_HELP, NFTABLES_USAGE, nftablesCommand } from './commands/nftables';
import { RENDER_HELP, RENDER_USAGE, renderCommand } from './commands/render';
import { TRACE_HELP, TRACE_USAGE, traceCommand } from './commands/trace';
import type { CommandHelp } from './help';
import { formatHelp } from './help';

/** Set by esbuild.js from package.json. */
declare const __KUBEPATH_VERSION__: string;

const USAGE = `usage:
  ${ANALYZE_USAGE}
  ${IPTABLES_USAGE}
  ${NFTABLES_USAGE}
  ${TRACE_USAGE}
  ${RENDER_USAGE}
  kubepath <command> --help     every option of a command, its default and examples
  kubepath --version
`;

const HELP: Record<string, CommandHelp> = {
  analyze: ANALYZE_HELP,
  iptables: IPTABLES_HELP,
  nftables: NFTABLES_HELP,
  trace: TRACE_HELP,
  render: RENDER_HELP,
};

type Command = (argv: string[], io: CliIO) => number | Promise<number>;

const commands: Record<string, Command> = {
  analyze: analyzeCommand,
  iptables: iptablesCommand,
  nftables: nftablesCommand,
  trace: traceCommand,
  render: renderCommand,
};

export function registerCommand(name: string, command: Command): void {
  commands[name] = command;
}

export async function run(argv: string[], rawIO: CliIO): Promise<number> {
  const io: CliIO = {
    stdout: (t) => rawIO.stdout(terminalSafe(t)),
    stderr: (t) => rawIO.stderr(terminalSafe(t)),
    cwd: rawIO.cwd,
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`kubepath ${typeof __KUBEPATH_VERSION__ === 'string' ? __KUBEPATH_VERSION__ : 'unknown'}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  const end = rest.indexOf('--');
  const wantsHelp = (end < 0 ? rest : rest.slice(0, end)).some((a) => a === '--help' || a === '-h');
  const help = Object.hasOwn(HELP, name) ? HELP[name] : undefined;
  if (command && wantsHelp && help) {
    io.stdout(formatHelp(help));
    return 0;
  }
  if (!command) {
    io.stderr(`kubepath: unknown command "${name}"\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`kubepath ${name}: ${err.message}\n`);
      return EXIT_USAGE;
    }
    // A bug, not bad input: still one clear line, with the detail for a report.
    io.stderr(`kubepath ${name}: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env['KUBEPATH_DEBUG'] && err instanceof Error) io.stderr(`${err.stack ?? ''}\n`);
    return EXIT_USAGE;
  }
}

if (require.main === module) {
  // `kubepath … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  };
  run(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kubepath: ${String(err)}\n`);
      process.exitCode = EXIT_USAGE;
    },
  );
}
