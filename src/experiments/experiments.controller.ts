import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ClinicKeyGuard } from '../auth/clinic-key.guard';
import { CurrentClinic } from '../auth/current-clinic.decorator';
import type { ClinicEntity } from '../clinics/clinic.entity';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { ApiClinicKeyAuth } from '../common/openapi/auth';
import {
  CreateExperimentDto,
  ExperimentListView,
  ExperimentResultsView,
  ExperimentView,
  ReadyTemplateListView,
} from './dto/experiment.dto';
import { ExperimentsService } from './experiments.service';

@ApiTags('experiments')
@ApiClinicKeyAuth()
@UseGuards(ClinicKeyGuard)
@Controller('v1/experiments')
export class ExperimentsController {
  constructor(private readonly experiments: ExperimentsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createExperiment',
    summary: 'Start a wording or timing experiment (one per clinic at a time)',
    description:
      'Appointments planned while it runs (startsOn to endsOn, local dates in the clinic’s ' +
      'zone) are each assigned one variant, stably, and keep it when moved. Templates are ' +
      'checked against the default reminder’s placeholders; each variant with templates ' +
      'reports its encoding and segments per language. 409 names the experiment still open.',
  })
  @ApiResponse({ status: 201, type: ExperimentView })
  @ApiErrors(400, 401, 403, 409, 413, 415)
  create(
    @CurrentClinic() clinic: ClinicEntity,
    @Body() body: CreateExperimentDto,
  ): Promise<ExperimentView> {
    return this.experiments.create(clinic, body);
  }

  @Get()
  @ApiOperation({
    operationId: 'listExperiments',
    summary: 'The clinic’s experiments, newest first',
  })
  @ApiResponse({ status: 200, type: ExperimentListView })
  @ApiErrors(401)
  async list(@CurrentClinic() clinic: ClinicEntity): Promise<ExperimentListView> {
    return { items: await this.experiments.list(clinic) };
  }

  @Get('ready-templates')
  @ApiOperation({
    operationId: 'listReadyExperimentTemplates',
    summary: 'Ready, evidence-based variant wordings (English and Spanish) to start from',
  })
  @ApiResponse({ status: 200, type: ReadyTemplateListView })
  @ApiErrors(401)
  readyTemplates(): ReadyTemplateListView {
    return this.experiments.readyTemplates();
  }

  @Post(':id/end')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'endExperiment',
    summary: 'End an experiment now (an extension of the contract); ending twice is a no-op',
    description:
      'No new appointment is assigned after this; assigned ones keep their variant, and their ' +
      'outcomes keep counting in the results.',
  })
  @ApiResponse({ status: 200, type: ExperimentView })
  @ApiErrors(401, 403, 404)
  end(@CurrentClinic() clinic: ClinicEntity, @Param('id') id: string): Promise<ExperimentView> {
    return this.experiments.end(clinic, id);
  }

  @Get(':id/results')
  @ApiOperation({
    operationId: 'getExperimentResults',
    summary: 'Per variant: no-show rate with its 95% interval, and each against the first',
    description:
      'noShowRate = noShows / (attended + noShows), with a Wilson 95% interval. Against the ' +
      'first variant: the difference with Newcombe’s hybrid score 95% interval, a two-sided ' +
      'p-value (Fisher’s exact test when an expected count is below 5, else Pearson’s ' +
      'chi-square without continuity correction, as R’s prop.test(correct = FALSE)), the ' +
      'finished visits per variant for 80% power at alpha 0.05 for the observed difference, ' +
      'and a plain sentence. Comparisons are not corrected for multiplicity.',
  })
  @ApiResponse({ status: 200, type: ExperimentResultsView })
  @ApiErrors(401, 404)
  results(
    @CurrentClinic() clinic: ClinicEntity,
    @Param('id') id: string,
  ): Promise<ExperimentResultsView> {
    return this.experiments.results(clinic, id);
  }
}
