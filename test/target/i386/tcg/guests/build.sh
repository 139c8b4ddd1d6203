#!/bin/sh
# Rebuild the guests used by protected-mode.test.ts and qemu-diff.test.ts: ./build.sh (needs nasm).
set -e
cd "$(dirname "$0")"
for f in *.asm; do nasm -f bin -o "${f%.asm}.bin" "$f"; done
