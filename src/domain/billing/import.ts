/**
 * `gatehouse usage import --enterprise SLUG FILE.csv`: loads usage into the ledger from a CSV file. The CLI calls
 * `importUsageCsv` and nothing else.
 *
 * Columns (header row required, names case-insensitive, any order, unknown columns ignored):
 *   date, product, sku, quantity, unit_type            required
 *   organization, repository, self_hosted, public_repository   optional
 * GitHub's own usage reports import unchanged: the enhanced report (`date,product,sku,quantity,unit_type,
 * applied_cost_per_quantity,gross_amount,discount_amount,net_amount,username,organization,repository,workflow_path,
 * cost_center_name`) and the legacy report (`Date,Product,SKU,Quantity,Unit Type,Price Per Unit ($),Multiplier,
 * Owner,Repository Slug,Username,Actions Workflow,Notes`, where `Owner` is the organization and `Repository Slug` the
 * bare repository name). Prices and amounts in a file are ignored: Gatehouse prices usage itself. Rows of products
 * Gatehouse does not meter (Copilot, Codespaces, Git LFS…) are skipped. Cell values follow `parseUsageItem`.
 *
 * The import streams (a large file is never held in memory), inserts in batches of `INSERT_BATCH` rows inside one
 * transaction, and is all-or-nothing: the first bad line aborts it with a `UsageImportError` naming the line, and
 * nothing is recorded. A successful import writes one `business.import_usage` audit event.
 */
import { StringDecoder } from 'node:string_decoder';
import { ApiError } from '../../errors/api-error.ts';
import type { NewUsageRecord } from '../../storage/tables.ts';
import { findEnterprise } from '../accounts/accounts.ts';
import { recordAudit } from '../audit.ts';
import type { DomainContext } from '../context.ts';
import { CsvParser, CsvSyntaxError, type CsvRecord } from './csv.ts';
import { isoDay } from './cycle.ts';
import { parseUsageItem, type ItemContext, type RawUsageItem, type UsageField } from './items.ts';
import { INSERT_BATCH, enterpriseOrgs, insertUsageRows } from './ledger.ts';
import { USAGE_AUDIT_ACTION, usageAuditData } from './record.ts';

/** A CSV import rejected: the message starts with `line N` (and names the column when one cell is at fault). */
export class UsageImportError extends ApiError {
  /** 1-based line of the file. */
  readonly line: number;
  /** Header name of the offending column, as written in the file. */
  readonly column: string | undefined;
  constructor(line: number, message: string, column?: string) {
    super(422, `line ${line}${column === undefined ? '' : `, column ${JSON.stringify(column)}`}: ${message}`, { code: 'invalid_usage_csv' });
    this.name = 'UsageImportError';
    this.line = line;
    this.column = column;
  }
}

/**
 * Accepted header names per field, best first. A header is compared lower-cased, without a parenthesised suffix
 * (`Price Per Unit ($)`), with spaces and hyphens as underscores.
 */
const COLUMN_NAMES: Readonly<Record<UsageField, readonly string[]>> = {
  date: ['date', 'usage_date'],
  product: ['product'],
  sku: ['sku'],
  quantity: ['quantity'],
  unitType: ['unit_type', 'unittype', 'unit'],
  organizationName: ['organization', 'organization_name', 'organizationname', 'org', 'owner'],
  repositoryName: ['repository', 'repository_name', 'repositoryname', 'repository_slug', 'repo'],
  selfHosted: ['self_hosted', 'selfhosted'],
  publicRepository: ['public_repository', 'publicrepository', 'public'],
};

const REQUIRED: readonly UsageField[] = ['date', 'product', 'sku', 'quantity', 'unitType'];

