#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of the pinned, verified rdma-core tarball
# (userspace/rdma-core/rdma-core.env), fetching it if needed.
#
# Order: the cache in $HOME (a warm run needs no network), then
# 'apt-get source --download-only --tar-only' of exactly
# $RDMA_CORE_DEB_VERSION from a deb-src entry for $RDMA_CORE_DEB_SUITE in a
# private sources list with its own package lists and cache under the cache
# dir (the machine's apt configuration is not touched and no root is
# needed), then the same file by URL from the pool of the Debian mirror the
# machine uses (apt-helper, which checks the size and sha256).
. "$(dirname "$0")/lib.sh"

verify() {
	[ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$RDMA_CORE_SHA256" ]
}

repin_help() {
	cat >&2 <<EOF
The pinned rdma-core is $RDMA_CORE_TARBALL of Debian's source package
rdma-core=$RDMA_CORE_DEB_VERSION ($RDMA_CORE_DEB_SUITE), sha256 $RDMA_CORE_SHA256.
$1
To re-pin: find a version Debian serves (the Sources index of a suite, or
https://deb.debian.org/debian/pool/main/r/rdma-core/), put it and the
sha256sum of its .orig.tar.gz into userspace/rdma-core/rdma-core.env,
refresh userspace/rdma-core/*.patch against it, run 'make selftests test',
and commit them together as "rdma-core: move to <version>".
EOF
	exit 1
}

cached=$RDMA_CORE_CACHE/$RDMA_CORE_VERSION/$RDMA_CORE_TARBALL
if verify "$cached"; then
	echo "$cached"
	exit 0
fi

# The Debian archive the machine's sources name (deb.debian.org if none):
# the first URI of a deb or deb-src entry ending in /debian.
mirror() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's/^[[:space:]]*URIs:[[:space:]]*//p' \
		       -e 's/^[[:space:]]*deb\(-src\)\?[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?//p' |
		tr ' \t' '\n\n' | grep -E '^https?://[^[:space:]]+/debian/?$' | head -n1)
	echo "${m:-http://deb.debian.org/debian}" | sed 's,/*$,,'
}

mkdir -p "$RDMA_CORE_CACHE/$RDMA_CORE_VERSION"
tmp=$(mktemp -d "$RDMA_CORE_CACHE/dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
MIRROR=$(mirror)

# 1. apt-get source with private state: sources list, lists and cache of
#    their own; apt checks the file against the signed Sources index.
APT=$RDMA_CORE_CACHE/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $RDMA_CORE_DEB_SUITE main" \
	>"$APT/sources.list"
APT_OPTS=(-q -o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=-
	  -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache"
	  -o Debug::NoLocking=1)
apt_source() {
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" source --download-only --tar-only \
		"rdma-core=$RDMA_CORE_DEB_VERSION" >>"$tmp/log" 2>&1)
}
log "downloading rdma-core=$RDMA_CORE_DEB_VERSION ($RDMA_CORE_DEB_SUITE, $MIRROR)"
if ! apt_source; then
	# No or stale private lists: refresh them (only ours) and retry.
	apt-get "${APT_OPTS[@]}" update >>"$tmp/log" 2>&1 || true
	apt_source || true
fi
got=$tmp/$RDMA_CORE_TARBALL

# 2. The same file by URL from the mirror's pool.
if ! verify "$got"; then
	rm -f "$got"
	url=$MIRROR/pool/main/r/rdma-core/$RDMA_CORE_TARBALL
	log "apt-get source did not deliver it; fetching $url"
	/usr/lib/apt/apt-helper -q download-file "$url" "$got" \
		"SHA256:$RDMA_CORE_SHA256" >>"$tmp/log" 2>&1 || true
fi
if [ ! -f "$got" ]; then
	sed 's/^/    /' "$tmp/log" >&2
	repin_help "Neither apt-get source nor the mirror's pool delivered it."
fi
if ! verify "$got"; then
	repin_help "The downloaded tarball has sha256 $(sha256sum "$got" | cut -d' ' -f1), which does not match the pin."
fi
mv "$got" "$cached"
echo "$cached"
