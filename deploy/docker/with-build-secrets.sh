#!/bin/sh
# Runs a build command (npm ci) with the optional BuildKit secrets of the Dockerfile's build stages:
#   ca     extra CA certificates (PEM) for TLS to the registry, e.g. a corporate proxy's
#   npmrc  an npm user configuration (registry, auth token, proxy)
# Secrets are mounted under /run/secrets for one RUN only and never end up in a layer.
set -eu
if [ -s /run/secrets/ca ]; then
  export NODE_EXTRA_CA_CERTS=/run/secrets/ca
fi
if [ -s /run/secrets/npmrc ]; then
  export NPM_CONFIG_USERCONFIG=/run/secrets/npmrc
fi
exec "$@"
