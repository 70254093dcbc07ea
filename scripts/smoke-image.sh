#!/usr/bin/env bash
# The smoke check of test/images.test.ts for an image in a Docker engine (the images workflow):
# a numeric non-root user, an entrypoint that answers --help, none of the tools the Dockerfiles'
# final stage removes; then the size and the list of files (written to $2, default files.txt).
#   scripts/smoke-image.sh IMAGE [FILES_OUT]
set -euo pipefail
image=$1
files_out=${2:-files.txt}

user=$(docker image inspect --format '{{.Config.User}}' "$image")
if ! [[ $user =~ ^[1-9][0-9]*(:[0-9]+)?$ ]]; then
  echo "cannot accept $image: USER '$user' is not a numeric non-root user" >&2
  exit 1
fi

if ! help=$(docker run --rm "$image" --help 2>&1); then
  echo "cannot accept $image: its entrypoint failed on --help:" >&2
  echo "$help" >&2
  exit 1
fi
grep -q -- --environment <<<"$help" || { echo "cannot accept $image: --help does not list --environment" >&2; exit 1; }

container=$(docker create "$image")
trap 'docker rm "$container" >/dev/null' EXIT
docker export "$container" | tar -tv > "$files_out"
for removed in usr/local/lib/node_modules usr/local/bin/npm usr/local/bin/npx usr/local/bin/corepack \
  usr/local/bin/yarn usr/local/bin/yarnpkg; do
  if grep -Eq " ${removed}/?( |$)" "$files_out"; then
    echo "cannot accept $image: the final stage should have removed /$removed" >&2
    exit 1
  fi
done

size=$(docker image inspect --format '{{.Size}}' "$image")
echo "$image: user $user, $((size / 1000000)) MB, $(wc -l < "$files_out") entries"
