#!/bin/sh
# Rebuilds the committed guest images (nasm 2.16): sh test/guests/build.sh
set -e
cd "$(dirname "$0")"
nasm -f bin -DBOOT hello.asm -o hello-boot.bin
nasm -f bin -DBIOS hello.asm -o hello-bios.bin
nasm -f bin -DALU spin.asm -o spin-bios.bin
nasm -f bin spin.asm -o jmp-bios.bin
