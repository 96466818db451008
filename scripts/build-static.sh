#!/usr/bin/env bash
# Build build/static/pgboot: one fully static musl binary with libpq (TLS through
# OpenSSL, no GSSAPI, no LDAP) and libsodium, all three built from Debian 12's own
# source packages, and libpg_query (the PostgreSQL 15 parser of the lint) from
# Debian 12's binary package libpg-query-dev (see PGQ_RECIPE below). `make static`
# and the Dockerfile's build stage both run this.
#
#   scripts/build-static.sh              dependencies (cached), then pgboot
#   scripts/build-static.sh --deps-only  only the cached dependencies (a Docker layer)
#   scripts/build-static.sh --arch ARCH  cross-build for ARCH (`make static ARCH=aarch64`)
#
# ARCH is x86_64 or aarch64 (amd64 and arm64, Docker's and Debian's names, are
# taken too); the default is the machine's own. A cross build uses Debian's
# cross compiler (crossbuild-essential-arm64 or -amd64) with musl-dev of the
# target architecture (dpkg --add-architecture; installed by install-deps.sh's
# group cross-arm64 or cross-amd64), and keeps its own cache and output:
# build/static-deps-ARCH and build/static-ARCH/pgboot. A native build keeps
# build/static-deps and build/static/pgboot. tests/cross/run.sh runs an aarch64
# binary's core integration tests under qemu-user.
#
# Environment:
#   PGBOOT_ARCH            as --arch (the option wins)
#   PGBOOT_DEPS_DIR        cache of sources, stamps and the musl sysroot
#                          (default build/static-deps, build/static-deps-ARCH
#                          for a cross build)
#   PGBOOT_STATIC_OUT      where pgboot is written (default build/static,
#                          build/static-ARCH for a cross build)
#   PGBOOT_STATIC_SRC_DIR  the C sources to build (default src; for testing the
#                          pipeline on another program)
#   PGBOOT_DEPS_SUITES     suites to take sources from; the newest version any
#                          of them offers is tried first, then older ones (a
#                          mirror without the security pool)
#                          (default "bookworm-security bookworm-updates bookworm")
#   PGBOOT_DEPS_REFRESH=1  fetch the newest sources and rebuild every dependency
#   PGBOOT_JOBS            parallel make jobs (default: number of CPUs)
#   PGBOOT_STATIC_CFLAGS   extra flags for compiling pgboot itself
#
# Each dependency is built once and recorded in a stamp file holding its source
# version and its build recipe; a later run finds the stamp and only recompiles
# pgboot itself (a few seconds). Change a recipe below and that dependency alone
# is rebuilt.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# Run from `make static`, we would inherit the outer make's MAKELEVEL, and
# PostgreSQL's makefiles only generate their headers (errcodes.h ...) in a
# top-level make.
unset MAKELEVEL MAKEFLAGS MFLAGS

usage="usage: build-static.sh [--deps-only] [--arch x86_64|aarch64] | --help"
deps_only=0
arch=${PGBOOT_ARCH:-}
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	--deps-only) deps_only=1 ;;
	--arch) [ $# -ge 2 ] || { echo "build-static: --arch needs an architecture ($usage)" >&2; exit 2; }
		arch=$2; shift ;;
	--arch=*) arch=${1#--arch=} ;;
	*) echo "build-static: unknown argument \"$1\" ($usage)" >&2; exit 2 ;;
	esac
	shift
done

# The target: GNU name (aarch64), Debian's (arm64), OpenSSL's configuration.
host_arch=$(uname -m)
case "${arch:-$host_arch}" in
x86_64 | amd64) arch=x86_64 debarch=amd64 openssl_target=linux-x86_64 ;;
aarch64 | arm64) arch=aarch64 debarch=arm64 openssl_target=linux-aarch64 ;;
*) echo "build-static: unsupported architecture \"${arch:-$host_arch}\" (x86_64 or aarch64)" >&2; exit 2 ;;
esac
cross=0
suffix=
if [ "$arch" != "$host_arch" ]; then cross=1 suffix=-$arch; fi

