/** Request lists for `ctx.load({ requests })` (autocannon's request specs). */

/** Rotates through `paths`, one per request (autocannon `setupRequest`). */
export function rotating(paths: readonly string[]) {
  let next = 0;
  return [
    {
      method: 'GET',
      path: paths[0] ?? '/',
      setupRequest: (request: { path?: string }) => {
        request.path = paths[next % paths.length];
        next += 1;
        return request;
      },
    },
  ];
}
