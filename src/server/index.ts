export { decidedWhilePausing } from './decide-approval.ts';
export { registerFleetSchedules, startSchedules } from './schedules.ts';
export { createServerApp } from './server-app.ts';
export type { QueuedTask } from './task-queue.ts';
export { TaskQueue } from './task-queue.ts';
