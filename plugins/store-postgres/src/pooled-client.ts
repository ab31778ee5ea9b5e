import type pg from "pg";

/**
 * Runs `work` on a client taken from `pool`. While a client is checked out, the pool no longer listens to
 * its 'error' event, and a connection dropped by the server (restart, failover, `pg_terminate_backend`)
 * emits one: without a listener Node dies of it. So a listener is attached for the loan, the error fails
 * only this operation (the query in flight rejects with it too), and a client that failed in any way is
 * destroyed on release instead of going back to the pool half-broken.
 */
export async function withPooledClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  // The callback form, so the listener is on before the pool's callback returns: with `await pool.connect()`
  // it comes a microtask later, and a FATAL message parsed from the same chunk as the new connection's
  // ReadyForQuery (a server killed while connections were opening) found no listener and killed the process.
  const client = await new Promise<pg.PoolClient>((resolve, reject) => {
    pool.connect((error, connected) => {
      if (error !== undefined || connected === undefined) return reject(error);
      connected.on("error", onError);
      resolve(connected);
    });
  });
  try {
    const result = await work(client);
    if (broken !== undefined) throw broken;
    return result;
  } catch (error) {
    broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}
