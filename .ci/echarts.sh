#!/usr/bin/env bash
# Refresh the vendored Apache ECharts (the dashboard's charts) from the npm
# package, or check the committed copy.
#
#   .ci/echarts.sh          npm pack echarts@VERSION into a temp dir, check
#                           dist/echarts.min.js against SHA256, copy it with
#                           its LICENSE and NOTICE into static/assets/
#   .ci/echarts.sh --check  only check the committed file (offline)
#
# To move to another version: set VERSION, run the script once (it refuses,
# printing the new file's hash), review the release, pin SHA256, run again.
# handlers/dashboard_test.go reads SHA256 from this file and checks the
# embedded copy against it, so `go test` catches a file edited by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=6.1.0
SHA256=b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0
DEST=static/assets

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ "${1:-}" = "--check" ]; then
	got=$(sha "$DEST/echarts.min.js")
	if [ "$got" != "$SHA256" ]; then
		echo "$DEST/echarts.min.js has SHA-256 $got, pinned $SHA256 (echarts $VERSION)" >&2
		exit 1
	fi
	echo "$DEST/echarts.min.js is echarts $VERSION ($SHA256)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "echarts@$VERSION" >/dev/null)
tar -xzf "$tmp/echarts-$VERSION.tgz" -C "$tmp"
got=$(sha "$tmp/package/dist/echarts.min.js")
if [ "$got" != "$SHA256" ]; then
	echo "echarts@$VERSION dist/echarts.min.js has SHA-256 $got, pinned $SHA256: not copied" >&2
	exit 1
fi
cp "$tmp/package/dist/echarts.min.js" "$DEST/echarts.min.js"
cp "$tmp/package/LICENSE" "$DEST/echarts-LICENSE.txt"
cp "$tmp/package/NOTICE" "$DEST/echarts-NOTICE.txt"
cp "$tmp/package/licenses/LICENSE-d3" "$DEST/echarts-LICENSE-d3.txt"
echo "copied echarts $VERSION ($SHA256) into $DEST"
