export * from './rule';
export * from './monitoring-params';
export * from './stockpiling.rule';
export * from './price-above-reference.rule';
export * from './dissolved-agreement.rule';
export * from './overdue-settlement-claim.rule';
export * from './unusual-volume.rule';
