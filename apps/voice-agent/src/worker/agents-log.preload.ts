/**
 * Preloaded (`--require`) into every process LiveKit Agents forks from the worker: its job processes, and the
 * inference process, which runs none of our code otherwise. Routes the framework's logger there before the framework
 * initialises it, so those processes' lines come out in the service's format too (session/agents-log.ts).
 */
import { routeAgentsLogs } from '../session/agents-log';

routeAgentsLogs({ service: 'voice-agent' });
