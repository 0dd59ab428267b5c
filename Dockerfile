# syntax=docker/dockerfile:1
# One image for every role of the booking platform; the role is chosen at run time by ROLES
# (command, read-api, projector, reactor, relay). See ops/compose.yaml and ops/k8s/.

# ---- build: native better-sqlite3 and the Vue UI -------------------------------------------
FROM node:20-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Manifests first so the dependency layer is cached across source changes.
COPY package.json package-lock.json ./
COPY shared-kernel/package.json shared-kernel/
COPY command/package.json command/
COPY projections/package.json projections/
COPY read-api/package.json read-api/
COPY ui/package.json ui/
COPY ops/package.json ops/
# --ignore-scripts: the root postinstall builds the UI, whose sources are not copied yet.
# Then run the install scripts of the packages that need them (package.json "allowScripts"),
# compiling better-sqlite3 from source against this Node.
ENV npm_config_build_from_source=true
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild protobufjs \
 && node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()"

COPY . .
# the UI, and the platform's TypeScript bundled into plain JavaScript (no transform at start)
RUN npm run build -w ui && test -f ui/dist/index.html \
 && npm run build:platform && test -f ops/dist/platform/main.mjs

# ---- runtime ----------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/app/data
WORKDIR /app
# The platform runs from ops/dist/platform (bundled in the build stage; packages stay in
# node_modules). node_modules keeps the dev dependencies so `npm run admin:create` and
# `npm run projection:rebuild` (tsx) work in the container; `node ops/dist/platform/admin-create.mjs`
# and `projection-rebuild.mjs` are the same commands without tsx.
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --enable-source-maps: stack traces in the logs name the .ts sources
CMD ["node","--enable-source-maps","ops/dist/platform/main.mjs"]
