import { ApiBearerAuth } from '@nestjs/swagger';
import type { DocumentBuilder } from '@nestjs/swagger';

/** The two credentials of the API, as two security schemes a client generator can tell apart. */
export const OPERATOR_TOKEN = 'operatorToken';
export const CLINIC_KEY = 'clinicKey';
export const METRICS_TOKEN = 'metricsToken';

export const ApiOperatorAuth = () => ApiBearerAuth(OPERATOR_TOKEN);
export const ApiClinicKeyAuth = () => ApiBearerAuth(CLINIC_KEY);
export const ApiMetricsAuth = () => ApiBearerAuth(METRICS_TOKEN);

export function addSecuritySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'The operator token (ADMIN_TOKEN)' },
      OPERATOR_TOKEN,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'A clinic API key (`tk_...`), shown once when the clinic is created',
      },
      CLINIC_KEY,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when the operator set one' },
      METRICS_TOKEN,
    );
}
