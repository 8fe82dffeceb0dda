import { createServer, Server, Socket } from 'node:net';
import { pickFreePort } from '../../src/startup/free-port';

/**
 * A TCP link between one service and PostgreSQL that a test can cut: `down()` refuses new
 * connections and drops open ones, as a database restart does to its clients; `up()` takes
 * connections again on the same port. Only the service behind the link sees the outage, so
 * the test itself keeps its own connections to look at the database.
 */
export class DatabaseLink {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(databaseUrl: string): Promise<DatabaseLink> {
    const url = new URL(databaseUrl);
    // Below the ephemeral range: between down() and up() no outgoing connection can take it.
    const port = await pickFreePort();
    const link = new DatabaseLink({ host: url.hostname, port: Number(url.port || 5432) }, port);
    await link.up();
    return link;
  }

  /** The service's DATABASE_URL: through the link, named so its backends can be found. */
  urlFor(databaseUrl: string, applicationName: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    url.searchParams.set('application_name', applicationName);
    return url.toString();
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const db = new Socket();
      this.sockets.add(client).add(db);
      const forget = () => {
        this.sockets.delete(client);
        this.sockets.delete(db);
        client.destroy();
        db.destroy();
      };
      client.on('error', forget).on('close', forget);
      db.on('error', forget).on('close', forget);
      db.connect(this.target.port, this.target.host, () => {
        client.pipe(db);
        db.pipe(client);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
