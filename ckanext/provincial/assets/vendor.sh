#!/usr/bin/env bash
# Vendor the front-end libraries named in package.json (pinned by
# package-lock.json) from the npm registry into the extension at build time:
#   assets/vendor/   scripts and styles served through webassets
#   public/provincial/fonts/   the Thai web font (Sarabun), served by CKAN
# No CDN is used at run time. Idempotent: does nothing when the lock file has
# not changed since the last run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENDOR=$HERE/vendor
FONTS=$HERE/../public/provincial/fonts
STAMP=$VENDOR/.lock-sha256

want=$(sha256sum "$HERE/package-lock.json" "$0" | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -d "$FONTS" ]; then
    exit 0
fi

cd "$HERE"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
rm -rf "$VENDOR" "$FONTS"
mkdir -p "$VENDOR/leaflet/images" "$FONTS"

cp node_modules/chart.js/dist/chart.umd.min.js "$VENDOR/chart.umd.min.js"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$VENDOR/leaflet/"
cp node_modules/leaflet/dist/images/* "$VENDOR/leaflet/images/"

# Thai and Latin subsets of Sarabun, regular and bold.
css=$FONTS/sarabun.css
: >"$css"
for subset in thai latin; do
    for weight in 400 700; do
        file=sarabun-$subset-$weight-normal.woff2
        cp "node_modules/@fontsource/sarabun/files/$file" "$FONTS/"
        range=$(grep -A8 "sarabun-$subset-$weight-normal \*/" "node_modules/@fontsource/sarabun/$weight.css" \
            | sed -n 's/.*unicode-range: \(.*\);/\1/p')
        cat >>"$css" <<CSS
@font-face {
  font-family: 'Sarabun';
  font-style: normal;
  font-display: swap;
  font-weight: $weight;
  src: url(./$file) format('woff2');
  unicode-range: $range;
}
CSS
    done
done
cp node_modules/@fontsource/sarabun/LICENSE "$FONTS/OFL.txt"

echo "$want" >"$STAMP"
