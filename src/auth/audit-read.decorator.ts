import { SetMetadata } from '@nestjs/common';

export const AUDIT_READ = 'turnout:audit-read';

/** Marks a route that shows patients' data: each successful call leaves an audit entry. */
export const AuditRead = () => SetMetadata(AUDIT_READ, true);
