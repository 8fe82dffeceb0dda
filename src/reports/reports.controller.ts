import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { csvDownload } from '../common/text/csv';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { NoShowReportQuery, NoShowReportView } from './dto/no-show-report.dto';
import { NoShowReportService } from './no-show-report.service';
import { BackfillReportService } from './backfill-report.service';
import { BackfillReportQuery, BackfillReportView } from './dto/backfill-report.dto';
import { LeastRole } from '../auth/roles';

const DEFINITIONS = `Counts the clinic's appointments whose start, read in the clinic's time zone, falls on a
local date in [from, to): a day with a DST change is still one day. Current statuses count:
attended = arrived or completed; noShows = no_show; cancelled = cancelled. Text-driven facts come
from the appointment's history, events with source patient: confirmed = REPLY_CONFIRM or
REPLY_SLOT at any time; rescheduledByText = REPLY_SLOT; cancelledByText = cancelled and
REPLY_CANCEL. A no-show is confirmed if it had confirmed; else unconfirmed if one of its reminders
was sent or delivered (reminded, no confirming reply); else unreached. format=csv answers
text/csv (RFC 4180, header row, one row per group then a total row told apart by the scope
column, formula-like text cells prefixed with an apostrophe) as an attachment.`;

const BACKFILL_DEFINITIONS = `Counts the clinic's freed slots (time given back by a cancellation, a move or a
no-show before the start, and open slots uploaded) whose start, read in the clinic's time zone,
falls on a local date in [from, to). offered: slots offered to at least one patient; filled:
slots a waitlisted patient took by text; fillRate = filled / freedSlots (null when none);
medianMinutesToFill: from freeing to the booking; offerTexts: offer texts written for them;
rebookedAfterNoShow: appointments in the range booked to replace a missed visit. format=csv as
for the no-show report.`;

@ApiTags('reports')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/reports')
@ApiExtraModels(NoShowReportView, BackfillReportView)
export class ReportsController {
  constructor(
    private readonly reports: NoShowReportService,
    private readonly backfill: BackfillReportService,
  ) {}

  @LeastRole('staff')
  @Get('backfill')
  @ApiOperation({
    operationId: 'getBackfillReport',
    summary: 'Freed time and how much of it the waitlist filled, over a range of local dates',
    description: BACKFILL_DEFINITIONS,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'the report (JSON), or with format=csv the same figures as a CSV file',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(BackfillReportView) } },
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'scope,key,freedSlots,offered,filled,fillRate,medianMinutesToFill,offerTexts,' +
            'rebookedAfterNoShow\r\npractitioner,Dr. Kim,4,3,1,0.25,12,9,0\r\n' +
            'total,,4,3,1,0.25,12,9,0\r\n',
        },
      },
    },
  })
  @ApiErrors(400, 401)
  async backfillReport(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() query: BackfillReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BackfillReportView | string> {
    if (query.format !== 'csv') return this.backfill.report(clinic, query);
    const csv = await this.backfill.csv(clinic, query);
    return csvDownload(res, csv.fileName, csv.body);
  }

  @LeastRole('staff')
  @Get('no-shows')
  @ApiOperation({
    operationId: 'getNoShowReport',
    summary: 'No-shows, attendance and text replies over a range of local dates',
    description: DEFINITIONS,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'the report (JSON), or with format=csv the same figures as a CSV file',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(NoShowReportView) } },
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'scope,key,appointments,attended,noShows,cancelled,noShowRate,confirmed,' +
            'noShowsConfirmed,noShowsUnconfirmed,noShowsUnreached,rescheduledByText,' +
            'cancelledByText\r\npractitioner,Dr. Kim,10,6,2,2,0.25,5,1,1,0,1,1\r\n' +
            'total,,10,6,2,2,0.25,5,1,1,0,1,1\r\n',
        },
      },
    },
  })
  @ApiErrors(400, 401)
  async noShows(
    @CurrentClinic() clinic: ClinicEntity,
    @Query() query: NoShowReportQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<NoShowReportView | string> {
    if (query.format !== 'csv') return this.reports.report(clinic, query);
    const csv = await this.reports.csv(clinic, query);
    return csvDownload(res, csv.fileName, csv.body);
  }
}
