import { startTestApp, TestApp } from '../support/test-app';

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness and readiness (database reachable, migrations applied)', async () => {
    await t.http.get('/health').expect(200, { status: 'ok' });
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'ok', migrations: 'applied' });
  });

  it('serves an OpenAPI document describing every route of the contract built so far', async () => {
    const res = await t.http.get('/docs-json').expect(200);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/v1/clinics',
      '/v1/clinic',
      '/v1/appointments',
      '/v1/appointments/batch',
      '/v1/appointments/{id}',
      '/v1/slots/batch',
      '/v1/slots',
      '/health',
      '/health/ready',
    ]) {
      expect(paths).toContain(p);
    }
    expect(Object.keys(res.body.components.schemas)).toEqual(
      expect.arrayContaining([
        'CreateClinicDto',
        'UpsertAppointmentDto',
        'AppointmentView',
        'BatchResultView',
      ]),
    );
    expect(res.body.components.schemas.UpsertAppointmentDto.properties.patient).toBeDefined();
    await t.http.get('/docs').expect(200);
  });
});
