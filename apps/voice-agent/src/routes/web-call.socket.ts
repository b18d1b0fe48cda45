import { redeemWebCallToken, type CallReport, type WebCallRefusal } from '@callplane/calls';
import { WEB_CALL_CLOSE, WEB_CALL_SOCKET_PATH_PATTERN, type WebCallClose } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import type { UpgradeRoute } from '@callplane/service-kit';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import type { SandboxMediaPlane } from '../sandbox/sandbox-media-plane';
import type { WebCallSettings } from '../sandbox/web-call';
import { CallPlanError, planCall, type CallPlan } from '../session/agent-config';
import { SocketLink } from './web-call-link';

export interface WebCallSocketDeps {
  prisma: PrismaClient;
  sandbox: Pick<SandboxMediaPlane, 'connectWebCall' | 'hasWebCall' | 'endWebCalls'>;
  settings: WebCallSettings;
  /** The call-state machine's writer, for a call whose token was spent but that could not be run. */
  report(r: CallReport): Promise<unknown>;
  logger: Logger;
  now(): Date;
}

/** A message larger than this is cut off by the WebSocket layer itself (close 1009) before it is read whole. */
const MAX_MESSAGE_BYTES = 64 * 1024;

const REFUSAL: Record<Exclude<WebCallRefusal, 'used'>, WebCallClose> = {
  unknown: WEB_CALL_CLOSE.unknownSession,
  expired: WEB_CALL_CLOSE.tokenExpired,
  ended: WEB_CALL_CLOSE.callOver,
};

/**
 * The sandbox web call's audio socket, `GET /voice/web-call/{session_id}/audio?token=…` (served while LiveKit is not
 * configured, on the service's HTTP server). The upgrade is always accepted, so a browser, which cannot read a refused
 * handshake's status, learns why from the close code (libs/contracts WEB_CALL_CLOSE): the token is checked and spent,
 * then the call runs on the sandbox media plane. The client sends only binary 640-byte frames; anything else closes
 * the socket with its code, and the call ends.
 */
export function webCallSocketRoute(deps: WebCallSocketDeps): UpgradeRoute {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false, clientTracking: true });
  return {
    matches: (pathname) => WEB_CALL_SOCKET_PATH_PATTERN.test(pathname),
    handle(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        admit(deps, ws, req).catch((err: unknown) => {
          deps.logger.error({ err }, 'web call socket failed');
          if (ws.readyState === WebSocket.OPEN) ws.close(WEB_CALL_CLOSE.error.code, WEB_CALL_CLOSE.error.reason);
        });
      });
    },
    async close() {
      await deps.sandbox.endWebCalls();
      // Sockets still being admitted: the server is going away.
      for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.close(WEB_CALL_CLOSE.shutdown.code, WEB_CALL_CLOSE.shutdown.reason);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

async function admit(deps: WebCallSocketDeps, ws: WebSocket, req: IncomingMessage): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const sessionId = decodedOrEmpty(WEB_CALL_SOCKET_PATH_PATTERN.exec(url.pathname)?.[1] ?? '');
  const log = deps.logger.child({ session_id: sessionId, component: 'web-call-socket' });
  // Listening from the first message: a client breaking the protocol while it is admitted is closed for it all the same.
  const link = new SocketLink(ws, { maxBufferedBytes: deps.settings.maxBufferedBytes });
  ws.on('error', (err) => log.debug({ err: err.message }, 'web call socket error'));

  const redeemed = await redeemWebCallToken(deps.prisma, { sessionId, token: url.searchParams.get('token') ?? '', now: deps.now() });
  if (!redeemed.ok) {
    const close = redeemed.reason === 'used' ? (deps.sandbox.hasWebCall(sessionId) ? WEB_CALL_CLOSE.alreadyConnected : WEB_CALL_CLOSE.tokenUsed) : REFUSAL[redeemed.reason];
    log.info({ refused: close.reason }, 'web call connection refused');
    link.refuse(close);
    return;
  }
  // From here the token is spent: a call that cannot run is ended, not left open.
  const fail = async (close: WebCallClose, endReason: string) => {
    link.refuse(close);
    await deps.report({ call: { sessionId }, state: 'failed', at: deps.now(), endReason });
  };
  let plan: CallPlan;
  try {
    plan = await planCall({ metadata: JSON.stringify(redeemed.metadata) });
  } catch (err) {
    if (!(err instanceof CallPlanError)) throw err;
    // An agent stored around the API's checks.
    log.error({ err: err.message }, 'web call metadata is invalid');
    return fail(WEB_CALL_CLOSE.error, 'invalid_call_metadata');
  }
  const call = deps.sandbox.connectWebCall(plan, sessionId, link);
  if (!call) {
    log.info('web call refused: the sandbox media plane is stopping');
    return fail(WEB_CALL_CLOSE.shutdown, WEB_CALL_CLOSE.shutdown.reason);
  }
  link.attach({ audio: (frame) => call.callerAudio(frame), gone: (why) => call.linkClosed(why) });
  log.info('web call connected');
}

/** A path segment decoded; a malformed escape is no session at all (refused as unknown, like any other). */
function decodedOrEmpty(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}
