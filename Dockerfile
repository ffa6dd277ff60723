# syntax=docker/dockerfile:1
# One image for every stage; the command picks the process:
#   docker run trailstream discovery|fetcher-parser|filter-mapper|emitter|integrity|trailstream <args>
# The recording Datadog intake (testkit) is only in the `dev` target (compose): --target dev, command intake.
# Production runs Node 24 (the default); the code also runs on Node 20 (--build-arg NODE_VERSION=20).
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

# Only the package manifests, so the dependency layers are rebuilt only when a manifest changes.
FROM base AS manifests
COPY packages packages
COPY services services
RUN find packages services -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

FROM base AS build
COPY package.json package-lock.json ./
COPY --from=manifests /app/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY tsconfig.base.json turbo.json ./
COPY packages packages
COPY services services
RUN TURBO_TELEMETRY_DISABLED=1 npx turbo run build
# What the runtime needs of each workspace: package.json, dist/, bin/, data files (rules); not sources or tests.
RUN find packages services -mindepth 2 -maxdepth 2 \
      \( -name src -o -name test -o -name bench -o -name node_modules -o -name fixtures -o -name '*.md' -o -name 'tsconfig*.json' \) \
      -exec rm -rf {} +

FROM base AS production-dependencies
COPY package.json package-lock.json ./
COPY --from=manifests /app/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts

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
