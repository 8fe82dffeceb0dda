/**
 * The FHIR R4 test server in a process of its own, so the bench can measure its CPU apart from
 * Turnout's: seeds BENCH_EVENTS appointments, prints one JSON line { base, token }, and serves
 * until its parent closes its standard input.
 */
import { FhirTestServer } from '../../test/support/fhir/fhir-test-server';
import { seedFhir } from './calstore-fixtures';

async function main(): Promise<void> {
  const server = new FhirTestServer();
  server.maxPageSize = 100;
  await server.start();
  seedFhir(server, Number(process.env.BENCH_EVENTS ?? 5_000));
  process.stdout.write(`${JSON.stringify({ base: server.base, token: server.staticToken })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
