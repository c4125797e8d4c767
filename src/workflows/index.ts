/** The workflows the worker registers. */
export { deliveryWorkflow } from './delivery';
export { reconcileWorkflow, retentionWorkflow } from './maintenance';
