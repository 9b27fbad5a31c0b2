# jobdone as an image that holds nothing but /jobdone: the portable bundle (the
# executable plus the glibc and libstdc++ it links, patched to load them from
# /jobdone/lib). Copy it into your job image:
#
#   COPY --from=jobdone /jobdone /jobdone
#   ENTRYPOINT ["/jobdone/jobdone", "--"]
#
# It runs in any Linux image of the same CPU architecture, with or without glibc
# (Debian, Alpine, distroless/static, scratch), as long as it stays at /jobdone.
#
# Build: docker build -t jobdone .   (or podman build)
# ARGs let a build use other base images, e.g. a mirror, or local images where no
# registry is reachable. NPM_CI_FLAGS passes flags to npm ci (e.g. --offline
# --cache DIR); the end-to-end tests need none: their local node base carries an
# npm cache and an npmrc that point npm ci at it, so they run this file as is.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
# strip and patchelf make the bundle; a base that already has them needs no network here.
RUN if ! command -v strip >/dev/null || ! command -v patchelf >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends binutils patchelf && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
COPY package.json package-lock.json ./
ARG NPM_CI_FLAGS=""
RUN npm ci --no-audit --no-fund ${NPM_CI_FLAGS}
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY src/ src/
RUN node scripts/build.mjs

FROM scratch
COPY --from=build /src/dist/bundle/jobdone /jobdone
ENTRYPOINT ["/jobdone/jobdone"]
CMD ["--help"]
