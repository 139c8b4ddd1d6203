; qemu-diff.asm - harness ROM for the differential test against QEMU
; (qemu-diff.test.ts). Run as firmware: qemu-system-i386 -bios qemu-diff.bin.
;
; A 64 KiB image mapped at 0xFFFF0000. From the reset vector it enters 32-bit
; flat protected mode, copies the first SEQ_SIZE bytes of the image (where the
; test patches in generated instruction sequences) to RAM at SEQ_RAM and jumps
; there. Each generated sequence ends with `call DUMP_ADDR`; the dump routine
; writes a 164-byte record to the debug console (port 0xE9):
;   8 dwords EDI ESI EBP ESP EBX EDX ECX EAX as PUSHAD stores them
;     (ESP is the sequence's ESP minus 8: the return address and EFLAGS),
;   1 dword EFLAGS,
;   128 bytes of the scratch area at SCRATCH,
; then refills the scratch area from PATTERN and returns. The blob ends by
; writing 0 to port 0xF4 (isa-debug-exit, iobase=0xf4).
;
; Rebuild: nasm -f bin -o qemu-diff.bin qemu-diff.asm   (or ./build.sh)

SEQ_SIZE   equ 0xE000          ; bytes of the image holding the sequence blob
SEQ_RAM    equ 0x10000
SCRATCH    equ 0x8000
STACK_TOP  equ 0x7000
ROM_BASE   equ 0xFFFF0000

bits 16
org 0

; ---- 0x0000: sequence blob (patched by the test; this one just exits) ----
blob:
    mov al, 0
    out 0xf4, al
    hlt
    jmp $
    times SEQ_SIZE - ($ - $$) db 0

; ---- 0xE000: dump routine (32-bit, runs at ROM_BASE + 0xE000) -----------
bits 32
dump:
    pushfd
    pushad
    cld
    mov esi, esp
    mov ecx, 36
    mov dx, 0xe9
    rep outsb
    mov esi, SCRATCH
    mov ecx, 128
    rep outsb
    mov esi, ROM_BASE + pattern
    mov edi, SCRATCH
    mov ecx, 32
    rep movsd
    popad
    popfd
    ret

    times 0xE800 - ($ - $$) db 0
; ---- 0xE800: initial scratch contents ------------------------------------
pattern:
%assign i 0
%rep 128
    db (i * 37 + 11) & 0xff
%assign i i + 1
%endrep

    times 0xEC00 - ($ - $$) db 0
; ---- 0xEC00: GDT ---------------------------------------------------------
gdt:
    dq 0
    dq 0x00cf9b000000ffff        ; 0x08 code, flat, 32-bit
    dq 0x00cf93000000ffff        ; 0x10 data, flat
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd ROM_BASE + gdt

    times 0xF000 - ($ - $$) db 0
; ---- 0xF000: entry from the reset vector (real mode, CS base 0xFFFF0000) --
bits 16
entry16:
    cli
    o32 lgdt [cs:gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:ROM_BASE + entry32
bits 32
entry32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, STACK_TOP
    cld
    mov esi, ROM_BASE + blob
    mov edi, SEQ_RAM
    mov ecx, SEQ_SIZE / 4
    rep movsd
    mov esi, ROM_BASE + pattern
    mov edi, SCRATCH
    mov ecx, 32
    rep movsd
    mov eax, SEQ_RAM             ; absolute: this code runs at ROM_BASE, not at its org
    jmp eax

    times 0xFFF0 - ($ - $$) db 0
; ---- 0xFFF0: reset vector ------------------------------------------------
bits 16
reset:
    jmp entry16
    times 0x10000 - ($ - $$) db 0
