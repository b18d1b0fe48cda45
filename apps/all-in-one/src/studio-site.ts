import { existsSync } from 'node:fs';
import path from 'node:path';
import { ApiRouter, type ApiRouterDeps, type ServiceModule } from '@callplane/service-kit';
import express from 'express';

/** Path prefixes of the platform's own routes: an unknown path under them stays a JSON 404, never the app. */
const API_PREFIXES = ['/voice/', '/admin/', '/twilio/', '/exotel/', '/livekit/', '/openapi.json', '/healthz', '/readyz', '/metrics'];

/** Whether the studio has been built into `dir` (`npm run build:studio`). */
export const studioBuilt = (dir: string): boolean => existsSync(path.join(dir, 'index.html'));

/**
 * The studio's built files at `/`, mounted after every API router so API paths keep answering as before. Any other
 * GET that accepts HTML (a deep link such as /agents/agt_…, or a reload there) gets index.html: the app routes it.
 */
export function createStudioSiteModule(opts: { routerDeps: ApiRouterDeps; dir: string }): ServiceModule {
  const site = new ApiRouter(opts.routerDeps);
  const index = path.join(opts.dir, 'index.html');
  site.router.use(
    express.static(opts.dir, {
      index: false,
      // Hashed file names under assets/ never change; index.html is always re-checked so a new build is picked up.
      setHeaders: (res, file) => res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
  );
  site.router.get(/.*/, (req, res, next) => {
    if (API_PREFIXES.some((p) => req.path.startsWith(p)) || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return { name: 'studio', routers: [site] };
}
