/**
 * Kinds of due-work signal produced in one module and heard in another that may not import it
 * (see docs/architecture.md, Layering). Each module's own kinds stay beside their producer.
 */

/**
 * A visit was marked attended (`arrived` or `completed`): its survey may be due (surveys) and
 * the clinic's finished visits changed (risk). Sent by appointments' workflow in the change's
 * transaction.
 */
export const VISIT_ATTENDED_WORK = 'visit-attended';
