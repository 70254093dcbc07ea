# syntax=docker/dockerfile:1
# The operator image: packages/operator bundled by esbuild into one ES module, run by Node 24 as a
# non-root user. No registry access at run time, no package manager in the final image.
#   docker build -t ghcr.io/openmcp-project/openmcp-operator-ts:dev .
#   docker run --rm ghcr.io/openmcp-project/openmcp-operator-ts:dev --help
# Without Docker: `pnpm images` (buildah, a local base as NODE_IMAGE; see the README).
ARG NODE_IMAGE=node:24-slim

# The bundle is plain JavaScript: build it once on the builder's platform for every target platform.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /src
# Behind a TLS-intercepting proxy, the builder's CA bundle (mounted for the build) for corepack and
# pnpm; unset by default and never part of the final stage.
ARG NODE_EXTRA_CA_CERTS
# "0" only for a registry mirror that serves no npm signatures (corepack verifies pnpm's by default).
ARG COREPACK_INTEGRITY_KEYS
ENV COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# corepack installs the pnpm that package.json pins (packageManager).
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN corepack enable && pnpm --version
# Packages come from the lockfile alone, so this layer stays cached until the lockfile changes.
# --ignore-scripts: nothing here needs the Node and Deno binaries that root devDependencies download.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm fetch --ignore-scripts --store-dir=/pnpm/store
COPY . .
# The operator and its workspace dependencies (and the root's dev tools, esbuild among them).
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --offline --frozen-lockfile --ignore-scripts --store-dir=/pnpm/store \
      --filter "@openmcp-ts/operator..."
RUN node scripts/bundle-operator.ts \
 && node packages/operator/dist/openmcp-operator.mjs --help >/dev/null

FROM ${NODE_IMAGE}
# The operator needs node alone: drop npm, npx, corepack and yarn.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
COPY --from=build /src/packages/operator/dist/openmcp-operator.mjs /app/openmcp-operator.mjs
ENV NODE_ENV=production
# The numeric user the manifests' securityContext expects (runAsNonRoot needs a numeric USER).
USER 65532:65532
# A small young generation and V8's size-optimised mode halve peak RSS at N=1000 (308 → 150 MiB;
# bench/results/memory.md): the live heap is ~30 MiB, the rest was V8 headroom.
ENTRYPOINT ["node", "--max-semi-space-size=2", "--optimize-for-size", "/app/openmcp-operator.mjs"]
CMD ["run"]
