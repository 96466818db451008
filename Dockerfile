# syntax=docker/dockerfile:1
#
# pgboot's images. The build logic lives in scripts/build-static.sh, the same
# script `make static` runs, so what CI tests is what this file ships.
#
#   docker build -t pgboot .                      FROM scratch: /pgboot and nothing else
#   docker build --target demo -t pgboot-demo .   the MORSE demo app (docker-compose.yml)
#
# Both amd64 and arm64: the build stage runs on the builder's own platform and
# cross-compiles for the target one (TARGETARCH), so no emulation is involved:
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/pgboot --push .
#   buildah bud --platform linux/amd64,linux/arm64 --manifest pgboot .
#
# (The demo target's Debian packages are installed by the target platform's
# apt, which does need emulation (binfmt_misc and qemu-user-static) for arm64.)
#
# The way to use pgboot in your own image is to copy the binary out of this one:
#
#   FROM pgboot AS pgboot                 # or the published image
#   FROM node:20-bookworm-slim
#   COPY --from=pgboot /pgboot /usr/local/bin/pgboot
#   WORKDIR /app
#   COPY migrations/ migrations/
#   COPY . .
#   ENTRYPOINT ["pgboot", "run", "--"]
#   CMD ["node", "server.js"]
#
# pgboot is fully static (musl), so it runs in any image, Alpine, distroless and
# scratch included. It looks for ./migrations, ./seeds and ./verify relative to
# its working directory (or --migrations DIR etc.). See docs/deploy.md.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- build: OpenSSL, libpq, libsodium (Debian 12 sources), libpg_query, then pgboot ---
# On the build platform; TARGETARCH (amd64 or arm64, set by buildx and buildah)
# picks the architecture build-static.sh compiles for: the builder's own, or a
# cross build (Debian's cross gcc and musl-dev of the target). Unset (a builder
# without it), the builder's own. Whatever the target, the binary is written to
# /src/build/static/pgboot (PGBOOT_STATIC_OUT), where the stages below take it.
# Debian 12's buildah (1.28) leaves BUILDPLATFORM empty in FROM lines, hence the
# fallback: on an arm64 machine with it, add --build-arg BUILDPLATFORM=linux/arm64.
FROM --platform=${BUILDPLATFORM:-linux/amd64} ${DEBIAN_IMAGE} AS build
ARG TARGETARCH
ENV PGBOOT_ARCH=${TARGETARCH} PGBOOT_STATIC_OUT=/src/build/static
WORKDIR /src
# The dependencies come first and alone, so this slow layer (about two minutes)
# is rebuilt only when the build script (or a scripts/lib file it sources)
# changes, not on every source edit.
COPY scripts/install-deps.sh scripts/build-static.sh scripts/
COPY scripts/lib/debsrc.sh scripts/lib/
RUN scripts/build-static.sh --deps-only
COPY include/ include/
COPY src/ src/
# The script also checks with `file` that the result is statically linked and
# of the target's architecture; only a native one can be run here.
RUN scripts/build-static.sh \
	&& if [ -z "$TARGETARCH" ] || [ "$TARGETARCH" = "$(dpkg --print-architecture)" ]; then \
		build/static/pgboot version; fi

# --- demo: the MORSE workout tracker app started through pgboot ----------------
# Not the default target (that is the last stage below); with BuildKit it is
# built only when asked for: `--target demo`, or by docker-compose.yml.
FROM ${DEBIAN_IMAGE} AS demo
RUN apt-get update \
	&& apt-get install -y --no-install-recommends postgresql-client-15 \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system --gid 10001 morse \
	&& useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin morse
COPY --from=build /src/build/static/pgboot /usr/local/bin/pgboot
WORKDIR /app
COPY migrations/ migrations/
COPY seeds/ seeds/
COPY verify/ verify/
COPY demo/ demo/
# Numeric, so a runtime that refuses root (runAsNonRoot) can check it; the same
# uid:gid as the scratch image's, here with a name (morse:morse).
USER 10001:10001
# pgboot waits for the server, migrates (and seeds with --with-test-data),
# verifies, drops its PGBOOT_* variables, then execs the CMD as PID 1.
ENTRYPOINT ["pgboot", "run", "--"]
CMD ["/app/demo/app.sh"]

# --- pgboot: the shipped image, FROM scratch with /pgboot only ----------------
# The default target. Copy /pgboot out of it (see the top of this file), or run
# it directly as a one-off tool:
#   docker run --rm -v "$PWD/migrations:/migrations:ro" \
#     -e PGBOOT_DATABASE_URL=postgres://owner:...@db:5432/app pgboot migrate
# A scratch image has no /etc/passwd and no CA bundle: put user= in the URL and
# mount the server's CA file for sslmode=verify-full (sslrootcert=/certs/ca.crt).
# It runs as uid:gid 10001:10001, not root (numeric: there is no /etc/passwd),
# the demo image's morse:morse; `docker run --user` picks another.
FROM scratch AS pgboot
COPY --from=build /src/build/static/pgboot /pgboot
USER 10001:10001
ENTRYPOINT ["/pgboot"]
CMD ["--help"]