function normaliseHeader(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .replace(/\(.*?\)/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

interface ColumnMap {
  /** Field → index of its column. */
  readonly index: Partial<Record<UsageField, number>>;
  /** Header cells as written, for error messages. */
  readonly names: readonly string[];
}

function readHeader(record: CsvRecord): ColumnMap {
  const names = record.fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
  const normalised = names.map(normaliseHeader);
  const index: Partial<Record<UsageField, number>> = {};
  for (const [field, aliases] of Object.entries(COLUMN_NAMES) as [UsageField, readonly string[]][]) {
    for (const alias of aliases) {
      const at = normalised.indexOf(alias);
      if (at === -1) continue;
      if (normalised.indexOf(alias, at + 1) !== -1) {
        throw new UsageImportError(record.line, `the header has two ${JSON.stringify(names[at])} columns`);
      }
      index[field] = at;
      break;
    }
  }
  const missing = REQUIRED.filter((f) => index[f] === undefined).map((f) => COLUMN_NAMES[f][0]);
  if (missing.length > 0) {
    throw new UsageImportError(
      record.line,
      `the header row lacks the required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (columns: date, product, sku, quantity, unit_type[, organization, repository, self_hosted, public_repository])`,
    );
  }
  return { index, names };
}

/** Splits the input into text chunks with their size in bytes, decoding UTF-8 across chunk boundaries. */
async function* textChunks(input: NodeJS.ReadableStream | string): AsyncGenerator<{ text: string; bytes: number }> {
  if (typeof input === 'string') {
    for (let i = 0; i < input.length; i += 65536) {
      const text = input.slice(i, i + 65536);
      yield { text, bytes: Buffer.byteLength(text) };
    }
    return;
  }
  const decoder = new StringDecoder('utf8');
  for await (const chunk of input) {
    if (typeof chunk === 'string') yield { text: chunk, bytes: Buffer.byteLength(chunk) };
    else yield { text: decoder.write(chunk), bytes: chunk.length };
  }
  const rest = decoder.end();
  if (rest !== '') yield { text: rest, bytes: 0 };
}

/**
 * Imports usage for `enterpriseSlug` (slug or id) from CSV text or a stream of it.
 * @param onProgress - called after every inserted batch and at the end with the data rows read so far (imported or
 *   skipped) and the bytes of input consumed so far
 * @returns the number of ledger rows recorded
 * @throws ApiError 404 for an unknown enterprise; `UsageImportError` (422) for bad input, naming the line
 */
export async function importUsageCsv(
  ctx: DomainContext,
  enterpriseSlug: string,
  input: NodeJS.ReadableStream | string,
  onProgress?: (rowsDone: number, bytesDone: number) => void,
): Promise<{ imported: number }> {
  const enterprise = await findEnterprise(ctx.db, enterpriseSlug);
  if (enterprise === undefined) throw new ApiError(404, `enterprise ${JSON.stringify(enterpriseSlug)} does not exist`, { code: 'not_found' });

  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const itemCtx: ItemContext = { orgs: await enterpriseOrgs(trx, enterprise.id), today: isoDay(now), mode: 'csv' };
    const createdAt = now.toISOString();
    const parser = new CsvParser();
    let header: ColumnMap | undefined;
    let batch: NewUsageRecord[] = [];
    let imported = 0;
    let rowsRead = 0;
    let bytesRead = 0;
    let firstDate: string | null = null;
    let lastDate: string | null = null;

    const handle = (record: CsvRecord): void => {
      if (header === undefined) {
        header = readHeader(record);
        return;
      }
      rowsRead += 1;
      if (record.fields.length > header.names.length) {
        throw new UsageImportError(record.line, `the row has ${record.fields.length} fields but the header has ${header.names.length} (quote values that contain commas)`);
      }
      const item: RawUsageItem = {};
      for (const [field, at] of Object.entries(header.index) as [UsageField, number][]) item[field] = record.fields[at] ?? '';
      const result = parseUsageItem(item, itemCtx);
      if (!result.ok) {
        if ('unsupportedProduct' in result) return;
        const at = header.index[result.field];
        throw new UsageImportError(record.line, result.message, at === undefined ? undefined : header.names[at]);
      }
      batch.push({ ...result.row, enterprise_id: enterprise.id, created_at: createdAt });
      if (firstDate === null || result.row.usage_date < firstDate) firstDate = result.row.usage_date;
      if (lastDate === null || result.row.usage_date > lastDate) lastDate = result.row.usage_date;
    };

    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const rows = batch;
      batch = [];
      await insertUsageRows(trx, rows);
      imported += rows.length;
      onProgress?.(rowsRead, bytesRead);
    };

    try {
      for await (const chunk of textChunks(input)) {
        bytesRead += chunk.bytes;
        for (const record of parser.push(chunk.text)) {
          handle(record);
          if (batch.length >= INSERT_BATCH) await flush();
        }
      }
      for (const record of parser.end()) handle(record);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new UsageImportError(error.line, error.message.replace(/^line \d+: /, ''));
      throw error;
    }
    if (header === undefined) throw new UsageImportError(1, 'the file is empty; a header row naming the columns is required');
    await flush();
    onProgress?.(rowsRead, bytesRead);

    if (imported > 0) {
      const data = usageAuditData(enterprise, 'csv', imported, firstDate, lastDate);
      await recordAudit(trx, ctx.clock, { action: USAGE_AUDIT_ACTION, enterpriseId: enterprise.id, actor: null, data });
    }
    return { imported };
  });
}
