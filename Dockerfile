# jobdone as an image that holds nothing but /jobdone: the portable bundle (the
# executable plus the glibc and libstdc++ it links, patched to load them from
# /jobdone/lib). Copy it into your job image:
#
#   COPY --from=jobdone /jobdone /jobdone
#   ENTRYPOINT ["/jobdone/jobdone", "--"]
#
# It runs in any Linux image of the same CPU architecture (amd64 or arm64), with or without glibc
# (Debian, Alpine, distroless/static, scratch), as long as it stays at /jobdone.
#
# Build: docker build -t jobdone .   (or podman build), for the machine's CPU; both CPUs into one
# multi-arch image:
#   docker buildx build --platform linux/amd64,linux/arm64 -t jobdone .
#   podman build --platform linux/amd64,linux/arm64 --manifest jobdone .
# The build stage runs on the build machine's CPU and cross-builds for the target's (npm run
# build -- --arch): only the target's Node (making the code cache and the SEA blob) and the
# build's final checks run under qemu-user, so the
# build machine needs qemu-user registered with binfmt_misc for the other CPU (Debian:
# qemu-user-static; Docker Desktop has it). See "How it is built" in CONTRIBUTING.md.
# ARGs let a build use other base images, e.g. a mirror, or local images where no
# registry is reachable. NPM_CI_FLAGS passes flags to npm ci (e.g. --offline
# --cache DIR); the end-to-end tests need none: their local node base carries an
# npm cache and an npmrc that point npm ci at it, so they run this file as is.
ARG NODE_IMAGE=node:24-bookworm-slim
# Set by BuildKit and newer buildah. Docker's legacy builder (Debian's docker.io 20.10) and
# Podman 4.3 leave it unset and refuse an empty --platform: there it falls back to linux/amd64,
# so on an arm64 machine with those builders pass --build-arg BUILDPLATFORM=linux/arm64.
ARG BUILDPLATFORM

FROM --platform=${BUILDPLATFORM:-linux/amd64} ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
ARG NPM_CI_FLAGS=""
RUN npm ci --no-audit --no-fund ${NPM_CI_FLAGS}
# strip and patchelf make the bundle; for the other CPU also its cross strip and its glibc and
# libstdc++ (Debian multiarch), which the bundle ships. A base that has them needs no network.
# The target CPU in Docker's names (amd64, arm64); without TARGETARCH, the build stage's own.
ARG TARGETARCH
RUN set -eu; packages=""; \
    command -v strip >/dev/null || packages="$packages binutils"; \
    command -v patchelf >/dev/null || packages="$packages patchelf"; \
    here=$(node -p 'process.arch === "x64" ? "amd64" : process.arch'); \
    case "${TARGETARCH:-$here}" in \
      amd64) triplet=x86_64-linux-gnu; loader=/lib64/ld-linux-x86-64.so.2 ;; \
      arm64) triplet=aarch64-linux-gnu; loader=/lib/ld-linux-aarch64.so.1 ;; \
      *) echo "jobdone builds for linux/amd64 and linux/arm64, not $TARGETARCH" >&2; exit 1 ;; \
    esac; \
    if [ "${TARGETARCH:-$here}" != "$here" ]; then \
      command -v "$triplet-strip" >/dev/null || packages="$packages binutils-$(echo "$triplet" | tr _ -)"; \
      [ -e "$loader" ] || { dpkg --add-architecture "$TARGETARCH"; packages="$packages libc6:$TARGETARCH libstdc++6:$TARGETARCH"; }; \
    fi; \
    if [ -n "$packages" ]; then \
      apt-get update && apt-get install -y --no-install-recommends $packages && rm -rf /var/lib/apt/lists/*; \
    fi
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY src/ src/
# The other CPU's Node comes through npm pack (checked against the lockfile), with npm ci's flags.
RUN arch=$(node -p 'const a = process.env.TARGETARCH || process.arch; a === "amd64" ? "x64" : a') \
 && node scripts/build.mjs --arch "$arch" --bundle -- ${NPM_CI_FLAGS} && mv "dist/$arch/bundle" /bundle

FROM scratch
COPY --from=build /bundle/jobdone /jobdone
# Not root: Pod Security "restricted" and runAsNonRoot need a numeric non-root user (65532, the
# "nonroot" user of distroless images; scratch has no /etc/passwd). `jobdone install` writes only
# into the emptyDir it is given, which Kubernetes creates world-writable.
USER 65532:65532
ENTRYPOINT ["/jobdone/jobdone"]
CMD ["--help"]
