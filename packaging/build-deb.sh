#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian package from the working tree:
#
#   packaging/build-deb.sh            ->  build-deb/prefixd_VERSION_amd64.deb
#
# dpkg-buildpackage wants debian/ at the top of the source tree, so this
# stages a copy of the tree (the files git tracks plus untracked ones it does
# not ignore; every file when there is no git) in build-deb/src/prefixd-VERSION
# with packaging/debian as its debian/, and runs
# `dpkg-buildpackage -us -uc -b` there. VERSION is read from the one place it
# is set, project(prefixd VERSION ...) in CMakeLists.txt, and written into
# the top entry of debian/changelog. Build dependencies (debian/control's
# Build-Depends) are installed with apt-get build-dep when this runs as root,
# like the README's commands; otherwise the command that installs them is
# printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

version=$(sed -n 's/^project(prefixd VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
if [ -z "$version" ]; then
  echo "build-deb.sh: no 'project(prefixd VERSION x.y.z' line in CMakeLists.txt" >&2
  exit 1
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
out=$root/build-deb
stage=$out/src/prefixd-$version
rm -rf "$out/src"
mkdir -p "$stage"

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$root" ls-files -z --cached --others --exclude-standard |
    grep -zv -e '^packaging/debian/' -e '^build' -e '^\.run/' |
    xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    tar -C "$root" --null -T - -cf - | tar -C "$stage" -xf -
else
  tar -C "$root" --exclude=./build --exclude='./build-*' --exclude=./.run --exclude=./.git \
    --exclude=./packaging/debian -cf - . | tar -C "$stage" -xf -
fi
cp -a packaging/debian "$stage/debian"
sed -i "1s/@VERSION@/$version/" "$stage/debian/changelog"

if ! (cd "$stage" && dpkg-checkbuilddeps) 2>"$out/builddeps.txt"; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "== installing the build dependencies: $(sed 's/.*dependencies: //' "$out/builddeps.txt")"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "$stage"
  else
    cat "$out/builddeps.txt" >&2
    echo "Install them (as root), then run this again:" >&2
    echo "  sudo apt-get build-dep $stage" >&2
    exit 1
  fi
fi

echo "== building prefixd $version ($arch) in $stage"
(cd "$stage" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}" \
  dpkg-buildpackage -us -uc -b)
deb=prefixd_${version}_${arch}.deb
cp "$out/src/$deb" "$out/$deb"
echo "== $out/$deb"
