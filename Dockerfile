# syntax=docker/dockerfile:1
#
# pgboot's images. The build logic lives in scripts/build-static.sh, the same
# script `make static` runs, so what CI tests is what this file ships.
#
#   docker build -t pgboot .                      FROM scratch: /pgboot and nothing else
#   docker build --target demo -t pgboot-demo .   the MORSE demo app (docker-compose.yml)
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

# --- build: OpenSSL, libpq and libsodium from Debian 12 sources, then pgboot ---
FROM ${DEBIAN_IMAGE} AS build
WORKDIR /src
# The dependencies come first and alone, so this slow layer (about two minutes)
# is rebuilt only when the build script (or a scripts/lib file it sources)
# changes, not on every source edit.
COPY scripts/install-deps.sh scripts/build-static.sh scripts/
COPY scripts/lib/debsrc.sh scripts/lib/
RUN scripts/build-static.sh --deps-only
COPY include/ include/
COPY src/ src/
# The script also checks with `file` that the result is statically linked.
RUN scripts/build-static.sh && build/static/pgboot version

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
