export * from './call-transitions';
export * from './lifecycle';
export * from './open-session';
export * from './after-hours';