deps=${PGBOOT_DEPS_DIR:-$root/build/static-deps$suffix}
out=${PGBOOT_STATIC_OUT:-$root/build/static$suffix}
srcdir=${PGBOOT_STATIC_SRC_DIR:-$root/src}
suites=${PGBOOT_DEPS_SUITES:-bookworm-security bookworm-updates bookworm}
jobs=${PGBOOT_JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$deps" "$out"
deps=$(cd "$deps" && pwd)
out=$(cd "$out" && pwd)
# One build at a time per cache: a second one would unpack over the first.
exec 9>"$deps/.lock"
if ! flock -n 9; then
	echo "build-static: waiting for another build using $deps" >&2
	flock 9
fi
sysroot=$deps/sysroot   # include/ and lib/ of the static dependencies
kinc=$deps/kinc         # the kernel headers musl-gcc does not see
stamps=$deps/stamps

say() { echo "build-static: $*" >&2; }
die() { echo "build-static: error: $*" >&2; exit 1; }
now() { date +%s; }

# Fail before a ten-minute dependency build when there is nothing to link.
if [ "$deps_only" = 0 ] && [ ! -f "$srcdir/main.c" ]; then
	die "no main.c in $srcdir: nothing to build (the sources of pgboot go in src/)"
fi

# The compiler: musl-gcc (musl-tools) natively; for a cross build, the wrapper
# that the target's musl-dev ships around Debian's cross gcc (its specs file
# points at the target's musl headers, crt files and libc.a).
if [ "$cross" = 0 ]; then
	"$root/scripts/install-deps.sh" static
	CC=musl-gcc
	command -v "$CC" >/dev/null || die "musl-gcc not found (Debian package musl-tools)"
	tools=
	kheaders=/usr/include
	multiarch=$(gcc -print-multiarch 2>/dev/null || true)
	[ -n "$multiarch" ] || multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	kasm=/usr/include/$multiarch/asm
else
	"$root/scripts/install-deps.sh" static "cross-$debarch"
	CC=$arch-linux-musl-gcc
	command -v "$CC" >/dev/null || die "$CC not found (Debian package musl-dev:$debarch)"
	tools=$arch-linux-gnu-
	kheaders=/usr/$arch-linux-gnu/include
	kasm=$kheaders/asm
fi
# Build and host types for the autoconf configures (libsodium, libpq).
host_flags=()
[ "$cross" = 0 ] || host_flags=(--build="$host_arch-linux-gnu" --host="$arch-linux-musl")
# The cross archiver: the host's ar cannot index aarch64 objects.
[ "$cross" = 0 ] || export AR=${tools}ar RANLIB=${tools}ranlib
STRIP=${tools}strip
say "target $arch$([ "$cross" = 1 ] && echo " (cross-compiled with $CC)")"

# The dependencies are compiled for size: each function and object in its own
# section, so the final link can drop what pgboot never calls; no unwind tables
# (C without exceptions; they were 10% of the binary).
DEP_CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
# Debian's aarch64 gcc calls libgcc's outline atomics, whose CPU probe needs
# glibc's __getauxval (absent from musl): inline LL/SC atomics instead.
[ "$arch" != aarch64 ] || DEP_CFLAGS="$DEP_CFLAGS -mno-outline-atomics"

# OpenSSL: static libraries only, and only what a TLS client talking to
# PostgreSQL needs: TLS 1.2/1.3, RSA/ECDSA certificates, ECDHE, AES-GCM,
# ChaCha20-Poly1305, SHA-1/2, HMAC (SCRAM and its channel binding), X509 chain
# and host name verification, PEM keys. No engines, modules, legacy provider,
# no config file loading (a scratch image has none), no apps, no DH (ECDHE
# and X25519 remain), no DES (a client key encrypted with 3DES is refused).
#
# With OpenSSL's assembly (SHA-NI, AES-NI): it costs about 400 KB but makes
# client-side SCRAM (4096 HMAC-SHA-256 rounds, paid by every start) about 2.5x
# faster: 19 ms of CPU per connection without it, about 8 ms with it (bench/).
# PGBOOT_OPENSSL_ASM=0 builds without assembly; AES then uses OpenSSL's
# constant-time C code (OPENSSL_AES_CONST_TIME).
OPENSSL_OPTS="no-shared no-tests no-dso no-module no-engine no-legacy no-autoload-config
 no-comp no-ssl3 no-dtls no-srp no-srtp no-sctp no-ct no-ocsp no-cms no-cmp no-ts no-rfc3779
 no-idea no-mdc2 no-rc2 no-rc4 no-rc5 no-md4 no-bf no-cast no-camellia no-seed no-aria
 no-sm2 no-sm3 no-sm4 no-whirlpool no-rmd160 no-scrypt no-siphash no-siv no-blake2 no-gost
 no-ec2m no-nextprotoneg no-ui-console no-async no-ssl-trace no-filenames no-dsa no-ocb
 no-cmac no-weak-ssl-ciphers no-padlockeng no-afalgeng no-devcryptoeng no-capieng
 no-multiblock no-dh no-des"
if [ "${PGBOOT_OPENSSL_ASM:-1}" = 1 ]; then
	OPENSSL_FLAGS=$DEP_CFLAGS
else
	OPENSSL_OPTS="$OPENSSL_OPTS no-asm"
	OPENSSL_FLAGS="$DEP_CFLAGS -DOPENSSL_AES_CONST_TIME"
fi
OPENSSL_RECIPE="2 $openssl_target $OPENSSL_OPTS $OPENSSL_FLAGS"

# libsodium: pgboot uses crypto_hash_sha256 (checksums) and crypto_generichash
# (the lock key); --enable-minimal keeps both.
SODIUM_OPTS="--disable-shared --enable-static --enable-minimal --disable-dependency-tracking"
SODIUM_RECIPE="2 $SODIUM_OPTS $DEP_CFLAGS"

# libpq: TLS through the OpenSSL above; no GSSAPI, LDAP, readline, zlib, ICU.
# Only the static library: the shared one fails libpq's "must not call exit"
# check once it links static OpenSSL, and pgboot does not need it.
PG_OPTS="--with-ssl=openssl --without-gssapi --without-ldap --without-readline --without-zlib
 --without-icu --without-llvm --without-perl --without-python --without-tcl --disable-nls"
# One change to libpq's C. SCRAM's Hi() (RFC 5802) is PBKDF2-HMAC-SHA-256, and
# libpq 15 runs 4096 HMACs through OpenSSL's EVP layer, each re-keyed, copied and
# allocated. Keyed once as two SHA-256 states (RFC 2104), an iteration is two
# compressions with no allocation: about a third of the client's CPU per
# connection (docs/bench.md). Same bytes as PKCS5_PBKDF2_HMAC; the block goes at
# the top of scram_SaltedPassword in src/common/scram-common.c and the original
# loop stays behind it for builds without OpenSSL.
SCRAM_INCLUDE='#ifdef USE_OPENSSL
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>
#endif'
SCRAM_PATCH=$(cat <<'EOF'
#ifdef USE_OPENSSL
	/* pgboot: Hi() with the HMAC key's inner and outer SHA-256 states computed once */
	pg_hmac_free(hmac_ctx);
	{
		SHA256_CTX	ictx, octx, c;
		uint8		k[SHA256_CBLOCK], pad[SHA256_CBLOCK], u[SCRAM_KEY_LEN];
		size_t		klen = strlen(password);

		memset(k, 0, sizeof(k));
		if (klen > sizeof(k))
		{
			SHA256_Init(&c);
			SHA256_Update(&c, password, klen);
			SHA256_Final(k, &c);
		}
		else
			memcpy(k, password, klen);
		for (j = 0; j < SHA256_CBLOCK; j++)
			pad[j] = k[j] ^ 0x36;
		SHA256_Init(&ictx);
		SHA256_Update(&ictx, pad, sizeof(pad));
		for (j = 0; j < SHA256_CBLOCK; j++)
			pad[j] = k[j] ^ 0x5c;
		SHA256_Init(&octx);
		SHA256_Update(&octx, pad, sizeof(pad));
		c = ictx;
		SHA256_Update(&c, salt, saltlen);
		SHA256_Update(&c, &one, sizeof(one));
		SHA256_Final(u, &c);
		c = octx;
		SHA256_Update(&c, u, sizeof(u));
		SHA256_Final(u, &c);
		memcpy(result, u, SCRAM_KEY_LEN);
		for (i = 2; i <= iterations; i++)
		{
			c = ictx;
			SHA256_Update(&c, u, sizeof(u));
			SHA256_Final(u, &c);
			c = octx;
			SHA256_Update(&c, u, sizeof(u));
			SHA256_Final(u, &c);
			for (j = 0; j < SCRAM_KEY_LEN; j++)
				result[j] ^= u[j];
		}
		OPENSSL_cleanse(k, sizeof(k));
		OPENSSL_cleanse(pad, sizeof(pad));
		OPENSSL_cleanse(u, sizeof(u));
		OPENSSL_cleanse(&ictx, sizeof(ictx));
		OPENSSL_cleanse(&octx, sizeof(octx));
		OPENSSL_cleanse(&c, sizeof(c));
		return 0;
	}
#endif
EOF
)
PG_RECIPE="4 $PG_OPTS $DEP_CFLAGS $SCRAM_INCLUDE $SCRAM_PATCH"

# libpg_query: the PostgreSQL 15 parser the lint runs (pg_query_parse, its JSON
# output). Not compiled here: the Debian mirror this project's machines and CI
# reach serves the .dsc of the source package libpg-query but not its tarballs
# (404), so the library comes built by Debian from that source (15-4.0.0-2):
# libpg_query.a of the binary package libpg-query-dev of the target
# architecture, with its vendored protobuf-c and xxhash, fetched with
# `apt-get download`. It is compiled for glibc, which musl links as it is (musl
# keeps glibc's __ctype_b_loc, __sigsetjmp, __xpg_strerror_r...; the jmp_buf
# sizes agree) but for four entry points of glibc's _FORTIFY_SOURCE and, on
# aarch64, one of libgcc's outline atomics (whose CPU probe needs glibc's
# __getauxval): PGQ_COMPAT, compiled into libpgq_compat.a beside it. Debian
# compiled it with -O2 and without -ffunction-sections, so the link takes each
# object it needs whole: about 1.7 MB of the binary.
PGQ_COMPAT=$(cat <<'EOF'
/* glibc's entry points that Debian's libpg_query.a calls and musl lacks */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __asprintf_chk(char **s, int flag, const char *fmt, ...);
char *__strcat_chk(char *dest, const char *src, size_t destlen);
_Noreturn void __longjmp_chk(sigjmp_buf env, int val);

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	if (slen < maxlen)
		abort();
	va_start(ap, fmt);
	n = vsnprintf(s, maxlen, fmt, ap);
	va_end(ap);
	return n;
}

int __asprintf_chk(char **s, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vasprintf(s, fmt, ap);
	va_end(ap);
	return n;
}

char *__strcat_chk(char *dest, const char *src, size_t destlen)
{
	size_t d = strlen(dest), n = strlen(src);

	if (d + n >= destlen)
		abort();
	memcpy(dest + d, src, n + 1);
	return dest;
}

/* glibc's siglongjmp under _FORTIFY_SOURCE; the buffer was filled by musl's __sigsetjmp */
_Noreturn void __longjmp_chk(sigjmp_buf env, int val)
{
	siglongjmp(env, val);
}

#ifdef __aarch64__
/* libgcc's outline atomic swap (s_lock.h's TAS), inline here (-mno-outline-atomics) */
unsigned int __aarch64_swp4_sync(unsigned int val, unsigned int *p);
unsigned int __aarch64_swp4_sync(unsigned int val, unsigned int *p)
{
	return __atomic_exchange_n(p, val, __ATOMIC_SEQ_CST);
}
#endif
EOF
)
PGQ_RECIPE="1 $DEP_CFLAGS $PGQ_COMPAT"

