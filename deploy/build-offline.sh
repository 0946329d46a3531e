#!/usr/bin/env bash
# Build the image where no container registry is reachable (this project's CI), as root.
#
#   deploy/build-offline.sh [TAG] [docker build options ...]
#   deploy/build-offline.sh sodertornsassistenten:int8 --build-arg ASSISTANT_BACKEND=onnx-int8
#
# 1. The base: Debian bookworm (minbase) made with debootstrap from the Debian mirror and
#    imported as $OFFLINE_BASE, once per Docker daemon (`docker image inspect` is the cache).
# 2. A snapshot of what the build reads (the .dockerignore allowlist), with pip's CA bundle
#    (the one pip on this host is configured with) and the CPU torch wheel from pip's
#    find-links folder in its deploy/image-inputs/. Only the build stages see those two; the
#    runtime image copies neither. The snapshot keeps the build consistent while the working
#    tree is being edited.
# 3. `docker build --network host` with BASE_IMAGE set to that base. Docker's layer cache
#    keeps the dependencies, so a rebuild after a code change redoes only the package, the
#    model export and the index (about two minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-sodertornsassistenten:offline}
shift || true
base=${OFFLINE_BASE:-local/bookworm-minbase:slim}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
inputs=deploy/image-inputs
say() { printf '· %s\n' "$*" >&2; }

if ! docker image inspect "$base" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
    root=$(mktemp -d /var/tmp/bookworm-minbase.XXXXXX)
    trap 'rm -rf "$root" "$root.log"' EXIT
    say "Making the base $base with debootstrap (about 30 s)"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 \
        || { tail -20 "$root.log" >&2; exit 1; }
    rm -f "$root.log"
    # The downloaded packages and lists are not part of the system (every stage that installs
    # runs apt-get update first), nor are documentation, manual pages and translations, which
    # dpkg is told to leave out of later installs too (as Docker's slim Debian images do).
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
    rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/*
    printf 'path-exclude=/usr/share/%s/*\n' doc man info locale \
        >"$root"/etc/dpkg/dpkg.cfg.d/docker-slim
    tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$base" >/dev/null
    rm -rf "$root"
    trap - EXIT
fi

context=$(mktemp -d /var/tmp/sodertornsassistenten-context.XXXXXX)
trap 'rm -rf "$context"' EXIT
tar -c --exclude=__pycache__ --exclude='*.pyc' Dockerfile .dockerignore pyproject.toml README.md \
    assistant corpus municipalities.toml deploy/keep-used-bytecode.py "$inputs" | tar -x -C "$context"

# pip's CA bundle: PIP_CERT, else pip's configured cert, else the system bundle.
cert=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
cp "${cert:-/etc/ssl/certs/ca-certificates.crt}" "$context/$inputs/certs/pip-ca.pem"

# The CPU torch wheel from pip's find-links folders (PIP_FIND_LINKS or pip's config).
links=${PIP_FIND_LINKS:-$(python3 -m pip config get global.find-links 2>/dev/null || true)}
wheel=""
for dir in $links; do
    for candidate in "${dir#file://}"/torch-2.13.0+cpu-cp311-*.whl; do
        [ -f "$candidate" ] && wheel=$candidate && break 2
    done
done
torch_index=()
if [ -n "$wheel" ]; then
    cp "$wheel" "$context/$inputs/wheels/"
    torch_index=(--build-arg TORCH_INDEX_URL=)  # nothing to fetch from PyTorch's index
else
    say "No torch-2.13.0+cpu wheel in find-links ($links); the builder downloads it"
fi

say "Building $tag from $base"
# The legacy builder (no BuildKit here). The build stages are tagged too, so that pruning the
# images this replaces (each holds a gigabyte of model files) keeps the layer cache.
build() {
    DOCKER_BUILDKIT=0 docker build --network host \
        --build-arg BASE_IMAGE="$base" \
        --build-arg PIP_CERT=/build/certs/pip-ca.pem \
        ${PIP_INDEX_URL:+--build-arg PIP_INDEX_URL="$PIP_INDEX_URL"} \
        "${torch_index[@]}" "$@" "$context"
}
build -t "$tag" "$@"
build --target builder -t "${tag%:*}-stages:builder" "$@" >/dev/null
build --target venv -t "${tag%:*}-stages:venv" "$@" >/dev/null
docker image prune --force --filter label=org.opencontainers.image.title=sodertornsassistenten >/dev/null
