export { createFixedRules } from './fixed-rules.ts';
export { TaskBudget } from './task-budget.ts';
export type { Reservation, ReserveResult, TaskLimits } from './task-budget.ts';
