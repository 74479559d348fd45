export * from './common.js';
export * from './errors.js';
export * from './scheduler.js';
export * from './loop.js';
export * from './tools.js';
export * from './network.js';
export * from './events.js';
export * from './telemetry.js';
