import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ClinicEntity } from '../clinics/clinic.entity';
import { ApiKeyEntity } from './api-key.entity';

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(manager: EntityManager, clinicId: string, keyHash: string, keyPrefix: string) {
    await manager.insert(ApiKeyEntity, { clinicId, keyHash, keyPrefix });
  }

  /** The clinic an unrevoked key belongs to, by the key's hash. */
  async findClinicByKeyHash(keyHash: string): Promise<ClinicEntity | null> {
    return this.ds
      .getRepository(ClinicEntity)
      .createQueryBuilder('c')
      .innerJoin(ApiKeyEntity, 'k', 'k.clinic_id = c.id')
      .where('k.key_hash = :keyHash AND k.revoked_at IS NULL', { keyHash })
      .getOne();
  }
}
