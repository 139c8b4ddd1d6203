; qomd test guest: an NMI through the local APIC's LINT1, as a 64 KiB -bios image.
;
; Real mode with 4 GiB data segments (to reach the local APIC); LINT1 programmed for NMI delivery,
; as firmware does for the PC's NMI line; vector 2 prints and exits through isa-debug-exit
; (status 67). It announces itself, then halts with interrupts off: only an NMI (HMP `nmi`) wakes it.

%define EXIT_CODE 0x21
%define LAPIC 0xfee00000

        org 0
bits 16
start:
        cli
        cld
        mov al, 0xff                    ; mask both 8259s
        out 0x21, al
        out 0xa1, al
        o32 lgdt [cs:gdt_desc]
        mov eax, cr0
        and eax, 0x1fffffff
        or al, 1
        mov cr0, eax
        mov ax, 0x08
        mov ds, ax
        mov es, ax
        mov eax, cr0
        and al, 0xfe
        mov cr0, eax
        jmp 0xf000:real
real:
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov word [es:2 * 4], nmi_handler
        mov word [es:2 * 4 + 2], 0xf000
        mov dword [dword LAPIC + 0xf0], 0x1ff ; local APIC on
        mov dword [dword LAPIC + 0x360], 0x400 ; LINT1: NMI, edge, unmasked
        mov si, msg_ready
        call puts
.wait:  hlt
        jmp .wait

nmi_handler:
        mov si, msg_nmi
        call puts
        mov al, EXIT_CODE
        out 0xf4, al
.halt:  hlt
        jmp .halt

puts:
        cs lodsb
        test al, al
        jz .ret
        mov ah, al
        mov dx, 0x3fd
.busy:  in al, dx
        test al, 0x20
        jz .busy
        mov dx, 0x3f8
        mov al, ah
        out dx, al
        jmp puts
.ret:   ret

msg_ready:      db "qomd guest: waiting for an NMI", 13, 10, 0
msg_nmi:        db "qomd guest: NMI", 13, 10, 0

align 8
gdt:    dq 0
        dq 0x008f93000000ffff           ; 0x08 data, base 0, 4 GiB (accessed bit preset)
gdt_desc:
        dw gdt_desc - gdt - 1
        dd 0xf0000 + gdt

        times 0xfff0-($-$$) db 0xff
        jmp 0xf000:start
        times 0x10000-($-$$) db 0xff
