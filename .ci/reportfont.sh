#!/usr/bin/env bash
# Refresh the report's embedded CJK font (Noto Sans SC Regular, SIL OFL
# 1.1) from the npm package, or check the committed copy.
#
#   .ci/reportfont.sh          npm pack the package into a temp dir, check
#                              the TrueType file against SOURCE_SHA256, cut
#                              it to GB 2312 and the punctuation a report
#                              uses (go run ./cmd/minyi-fontcut), check the
#                              cut font against CUT_SHA256, and write it
#                              gzipped with the font's licence into DEST
#   .ci/reportfont.sh --check  only check the committed file (offline)
#
# The PDF writer needs TrueType (glyf) outlines: the npm package of the
# Google Fonts build has them (the CFF/OTF builds do not). To move to
# another version: set VERSION, run once (it refuses, printing the new
# hashes), review, pin both, run again. surveys/report/font_test.go reads
# CUT_SHA256 from this file and checks the embedded copy against it.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@expo-google-fonts/noto-sans-sc
VERSION=0.4.3
FILE=400Regular/NotoSansSC_400Regular.ttf
SOURCE_SHA256=d45f67f0a7c0ca3f256950777ce6a61cc7ce5f9696d02900cbbaac25f8aa7d16
CUT_SHA256=0cbecf2e7b09c0c07567d4ffdd4f35819d03a167b7a05005873a3f44d51212b6
DEST=surveys/report/font
NAME=NotoSansSC-Regular-GB2312.ttf

sha() { sha256sum "$1" | cut -d' ' -f1; }

if [ "${1:-}" = "--check" ]; then
	got=$(gzip -dc "$DEST/$NAME.gz" | sha256sum | cut -d' ' -f1)
	if [ "$got" != "$CUT_SHA256" ]; then
		echo "$DEST/$NAME.gz holds a font with SHA-256 $got, pinned $CUT_SHA256 ($PACKAGE@$VERSION cut)" >&2
		exit 1
	fi
	echo "$DEST/$NAME.gz is $PACKAGE@$VERSION cut to GB 2312 ($CUT_SHA256)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" "package/$FILE" package/LICENSE_FONT
got=$(sha "$tmp/package/$FILE")
if [ "$got" != "$SOURCE_SHA256" ]; then
	echo "$PACKAGE@$VERSION $FILE has SHA-256 $got, pinned $SOURCE_SHA256: not used" >&2
	exit 1
fi
go run ./cmd/minyi-fontcut -in "$tmp/package/$FILE" -out "$tmp/$NAME"
got=$(sha "$tmp/$NAME")
if [ "$got" != "$CUT_SHA256" ]; then
	echo "the cut font has SHA-256 $got, pinned $CUT_SHA256: not copied" >&2
	exit 1
fi
mkdir -p "$DEST"
gzip -9 -n -c "$tmp/$NAME" >"$DEST/$NAME.gz"
cp "$tmp/package/LICENSE_FONT" "$DEST/OFL.txt"
echo "copied $PACKAGE@$VERSION $FILE cut to GB 2312 ($CUT_SHA256) into $DEST"
