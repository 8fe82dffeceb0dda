import { Injectable } from '@nestjs/common';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { Clock } from '../common/clock/clock';
import { Secrets } from '../common/crypto/secrets';
import { ConflictError, InvalidInputError } from '../common/errors/domain-errors';
import { normalizePhone } from '../common/phone/phone';
import { InboxWriter } from '../webhooks/inbox/inbox-writer.service';
import type { OutboxView, SimulateInboundDto, SimulatedInboundView } from './dto/simulator.dto';
import { SentTextsRepository } from './sent-texts.repository';

const DEFAULT_OUTBOX_LIMIT = 50;

/**
 * The `fake` provider's network: a patient's reply enters through the same inbox as a real
 * provider's webhook (so it is processed the same way, asynchronously), and what was sent is
 * read back from the message log.
 */
@Injectable()
export class SimulatorService {
  constructor(
    private readonly inbox: InboxWriter,
    private readonly sentTexts: SentTextsRepository,
    private readonly clock: Clock,
    private readonly secrets: Secrets,
  ) {}

  async inbound(clinic: ClinicEntity, dto: SimulateInboundDto): Promise<SimulatedInboundView> {
    requireFake(clinic);
    const from = normalizePhone(dto.from, clinic.defaultCountry);
    if (!from) throw new InvalidInputError(['from must be a valid phone number']);
    const receivedAt = this.clock.now();
    const providerMessageId = this.secrets.token('sim_', 16);
    await this.inbox.write({
      providerType: 'fake',
      clinicId: clinic.id,
      // The API key authenticated the request, not the clinic's provider credentials.
      clinicVersion: null,
      event: {
        kind: 'inbound',
        message: { providerMessageId, from, to: clinic.senderNumber, body: dto.body },
      },
      receivedAt,
    });
    return {
      providerMessageId,
      from,
      to: clinic.senderNumber,
      receivedAt: receivedAt.toISOString(),
      status: 'accepted',
    };
  }

  async outbox(clinic: ClinicEntity, limit = DEFAULT_OUTBOX_LIMIT): Promise<OutboxView> {
    requireFake(clinic);
    const rows = await this.sentTexts.newest(clinic.id, limit);
    return {
      items: rows.map((r) => ({
        id: r.id,
        to: r.to_number,
        from: r.from_number,
        body: r.body,
        status: r.status,
        segments: r.segments,
        at: r.at.toISOString(),
        kind: r.kind,
        appointmentId: r.appointment_id,
        providerMessageId: r.provider_message_id,
      })),
    };
  }
}

/** A clinic on a real provider must not have replies injected past its carrier. */
function requireFake(clinic: ClinicEntity): void {
  if (clinic.providerType !== 'fake') {
    throw new ConflictError([
      `the simulator serves clinics whose provider is fake; this clinic uses ${clinic.providerType}`,
    ]);
  }
}
