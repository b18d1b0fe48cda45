/**
 * The one owner of call sessions (`call_sessions` and their `call.lifecycle` events). The gateway, the dialer and the
 * voice agent open and move calls only through here: a session is opened with its first event (`openOutboundSession`,
 * `openInboundSession` in the caller's transaction, or the gateway's batched `SessionOpener`), and every later report
 * goes through `CallTransitions` and the one call-state machine.
 */
export * from './call-transitions';
export * from './call-lookup';
export * from './end-reason';
export * from './lifecycle';
export * from './session-row';
export * from './open-session';
export * from './session-opener';
export * from './after-hours';
export * from './calls-in-progress';
export * from './lost-calls';
export * from './web-call-tokens';
