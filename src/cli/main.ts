/**
 * The `gatehouse` command line. Every command takes `--data DIR` or `--database-url URL` (and reads GATEHOUSE_DATA /
 * DATABASE_URL); errors go to stderr with a non-zero exit. Commands are thin: they call the same domain services as the
 * HTTP API.
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { cliCommands } from './commands.ts';
import { CliError } from './context.ts';
import { ApiError } from '../errors/api-error.ts';
import { ConfigError } from '../config/config.ts';

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

const program = new Command('gatehouse')
  .description('GitHub Enterprise identity-provisioning and administration API server')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

const storageOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option('--data <dir>', 'data directory for the embedded SQLite store').env('GATEHOUSE_DATA'))
    .addOption(new Option('--database-url <url>', 'postgres://… to use PostgreSQL').env('DATABASE_URL'));

cliCommands(program, storageOptions);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
  process.stderr.write(`gatehouse: ${describeError(error)}\n`);
  process.exit(1);
}
