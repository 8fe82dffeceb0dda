import { Module } from '@nestjs/common';

/** The reminder dispatcher: claims due reminders and sends them through the clinic's provider. */
@Module({})
export class DispatchModule {}
