; qomd loop guest (64 KiB firmware image for -bios), two entry behaviours chosen at build time:
;   spin-bios.bin   -DALU   the add/xor/dec/jnz loop of the MIPS figures, forever
;   jmp-bios.bin    (none)  `jmp $`, the tightest loop there is (stop latency)

bits 16
        org 0
start:
        cli
%ifdef ALU
        xor eax, eax
        mov ebx, 0x12345678
.outer:
        mov ecx, 1000000
.inner:
        add eax, ebx
        xor ebx, eax
        dec ecx
        jnz .inner
        jmp .outer
%else
        jmp $
%endif
        times 0xfff0-($-$$) db 0xff
        jmp 0xf000:start
        times 0x10000-($-$$) db 0xff
