import type { AppointmentView, RiskView } from '../appointments/dto/appointment-view.dto';
import { bandOf } from './risk-model';
import type { StoredRisk } from './risk-scores.repository';

export function toRiskView(stored: StoredRisk): RiskView {
  return { score: round(stored.score), band: bandOf(stored.score), reasons: stored.reasons };
}

const round = (score: number) => Math.round(score * 1000) / 1000;

/** The view with its stored score, when it has one (staff-facing reads only). */
export function withRisk<T extends AppointmentView>(view: T, scores: StoredRisk[]): T {
  const stored = scores.find((s) => s.appointment_id === view.id);
  return stored ? { ...view, risk: toRiskView(stored) } : view;
}
