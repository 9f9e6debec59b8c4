#!/bin/sh
# The README's set-up commands, `./make run` and `./make test`, on a Debian 12 machine
# that has nothing yet: installs make, and git (lint lists the sources with it), from
# Debian when they are missing, then hands every argument to make. Once make is there,
# plain `make run` / `make test` do the same.
set -e
cd "$(dirname "$0")"
missing=
[ -x /usr/bin/make ] || missing="$missing make"
command -v git >/dev/null 2>&1 || missing="$missing git"
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "./make: needs$missing; run as root (it installs them with apt-get) or install them" >&2
        exit 1
    fi
    mkdir -p var/log
    echo "installing$missing (log: var/log/apt.log) ..."
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -qq --no-install-recommends $missing; } >>var/log/apt.log 2>&1; then
        tail -n 20 var/log/apt.log >&2
        echo "./make: apt-get failed; see var/log/apt.log" >&2
        exit 1
    fi
fi
# /usr/bin/make by its path: a PATH holding this directory would find this script again.
exec /usr/bin/make "$@"
