import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export type Language = 'en' | 'es';
export type OptOutSource = 'keyword' | 'plain_language' | 'provider' | 'staff';

@Entity('patients')
export class PatientEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'clinic_id', type: 'uuid' })
  clinicId: string;

  /** +E.164 */
  @Column('text')
  phone: string;

  @Column('text')
  name: string;

  @Column('text')
  language: Language;

  @Column({ type: 'text', nullable: true })
  timezone: string | null;

  @Column({ name: 'opted_out_at', type: 'timestamptz', nullable: true })
  optedOutAt: Date | null;

  @Column({ name: 'opt_out_source', type: 'text', nullable: true })
  optOutSource: OptOutSource | null;

  @Column({ name: 'opt_out_detail', type: 'text', nullable: true })
  optOutDetail: string | null;

  @Column({ name: 'opted_in_at', type: 'timestamptz', nullable: true })
  optedInAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
