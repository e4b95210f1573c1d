/**
 * The `gatehouse` command line. Every command takes `--data DIR` or `--database-url URL` (and reads GATEHOUSE_DATA /
 * DATABASE_URL); errors go to stderr with a non-zero exit. Commands are thin: they call the same domain services as the
 * HTTP API.
 */
import fs from 'node:fs';
import { Command, Help, Option } from 'commander';
import { cliCommands } from './commands.ts';
import { controlCommands } from './control.ts';
import { CliError } from './context.ts';
import { ApiError } from '../errors/api-error.ts';
import { ConfigError, DEFAULTS } from '../config/config.ts';

function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const details = (error.errors ?? []).map((e) => (typeof e === 'string' ? e : (e.message ?? `${e.field} ${e.code}`)));
    return details.length > 0 ? `${error.message}: ${details.join('; ')}` : error.message;
  }
  if (error instanceof CliError || error instanceof ConfigError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The package's version, from its package.json (two levels up from both src/cli/ and the compiled dist/cli/). */
const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Commander shows an option's default only when it has a value; a default worked out at run time (`--public-url` is
 * `http://HOST:PORT`) has only a description (`computedDefault` in commands.ts), shown here the same way.
 */
const showComputedDefaults = {
  optionDescription(this: Help, option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option);
    if (option.defaultValue !== undefined || option.defaultValueDescription === undefined) return text;
    const extra = `default: ${option.defaultValueDescription}`;
    // Commander's own order: (choices: …, default: …, env: …).
    const info = / \(((?:choices|env): [^()]*)\)$/.exec(text);
    if (info === null) return `${text} (${extra})`;
    const inner = info[1] ?? '';
    const at = inner.indexOf('env: ');
    return `${text.slice(0, info.index)} (${at < 0 ? `${inner}, ${extra}` : `${inner.slice(0, at)}${extra}, ${inner.slice(at)}`})`;
  },
};

const program = new Command('gatehouse')
  .description('GitHub Enterprise identity-provisioning and administration API server')
  .version(version, '-V, --version', 'print the version')
  .configureHelp(showComputedDefaults)
  .showHelpAfterError()
  .exitOverride();

const storageOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--data <dir>', 'data directory for the embedded SQLite store').env('GATEHOUSE_DATA').default(DEFAULTS.data))
    .addOption(new Option('--database-url <url>', 'postgres://… to use PostgreSQL instead of --data').env('DATABASE_URL'));

cliCommands(program, storageOptions);
controlCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
  // A message of several lines (every problem of a seed file) gets the prefix on each.
  process.stderr.write(`${describeError(error).split('\n').map((line) => `gatehouse: ${line}`).join('\n')}\n`);
  process.exit(1);
}
