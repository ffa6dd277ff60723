# One image for every stage; the command picks the process:
#   docker run trailstream discovery|fetcher-parser|filter-mapper|emitter|integrity|trailstream <args>
# The recording Datadog intake (testkit) is only in the `dev` target (compose): --target dev, command intake.
# Production runs Node 24 (the default); the code also runs on Node 22 (--build-arg NODE_VERSION=22).
# Needs BuildKit (cache and secret mounts): Docker 23+ or `DOCKER_BUILDKIT=1` with a client that has it.
# No `# syntax=` line: the daemon's built-in frontend has all this file uses, and nothing is fetched for it.
# Behind a TLS-intercepting proxy, pass its CA bundle and/or an npm configuration as secrets (never layers):
#   docker build --secret id=ca,src=/path/ca-bundle.pem --secret id=npmrc,src=$HOME/.npmrc .
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# The build stages' npm runs with the optional secrets (mounted under /run/secrets only for that RUN):
# `ca`, extra CA certificates for TLS to the registry; `npmrc`, an npm user configuration.
FROM base AS builder
COPY deploy/docker/with-build-secrets.sh /usr/local/bin/with-build-secrets

# Only the package manifests, so the dependency layers are rebuilt only when a manifest changes.
FROM base AS manifests
COPY packages packages
COPY services services
RUN find packages services -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

FROM builder AS build
COPY package.json package-lock.json ./
COPY --from=manifests /app/ ./
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca --mount=type=secret,id=npmrc \
    with-build-secrets npm ci --ignore-scripts
COPY tsconfig.base.json turbo.json ./
COPY packages packages
COPY services services
RUN TURBO_TELEMETRY_DISABLED=1 npx turbo run build
# What the runtime needs of each workspace: package.json, dist/, bin/, data files (rules); not sources,
# tests, build caches (.turbo, tsbuildinfo) or declaration maps.
RUN find packages services -mindepth 2 -maxdepth 2 \
      \( -name src -o -name test -o -name bench -o -name node_modules -o -name fixtures -o -name .turbo \
         -o -name '*.md' -o -name 'tsconfig*.json' -o -name '*.tsbuildinfo' -o -name 'vitest.config.*' \) \
      -exec rm -rf {} + \
 && find packages services -path '*/dist/*' \( -name '*.map' -o -name '*.tsbuildinfo' \) -delete

FROM builder AS production-dependencies
COPY package.json package-lock.json ./
COPY --from=manifests /app/ ./
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca --mount=type=secret,id=npmrc \
    with-build-secrets npm ci --omit=dev --ignore-scripts

# The test-only workspaces stay out of the production image: no layer of it holds them.
FROM build AS production-packages
RUN rm -rf packages/testkit packages/e2e

FROM base AS runtime-common
ENV NODE_ENV=production
COPY --from=production-dependencies /app/ ./
# Workspace packages resolve through their package.json "default" export condition to dist/.
COPY --from=production-packages /app/packages packages
COPY --from=build /app/services services
COPY deploy/docker/entrypoint.sh deploy/docker/probe.mjs deploy/docker/
# Numeric, so Kubernetes' runAsNonRoot can verify it; nothing under /app is writable by it.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/app/deploy/docker/entrypoint.sh"]
CMD ["--help"]

# Local use only (compose): the production image and the recording Datadog intake.
FROM runtime-common AS dev
COPY --from=build /app/packages/testkit packages/testkit
COPY deploy/docker/dev-entrypoint.sh deploy/docker/
ENTRYPOINT ["/app/deploy/docker/dev-entrypoint.sh"]

# The production image: the default target.
FROM runtime-common AS runtime