# --- sources -------------------------------------------------------------

# deb-src entries and downloads (shared with scripts/regress-corpus.sh).
. "$root/scripts/lib/debsrc.sh"

# Print the versions of source package $1 that $suites offer, newest first (a
# point release can be newer than the security suite's last upload).
candidate_versions() {
	local pkg=$1 s ver suite vers=() sorted=() i j t
	for s in $suites; do
		while IFS='|' read -r _ ver suite; do
			ver=$(echo "$ver" | tr -d ' ')
			suite=$(echo "$suite" | awk '{print $2}')
			[ "${suite%%/*}" = "$s" ] || continue
			case " ${vers[*]-} " in *" $ver "*) continue ;; esac
			vers+=("$ver")
		done < <(apt-cache madison "$pkg" 2>/dev/null | grep ' Sources$')
	done
	sorted=(${vers[@]+"${vers[@]}"})
	for ((i = 0; i < ${#sorted[@]}; i++)); do
		for ((j = i + 1; j < ${#sorted[@]}; j++)); do
			if dpkg --compare-versions "${sorted[j]}" gt "${sorted[i]}"; then
				t=${sorted[i]} sorted[i]=${sorted[j]} sorted[j]=$t
			fi
		done
	done
	for ver in ${sorted[@]+"${sorted[@]}"}; do echo "$ver"; done
}

# Download source package $1 into $deps/sources (once) and print its .dsc path:
# the newest version $suites offer that can be fetched.
fetch_source() {
	local pkg=$1 dsc ver
	mkdir -p "$deps/sources"
	if [ "${PGBOOT_DEPS_REFRESH:-0}" != 1 ]; then
		dsc=$(ls "$deps/sources/${pkg}"_*.dsc 2>/dev/null | sort -V | tail -n 1 || true)
		if [ -n "$dsc" ]; then echo "$dsc"; return 0; fi
	fi
	debsrc_ensure "$pkg" || exit 1
	# shellcheck disable=SC2046
	ver=$(debsrc_download "$deps/sources" "$pkg" $(candidate_versions "$pkg")) ||
		die "no source package $pkg in suites \"$suites\" could be fetched"
	echo "$deps/sources/${pkg}_${ver#*:}.dsc"
}

# Download binary package $1 of the target architecture into $deps/sources
# (once) and print the .deb's path. Package lists without it (a fresh image,
# or none yet for a foreign architecture) are refreshed once, as root.
fetch_deb() {
	local pkg=$1 deb try log i
	mkdir -p "$deps/sources"
	if [ "${PGBOOT_DEPS_REFRESH:-0}" != 1 ]; then
		deb=$(ls "$deps/sources/${pkg}"_*_"$debarch".deb 2>/dev/null | sort -V | tail -n 1 || true)
		if [ -n "$deb" ]; then echo "$deb"; return 0; fi
	fi
	log=$deps/sources/${pkg}_$debarch.fetch.log
	for i in 1 2; do
		if [ "$i" = 2 ]; then
			[ "$(id -u)" = 0 ] || die "could not download $pkg:$debarch: $(debsrc_reason "$log") (log: $log; as root, apt-get update may help)"
			say "refreshing the package lists for $pkg:$debarch"
			apt-get update -qq >&2 || die "apt-get update failed"
		fi
		try=$(mktemp -d "$deps/sources/.fetch.XXXXXX")
		# apt-get as root warns that the _apt sandbox user cannot write here: harmless.
		if (cd "$try" && apt-get download -qq "$pkg:$debarch" >/dev/null 2>"$log"); then
			deb=$(ls "$try"/*.deb 2>/dev/null | head -n 1)
			if [ -n "$deb" ]; then
				mv -f "$deb" "$deps/sources/"
				rm -rf "$try"
				echo "$deps/sources/$(basename "$deb")"
				return 0
			fi
		fi
		rm -rf "$try"
	done
	die "could not download $pkg:$debarch: $(debsrc_reason "$log") (log: $log)"
}

# Unpack $1 (a .dsc, Debian's patches applied) into a fresh directory $2.
unpack() {
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	dpkg-source --no-check -x "$1" "$2" >/dev/null
}

# A stamp holds the source version, then a hash of the recipe that built it.
recipe_hash() { printf '%s' "$1" | tr -s ' \n' '  ' | sha256sum | cut -c1-16; }
stamp_ok() {
	local name=$1 recipe=$2 f
	shift 2
	[ "${PGBOOT_DEPS_REFRESH:-0}" != 1 ] || return 1
	[ -f "$stamps/$name" ] && [ "$(sed -n 2p "$stamps/$name")" = "$(recipe_hash "$recipe")" ] || return 1
	for f; do [ -f "$f" ] || return 1; done
}
write_stamp() { mkdir -p "$stamps"; printf '%s\n%s\n' "$2" "$(recipe_hash "$3")" >"$stamps/$1"; }
dsc_version() { awk '/^Version: /{print $2; exit}' "$1"; }

# musl's headers do not include Linux's; OpenSSL wants <linux/...> and <asm/...>.
# Given through C_INCLUDE_PATH rather than -isystem, so the path of this
# checkout does not end up in the "compiler:" string OpenSSL embeds.
make_kinc() {
	mkdir -p "$kinc"
	ln -sfn "$kheaders/linux" "$kinc/linux"
	ln -sfn "$kasm" "$kinc/asm"
	ln -sfn "$kheaders/asm-generic" "$kinc/asm-generic"
	export C_INCLUDE_PATH=$kinc
}

# Reproducible dependencies: the date a build embeds (OpenSSL's "built on") is
# the Debian changelog's, and file names are relative to the cache.
src_date() { dpkg-parsechangelog -l "$1/debian/changelog" -STimestamp; }

# --- the dependencies ---------------------------------------------------

# dep_begin NAME PACKAGE LABEL: fetch PACKAGE's source, unpack it into a fresh
# $deps/build/NAME and say so. Sets the caller's t0 (the start), dsc and b (the
# build directory).
dep_begin() {
	t0=$(now)
	dsc=$(fetch_source "$2")
	b=$deps/build/$1
	unpack "$dsc" "$b"
	say "building $3 $(dsc_version "$dsc") (make -j$jobs)"
}

# dep_done NAME LABEL RECIPE: record the built dependency in its stamp.
dep_done() {
	write_stamp "$1" "$(dsc_version "$dsc")" "$3"
	say "$2 built in $(($(now) - t0))s"
}

build_openssl() {
	stamp_ok openssl "$OPENSSL_RECIPE" "$sysroot/lib/libssl.a" "$sysroot/lib/libcrypto.a" && return 0
	local t0 dsc b
	dep_begin openssl openssl OpenSSL
	# shellcheck disable=SC2086
	# --prefix is a fixed path (installed with DESTDIR), as it is embedded.
	(cd "$b" && SOURCE_DATE_EPOCH=$(src_date "$b") CC=$CC ./Configure "$openssl_target" \
		--prefix=/usr/local --libdir=lib --openssldir=/etc/ssl $OPENSSL_OPTS $OPENSSL_FLAGS \
		-ffile-prefix-map="$deps"=/deps >"$b/pgboot-configure.log" 2>&1) ||
		{ tail -n 30 "$b/pgboot-configure.log" >&2; die "OpenSSL configure failed"; }
	(cd "$b" && export SOURCE_DATE_EPOCH=$(src_date "$b") && make -j"$jobs" build_libs >"$b/pgboot-make.log" 2>&1 &&
		make install_dev DESTDIR="$b/destdir" >>"$b/pgboot-make.log" 2>&1) ||
		{ tail -n 30 "$b/pgboot-make.log" >&2; die "OpenSSL build failed (log: $b/pgboot-make.log)"; }
	mkdir -p "$sysroot/include" "$sysroot/lib"
	rm -rf "$sysroot/include/openssl"
	cp -R "$b/destdir/usr/local/include/openssl" "$sysroot/include/"
	cp "$b/destdir/usr/local/lib/libssl.a" "$b/destdir/usr/local/lib/libcrypto.a" "$sysroot/lib/"
	dep_done openssl OpenSSL "$OPENSSL_RECIPE"
}

build_libsodium() {
	stamp_ok libsodium "$SODIUM_RECIPE" "$sysroot/lib/libsodium.a" && return 0
	local t0 dsc b
	dep_begin libsodium libsodium libsodium
	# Debian's source is a git export without ./configure.
	# shellcheck disable=SC2086
	(cd "$b" && autoreconf -fi >"$b/pgboot-configure.log" 2>&1 &&
		SOURCE_DATE_EPOCH=$(src_date "$b") CC=$CC \
			CFLAGS="$DEP_CFLAGS -ffile-prefix-map=$deps=/deps" ./configure --prefix="$sysroot" $SODIUM_OPTS \
			${host_flags[@]+"${host_flags[@]}"} \
			>>"$b/pgboot-configure.log" 2>&1) ||
		{ tail -n 30 "$b/pgboot-configure.log" >&2; die "libsodium configure failed"; }
	(cd "$b" && make -j"$jobs" >"$b/pgboot-make.log" 2>&1 && make install >>"$b/pgboot-make.log" 2>&1) ||
		{ tail -n 30 "$b/pgboot-make.log" >&2; die "libsodium build failed (log: $b/pgboot-make.log)"; }
	dep_done libsodium libsodium "$SODIUM_RECIPE"
}

# Insert $SCRAM_PATCH into scram_SaltedPassword (see PG_RECIPE); a source that
# no longer has the expected shape stops the build rather than skip the change.
patch_scram() {
	local f=$1
	grep -q '^scram_SaltedPassword(const char \*password,$' "$f" &&
		grep -q 'pg_hmac_ctx \*hmac_ctx = pg_hmac_create(PG_SHA256);' "$f" ||
		die "$f: scram_SaltedPassword is not where the SCRAM change expects it"
	SCRAM_INCLUDE=$SCRAM_INCLUDE SCRAM_PATCH=$SCRAM_PATCH perl -0pi -e '
		s{(#include "common/scram-common.h"\n)}{$1$ENV{SCRAM_INCLUDE}\n}
			or die "no scram-common.h include\n";
		s{(\nscram_SaltedPassword\(.*?\n\{\n(?:\t[^\n]*\n)*?\tpg_hmac_ctx \*hmac_ctx = pg_hmac_create\(PG_SHA256\);\n)}{$1\n$ENV{SCRAM_PATCH}\n}s
			or die "no scram_SaltedPassword body\n";' "$f" || die "$f: could not apply the SCRAM change"
}

build_libpq() {
	stamp_ok libpq "$PG_RECIPE" "$sysroot/lib/libpq.a" "$sysroot/lib/libpgcommon_shlib.a" \
		"$sysroot/lib/libpgport_shlib.a" "$sysroot/include/libpq-fe.h" && return 0
	local t0 dsc b
	dep_begin postgresql postgresql-15 libpq
	patch_scram "$b/src/common/scram-common.c"
	# shellcheck disable=SC2086
	(cd "$b" && SOURCE_DATE_EPOCH=$(src_date "$b") CC=$CC \
		CFLAGS="$DEP_CFLAGS -ffile-prefix-map=$deps=/deps" CPPFLAGS="-I$sysroot/include" \
		LDFLAGS="-L$sysroot/lib" ./configure --prefix=/usr/local $PG_OPTS ${host_flags[@]+"${host_flags[@]}"} \
		>"$b/pgboot-configure.log" 2>&1) ||
		{ tail -n 30 "$b/pgboot-configure.log" >&2; die "PostgreSQL configure failed (log: $b/config.log)"; }
	(cd "$b" && make -j"$jobs" -C src/port all >"$b/pgboot-make.log" 2>&1 &&
		make -j"$jobs" -C src/common all >>"$b/pgboot-make.log" 2>&1 &&
		make -j"$jobs" -C src/interfaces/libpq all-static-lib >>"$b/pgboot-make.log" 2>&1) ||
		{ tail -n 30 "$b/pgboot-make.log" >&2; die "libpq build failed (log: $b/pgboot-make.log)"; }
	mkdir -p "$sysroot/lib" "$sysroot/include"
	cp "$b/src/interfaces/libpq/libpq.a" "$b/src/common/libpgcommon_shlib.a" \
		"$b/src/port/libpgport_shlib.a" "$sysroot/lib/"
	cp "$b/src/interfaces/libpq/libpq-fe.h" "$b/src/interfaces/libpq/libpq-events.h" \
		"$b/src/include/postgres_ext.h" "$b/src/include/pg_config_ext.h" "$sysroot/include/"
	dep_done libpq libpq "$PG_RECIPE"
}

# libpg_query.a and pg_query.h from Debian's libpg-query-dev (see PGQ_RECIPE),
# with libpgq_compat.a (PGQ_COMPAT) compiled for the target.
build_libpg_query() {
	stamp_ok libpg_query "$PGQ_RECIPE" "$sysroot/lib/libpg_query.a" "$sysroot/lib/libpgq_compat.a" \
		"$sysroot/include/pg_query.h" && return 0
	local t0 deb ver b a
	t0=$(now)
	deb=$(fetch_deb libpg-query-dev)
	ver=$(dpkg-deb -f "$deb" Version)
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$debarch" ] || die "$deb is not of architecture $debarch"
	# the system build's parser is PostgreSQL 15's (libpg-query-dev 15-*): the shipped one must be too
	case $ver in 15-*) ;; *) die "$deb is libpg_query $ver, not PostgreSQL 15's grammar (15-*)" ;; esac
	say "unpacking libpg_query $ver ($debarch) from Debian's libpg-query-dev"
	b=$deps/build/libpg_query
	rm -rf "$b"
	mkdir -p "$b"
	dpkg-deb -x "$deb" "$b/root" || die "could not unpack $deb"
	a=$(find "$b/root" -name libpg_query.a | head -n 1)
	[ -n "$a" ] && [ -f "$b/root/usr/include/pg_query.h" ] || die "$deb has no libpg_query.a and pg_query.h"
	printf '%s\n' "$PGQ_COMPAT" >"$b/pgq_compat.c"
	# shellcheck disable=SC2086
	"$CC" $DEP_CFLAGS -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -c -o "$b/pgq_compat.o" "$b/pgq_compat.c" ||
		die "the glibc entry points of libpg_query (pgq_compat.c) do not compile"
	rm -f "$b/libpgq_compat.a"
	"${tools}ar" rcs "$b/libpgq_compat.a" "$b/pgq_compat.o"
	mkdir -p "$sysroot/lib" "$sysroot/include"
	cp "$a" "$b/libpgq_compat.a" "$sysroot/lib/"
	cp "$b/root/usr/include/pg_query.h" "$sysroot/include/"
	write_stamp libpg_query "$ver" "$PGQ_RECIPE"
	say "libpg_query unpacked in $(($(now) - t0))s"
}

make_kinc
build_openssl   # libpq's configure links against it, so it comes first
build_libsodium
build_libpq
build_libpg_query
say "dependencies: openssl $(head -n 1 "$stamps/openssl"), libpq $(head -n 1 "$stamps/libpq"), libsodium $(head -n 1 "$stamps/libsodium"), libpg_query $(head -n 1 "$stamps/libpg_query")"
[ "$deps_only" = 1 ] && exit 0

# --- pgboot itself -------------------------------------------------------

shopt -s nullglob
srcs=("$srcdir"/*.c "$srcdir"/*/*.c) # the flat core and the family folders (rules/ ...)
shopt -u nullglob
[ -f "$srcdir/main.c" ] || die "no main.c in $srcdir"
incdir=$root/include
[ -d "$srcdir/../include" ] && incdir=$(cd "$srcdir/../include" && pwd)

say "compiling ${#srcs[@]} files from ${srcdir#"$root"/}"
t0=$(now)
# File names relative to the checkout (assert messages), so that the same
# commit gives the same bytes wherever it is built.
# shellcheck disable=SC2086
"$CC" -static $DEP_CFLAGS -std=c11 -D_GNU_SOURCE -Wall -Wextra -ffile-prefix-map="$root"/= \
	${PGBOOT_STATIC_CFLAGS:-} -I"$incdir" -I"$sysroot/include" \
	-o "$out/pgboot.unstripped" "${srcs[@]}" \
	-Wl,--gc-sections -L"$sysroot/lib" \
	-Wl,--start-group -lpq -lpgcommon_shlib -lpgport_shlib -lssl -lcrypto -lsodium -lpg_query -lpgq_compat \
	-Wl,--end-group
cp "$out/pgboot.unstripped" "$out/pgboot.tmp"
"$STRIP" --strip-all "$out/pgboot.tmp"
mv -f "$out/pgboot.tmp" "$out/pgboot"

info=$(file -b "$out/pgboot")
case "$info" in
*"statically linked"*) ;;
*) die "$out/pgboot is not statically linked: $info" ;;
esac
case "$arch:$info" in
x86_64:*x86-64* | aarch64:*"ARM aarch64"*) ;;
*) die "$out/pgboot is not an $arch executable: $info" ;;
esac
size=$(stat -c %s "$out/pgboot")
say "built ${out#"$root"/}/pgboot ($arch) in $(($(now) - t0))s: $size bytes ($((size / 1024)) KiB) stripped, statically linked"
