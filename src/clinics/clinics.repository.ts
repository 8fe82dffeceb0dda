import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClinicEntity } from './clinic.entity';

@Injectable()
export class ClinicsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(manager: EntityManager, values: Partial<ClinicEntity>): Promise<ClinicEntity> {
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(ClinicEntity)
      .values(values)
      .returning('*')
      .execute();
    return manager.create(ClinicEntity, result.generatedMaps[0] as Partial<ClinicEntity>);
  }

  async findById(
    id: string,
    manager: EntityManager = this.ds.manager,
  ): Promise<ClinicEntity | null> {
    return manager.findOneBy(ClinicEntity, { id });
  }

  async lockById(manager: EntityManager, id: string): Promise<ClinicEntity | null> {
    return manager
      .createQueryBuilder(ClinicEntity, 'c')
      .where('c.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
  }

  async update(manager: EntityManager, id: string, values: Partial<ClinicEntity>): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(ClinicEntity)
      .set({ ...values, version: () => 'version + 1' })
      .where('id = :id', { id })
      .execute();
  }

  async findBySender(providerType: string, senderNumber: string): Promise<ClinicEntity | null> {
    return this.ds.manager.findOneBy(ClinicEntity, {
      providerType: providerType as ClinicEntity['providerType'],
      senderNumber,
    });
  }

  async findByFlowrouteSecretHash(hash: string): Promise<ClinicEntity | null> {
    return this.ds.manager.findOneBy(ClinicEntity, { flowroutePathSecretHash: hash });
  }

  /** A page of clinics' stored credentials by id, locked for re-sealing (others skip them). */
  async lockCredentialsPage(
    manager: EntityManager,
    afterId: string,
    limit: number,
  ): Promise<
    {
      id: string;
      credentials: unknown;
      webhook_secret: unknown;
      flowroute_path_secret: unknown;
      calendar_store_secret: unknown;
    }[]
  > {
    return manager.query(
      `SELECT id, provider_credentials AS credentials, webhook_secret, flowroute_path_secret,
              calendar_store_secret
       FROM clinics
       WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [afterId, limit],
    );
  }

  /** Same secrets, sealed differently: not a settings change, so the version stays. */
  async replaceStoredSecrets(
    manager: EntityManager,
    id: string,
    stored: {
      credentials: unknown;
      webhookSecret: unknown;
      flowroutePathSecret: unknown;
      calendarStoreSecret: unknown;
    },
  ) {
    const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
    await manager.query(
      `UPDATE clinics SET provider_credentials = $2::jsonb, webhook_secret = $3::jsonb,
              flowroute_path_secret = $4::jsonb, calendar_store_secret = $5::jsonb
       WHERE id = $1`,
      [
        id,
        JSON.stringify(stored.credentials),
        JSON.stringify(stored.webhookSecret),
        json(stored.flowroutePathSecret),
        json(stored.calendarStoreSecret),
      ],
    );
  }

  /**
   * The clinic's store changed: its sync starts over from nothing, due now (the row is the
   * sync's lease and cursor, owned by the calendar module from here on); no store, no row.
   */
  async resetStoreSync(
    manager: EntityManager,
    id: string,
    storeType: string | null,
    now: Date,
  ): Promise<void> {
    if (!storeType) {
      await manager.query(`DELETE FROM calendar_store_syncs WHERE clinic_id = $1`, [id]);
      return;
    }
    await manager.query(
      `INSERT INTO calendar_store_syncs (clinic_id, store_type, next_sync_at)
       VALUES ($1, $2, $3)
       ON CONFLICT (clinic_id) DO UPDATE
       SET store_type = $2, cursor = NULL, next_sync_at = $3, last_error = NULL,
           last_error_at = NULL`,
      [id, storeType, now],
    );
    await manager.query(`DELETE FROM calendar_store_links WHERE clinic_id = $1`, [id]);
    await manager.query(`DELETE FROM calendar_store_unmapped WHERE clinic_id = $1`, [id]);
  }
}
