export { deliveryWorkflow } from './delivery';
export { reconcileWorkflow, retentionWorkflow } from './maintenance';
