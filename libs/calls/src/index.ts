export * from './call-transitions';
export * from './lifecycle';
export * from './open-session';
