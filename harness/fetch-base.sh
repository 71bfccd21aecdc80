#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of the pinned, verified kernel tarball, fetching it if needed.
#
# Order: /usr/src (if the installed package is the pinned one), then the cache
# in $HOME, then 'apt-get download' of exactly $DEB_PACKAGE=$DEB_VERSION.  The
# package is unpacked with dpkg-deb, so nothing is installed and no root is
# needed for this step.
. "$(dirname "$0")/lib.sh"

verify() {
	[ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$TARBALL_SHA256" ]
}

repin_help() {
	cat >&2 <<EOF
The pinned base is $DEB_PACKAGE=$DEB_VERSION (sha256 $TARBALL_SHA256).
$1
To re-pin: 'apt-cache madison $DEB_PACKAGE' lists the versions Debian still
serves; download one ('apt-get download $DEB_PACKAGE=<version>'), extract
usr/src/$TARBALL_NAME with 'dpkg-deb --fsys-tarfile', put its version and
'sha256sum' into base.env, then run 'make tree check test' and commit
base.env with the refreshed patches/ as "base: move to <version>".
EOF
	exit 1
}

cached=$CACHE/$DEB_VERSION/$TARBALL_NAME
for cand in "/usr/src/$TARBALL_NAME" "$cached"; do
	if verify "$cand"; then
		echo "$cand"
		exit 0
	fi
done

mkdir -p "$CACHE/$DEB_VERSION"
tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
download() {
	(cd "$tmp" && apt-get download -q "$DEB_PACKAGE=$DEB_VERSION" >/dev/null 2>"$tmp/err")
}
log "downloading $DEB_PACKAGE=$DEB_VERSION"
if ! download; then
	# Empty or stale package lists (a CI image, a machine that never ran
	# 'apt-get update') are the usual cause: refresh them once.
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	log "apt-get download failed; refreshing the package lists and retrying"
	$SUDO apt-get update -qq >&2 || true
	if ! download; then
		cat "$tmp/err" >&2
		repin_help "apt-get could not download that version.  Debian serves
$DEB_PACKAGE $DEB_VERSION from bookworm-security only: the machine's
sources must include 'bookworm-security' (deb.debian.org/debian-security)."
	fi
fi
deb=$(ls "$tmp"/*.deb)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/src/$TARBALL_NAME" ||
	repin_help "the package does not contain usr/src/$TARBALL_NAME."
if ! verify "$tmp/usr/src/$TARBALL_NAME"; then
	got=$(sha256sum "$tmp/usr/src/$TARBALL_NAME" | cut -d' ' -f1)
	repin_help "The downloaded tarball has sha256 $got, which does not match the pin."
fi
mv "$tmp/usr/src/$TARBALL_NAME" "$cached"
echo "$cached"
