; qomd reset guest (64 KiB firmware image for -bios): prints "boot" on COM1, then resets the
; machine one way, chosen at build time (see build.sh):
;   reset-cf9-bios.bin     -DCF9     PIIX3 reset control register: 0x06 to port 0xcf9
;   reset-port92-bios.bin  -DPORT92  system control port A: bit 0 of port 0x92
;   reset-kbd-bios.bin     -DKBD     i8042 command 0xfe (pulse the CPU reset line)
;   reset-triple-bios.bin  -DTRIPLE  an interrupt with an empty IDT: #GP, #DF, triple fault
; After the reset the firmware starts again, so it resets over and over.

bits 16
        org 0
start:
        cli
        mov dx, 0x3f8
        mov si, msg
.next:
        cs lodsb
        test al, al
        jz .reset
        out dx, al
        jmp .next
.reset:
%ifdef CF9
        mov dx, 0xcf9
        mov al, 0x06
        out dx, al
%elifdef PORT92
        in al, 0x92
        and al, 0xfe
        out 0x92, al
        or al, 1
        out 0x92, al
%elifdef KBD
        mov al, 0xfe
        out 0x64, al
%elifdef TRIPLE
        lidt [cs:empty_idt]
        int 3
%endif
.halt:
        hlt
        jmp .halt

empty_idt:
        dw 0
        dd 0
msg:    db "boot", 13, 10, 0

        times 0xfff0-($-$$) db 0xff
        jmp 0xf000:start
        times 0x10000-($-$$) db 0xff
