import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type EventSource = 'patient' | 'staff' | 'system' | 'import';

/** One row per status change: the appointment's history as the API shows it. */
@Entity('appointment_events')
export class AppointmentEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'clinic_id', type: 'uuid' })
  clinicId: string;

  @Column({ name: 'appointment_id', type: 'uuid' })
  appointmentId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column('text')
  event: string;

  @Column({ name: 'from_status', type: 'text', nullable: true })
  fromStatus: string | null;

  @Column({ name: 'to_status', type: 'text' })
  toStatus: string;

  @Column('text')
  source: EventSource;

  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;
}
