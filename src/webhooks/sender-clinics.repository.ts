import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ProviderCredentials, ProviderType } from '../messaging/providers/sms-provider.port';
import { GroupCommit } from '../common/batching/group-commit';

/** What authenticating a webhook needs to know about the clinic owning the number. */
export interface SenderClinic {
  id: string;
  providerType: ProviderType;
  providerCredentials: ProviderCredentials;
  /** bumped by every settings change (ClinicsRepository.update) */
  version: number;
}

interface SenderQuery {
  providerType: ProviderType;
  senderNumber: string;
}

/**
 * The clinic owning a sender number, as ClinicsRepository.findBySender answers it, but looked up
 * for many concurrent webhooks in one query: under a webhook storm the per-request round trip,
 * not the database's work, is what costs.
 */
@Injectable()
export class SenderClinicsRepository {
  private readonly batcher = new GroupCommit<SenderQuery, SenderClinic | null>((queries) =>
    this.findMany(queries),
  );

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  findBySender(providerType: ProviderType, senderNumber: string): Promise<SenderClinic | null> {
    return this.batcher.submit({ providerType, senderNumber });
  }

  private async findMany(queries: SenderQuery[]): Promise<(SenderClinic | null)[]> {
    const rows: {
      id: string;
      provider_type: ProviderType;
      sender_number: string;
      provider_credentials: ProviderCredentials;
      version: number;
    }[] = await this.ds.query(
      `SELECT c.id, c.provider_type, c.sender_number, c.provider_credentials, c.version
       FROM clinics c
       JOIN unnest($1::text[], $2::text[]) AS q(provider_type, sender_number)
         ON c.provider_type = q.provider_type AND c.sender_number = q.sender_number`,
      [queries.map((q) => q.providerType), queries.map((q) => q.senderNumber)],
    );
    const byKey = new Map(rows.map((r) => [`${r.provider_type} ${r.sender_number}`, r]));
    return queries.map((q) => {
      const row = byKey.get(`${q.providerType} ${q.senderNumber}`);
      return row
        ? {
            id: row.id,
            providerType: row.provider_type,
            providerCredentials: row.provider_credentials,
            version: row.version,
          }
        : null;
    });
  }
}
