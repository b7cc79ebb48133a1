export { createFixedRules } from './fixed-rules.ts';
export type { Reservation, ReserveResult, TaskLimits } from './task-budget.ts';
export { TaskBudget } from './task-budget.ts';
