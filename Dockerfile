# syntax=docker/dockerfile:1
# One image for every Callplane service; the app is chosen at build time (--build-arg APP=dialer)
# or at run time (-e APP=dialer, or a command such as `node dist/apps/dialer/main.js`).
# Migrations: `node dist/tools/db-migrate.js deploy` in the same image.
# The studio (the dashboard) is an image of its own: `docker build --target studio`, static files behind nginx.

# Pinned to releases, so every build runs the same software (deploy/deploy.spec.ts checks).
ARG NODE_IMAGE=node:20.19.5-bookworm-slim
ARG STUDIO_SERVER_IMAGE=nginxinc/nginx-unprivileged:1.27.5-alpine

# ---- deps: every dependency, for building ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Fixes to upstream bugs, applied by npm ci's postinstall (patch-package) until the packages release them.
COPY patches ./patches
# onnxruntime-node's postinstall would download its CUDA provider (the voice agent runs Silero on CPU, whose binding
# the package ships). npm 11.19+ skips it by package.json's allowScripts; this image's npm predates that field, so
# the package's own switch says it.
RUN --mount=type=cache,target=/root/.npm ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund

# ---- build: Prisma client generation + esbuild bundles into dist/ ----
FROM deps AS build
WORKDIR /app
COPY . .
# `npm run build` = `npm run db:generate` (the Prisma client) + `node scripts/build.mjs` (all apps and tools,
# libs/db/prisma copied to dist/prisma).
RUN npm run build

# ---- studio-build: the dashboard's static files (the build prints the initial JavaScript, and fails over 250 KB) ----
FROM deps AS studio-build
WORKDIR /app
# The studio imports only types from libs/contracts (erased by the build): its own sources are enough.
COPY tsconfig.base.json ./
COPY scripts/build-studio.mjs scripts/studio-initial-js.mjs scripts/
COPY apps/studio apps/studio
RUN node scripts/build-studio.mjs

# ---- studio: the dashboard's static deployment (`docker build --target studio`) ----
# Declared before runtime so a build without --target still makes the services' image.
FROM ${STUDIO_SERVER_IMAGE} AS studio
# nginx-unprivileged listens on 8080 and writes only under /tmp (its pid and temp files): a read-only root works.
COPY deploy/studio/nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=studio-build /app/dist/apps/studio /usr/share/nginx/html
# The base image's unprivileged `nginx` user, by number so Kubernetes can verify runAsNonRoot.
USER 101:101
EXPOSE 8080

# ---- runtime: production dependencies + dist only ----
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1 forwards SIGTERM to node and reaps children (the voice-agent forks job processes).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    CALLPLANE_PRISMA_DIR=/app/dist/prisma
COPY package.json package-lock.json ./
COPY patches ./patches
RUN --mount=type=cache,target=/root/.npm ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# The all-in-one keeps its embedded database under /app/.data; everything else is read-only at run time.
RUN mkdir -p /app/.data && chown 1000:1000 /app/.data

# Declared late so the layers above are shared by every app's image.
ARG APP=all-in-one
ENV APP=${APP}
# The base image's unprivileged `node` user, by number so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3000 3001 3002 3003 3004 3005
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec node dist/apps/${APP}/main.js"]
