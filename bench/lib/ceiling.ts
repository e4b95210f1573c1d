/**
 * The bare `node:http` ceiling beside a Gatehouse read: capture exactly what Gatehouse answers to one request (status,
 * body, every header that belongs to the response), stop Gatehouse, and load a `ceiling.ts` child that answers with
 * those bytes and nothing else.
 */
import type { CeilingPayload } from '../servers/ceiling.ts';
import type { BenchContext, Measurement } from './types.ts';

/** Headers that belong to the connection, not the response; node:http writes its own. */
const CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

export async function measureCeiling(ctx: BenchContext, requestPath: string, headers: Record<string, string>): Promise<Measurement> {
  const gatehouse = await ctx.gatehouse();
  const response = await fetch(`${gatehouse.url}${requestPath}`, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`capturing ${requestPath}: ${response.status} ${body.toString('utf8')}`);
  const responseHeaders = [...response.headers].filter(([name]) => !CONNECTION_HEADERS.has(name));
  await gatehouse.stop();
  const payload: CeilingPayload = { status: 200, headers: responseHeaders, body: body.toString('base64') };
  const server = await ctx.startServer('ceiling.ts', payload);
  const measurement = await ctx.load({ server, path: requestPath, headers, expectStatus: 200 });
  measurement.notes = [`${body.length} B body, ${responseHeaders.length} headers`];
  return measurement;
}
