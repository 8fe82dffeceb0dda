import { ApiProperty } from '@nestjs/swagger';

export class StoreErrorView {
  @ApiProperty({ description: 'what the store answered (an OperationOutcome read as text)' })
  message: string;
  @ApiProperty() at: string;
}

export class StoreCountsView {
  @ApiProperty({ description: 'reads of the store that succeeded' }) reads: number;
  @ApiProperty({ description: 'events seen by those reads (changed ones only, after the first)' })
  eventsRead: number;
  @ApiProperty({ description: 'appointments linked to an event or resource in the store' })
  appointments: number;
  @ApiProperty({ description: 'changes written to the store' }) writes: number;
  @ApiProperty({ description: 'writes that met a newer version (412) and were applied again' })
  writeConflicts: number;
  @ApiProperty({
    description:
      "moves by Turnout not written because the calendar had moved the appointment meanwhile (the calendar's time kept)",
  })
  calendarKept: number;
  @ApiProperty({ description: 'write-back events waiting (retried with backoff)' })
  pendingWrites: number;
  @ApiProperty({ description: 'write-back events given up after a day' }) failedWrites: number;
  @ApiProperty({ description: 'events that are not appointments Turnout can map' })
  unmapped: number;
}

export class UnmappedEventView {
  @ApiProperty({ description: "the event's URL (CalDAV) or Appointment/<id> (FHIR)" })
  ref: string;
  @ApiProperty({ type: String, nullable: true }) summary: string | null;
  @ApiProperty({ example: 'no attendee with a tel: address (the patient phone)' }) reason: string;
  @ApiProperty() seenAt: string;
}

export class StoreConflictView {
  @ApiProperty({ description: 'the write-back event, status conflict in /v1/calendar-deliveries' })
  deliveryId: string;
  @ApiProperty() appointmentId: string;
  @ApiProperty() externalId: string;
  @ApiProperty({ description: 'what the calendar had, and the move of Turnout it kept out' })
  message: string;
  @ApiProperty() at: string;
}

export class CalendarStoreStateView {
  @ApiProperty({ enum: ['webhook', 'caldav', 'fhir'] }) type: string;
  @ApiProperty({ type: String, nullable: true, description: 'last successful read' })
  lastReadAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'last successful write' })
  lastWriteAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'when the next read is due' })
  nextReadAt: string | null;
  @ApiProperty({ type: StoreCountsView }) counts: StoreCountsView;
  @ApiProperty({ type: StoreErrorView, nullable: true }) lastError: StoreErrorView | null;
  @ApiProperty({ type: [UnmappedEventView], description: 'newest first, at most 100' })
  unmapped: UnmappedEventView[];
  @ApiProperty({
    type: [StoreConflictView],
    description:
      "moves where the calendar's newer time was kept over Turnout's; newest first, at most 100",
  })
  conflicts: StoreConflictView[];
}
