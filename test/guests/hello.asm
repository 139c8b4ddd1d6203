; qomd test guest: prints a line on COM1, then exits through isa-debug-exit.
;
; One source, two images (see build.sh):
;   hello-boot.bin  -DBOOT  a 512-byte boot sector (SeaBIOS loads it at 0000:7c00)
;   hello-bios.bin  -DBIOS  a 64 KiB firmware image for -bios (reset vector at f000:fff0)
;
; Exit: writes EXIT_CODE to port 0xf4 (-device isa-debug-exit,iobase=0xf4,iosize=0x04),
; so QEMU and qomd end with status (EXIT_CODE << 1) | 1 = 0x43 = 67.

%define EXIT_CODE 0x21

bits 16
%ifdef BIOS
        org 0
%define CODE_SEG 0xf000
%define WHERE "the firmware"
%else
        org 0x7c00
%define CODE_SEG 0
%define WHERE "the boot sector"
%endif

start:
        cli
        cld
        jmp CODE_SEG:main               ; a known CS whatever loaded us
main:
        mov ax, cs
        mov ds, ax
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        ; COM1: 115200 8N1 (divisor 1), FIFOs off
        mov dx, 0x3fb
        mov al, 0x80
        out dx, al
        mov dx, 0x3f8
        mov al, 1
        out dx, al
        inc dx
        xor al, al
        out dx, al
        mov dx, 0x3fb
        mov al, 3
        out dx, al
        mov si, msg
.next:
        lodsb
        test al, al
        jz .done
        mov ah, al
        mov dx, 0x3fd                   ; wait for THR empty
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        mov dx, 0x3f8
        mov al, ah
        out dx, al
        jmp .next
.done:
        mov dx, 0xf4
        mov al, EXIT_CODE
        out dx, al
.halt:                                  ; no isa-debug-exit: stay here
        hlt
        jmp .halt

msg:    db "qomd guest: hello from ", WHERE, 13, 10, 0

%ifdef BIOS
        times 0xfff0-($-$$) db 0xff
        jmp CODE_SEG:start              ; the reset vector
        times 0x10000-($-$$) db 0xff
%else
        times 510-($-$$) db 0
        dw 0xaa55
%endif
