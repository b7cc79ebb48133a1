/**
 * Where a task's journal stands: `complete` ends with the terminal event its row records; `paused`
 * waits for an approval; `interrupted` was ended by the reaper after its process died; `incomplete` has
 * no terminal event yet (the task is running, or its process died on another host).
 */
export type JournalState = 'complete' | 'paused' | 'interrupted' | 'incomplete';
