#!/bin/sh
# Rebuilds the committed guest images (nasm 2.16): sh test/guests/build.sh
set -e
cd "$(dirname "$0")"
nasm -f bin -DBOOT hello.asm -o hello-boot.bin
nasm -f bin -DBIOS hello.asm -o hello-bios.bin
nasm -f bin -DALU spin.asm -o spin-bios.bin
nasm -f bin spin.asm -o jmp-bios.bin
nasm -f bin -DCF9 reset.asm -o reset-cf9-bios.bin
nasm -f bin -DPORT92 reset.asm -o reset-port92-bios.bin
nasm -f bin -DKBD reset.asm -o reset-kbd-bios.bin
nasm -f bin -DTRIPLE reset.asm -o reset-triple-bios.bin
nasm -f bin ioapic.asm -o ioapic-bios.bin
nasm -f bin nmi.asm -o nmi-bios.bin
