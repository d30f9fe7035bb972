export * from './cloud-event';
export * from './topics';
export * from './dispensing';
export * from './prescribing';
export * from './settlement';
export * from './audit';
export * from './text';
export * from './prescription-seal';
