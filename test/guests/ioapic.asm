; qomd test guest: interrupts through the I/O APIC and a local APIC, as a 64 KiB -bios image.
;
; Firmware-style: real mode with 4 GiB data segments ("big real mode", set up through protected
; mode) so the APIC windows are reachable, and real-mode interrupt vectors. With both 8259s
; masked and the local APIC enabled, it takes
;   - 3 edge-triggered interrupts: PIT channel 0 (ISA IRQ 0, IOAPIC pin 2) as vector 0x32;
;   - 5 level-triggered ones: the RTC's periodic interrupt (IRQ 8, pin 8) as vector 0x38. The
;     handler reads RTC register C (which lowers the line) and signals EOI, which must reach the
;     IOAPIC and clear the pin's Remote IRR, or the next one never comes;
; then prints what it saw on COM1 and exits through isa-debug-exit (status 67).
; The same image must behave the same under tcg and under kvm in each kernel-irqchip mode.

%define EXIT_CODE 0x21
%define LAPIC 0xfee00000
%define IOAPIC 0xfec00000
%define EDGE_COUNT 0x2000
%define LEVEL_COUNT 0x2004

        org 0
bits 16
start:
        cli
        cld
        mov al, 0xff                    ; mask both 8259s: only the IOAPIC delivers
        out 0x21, al
        out 0xa1, al
        ; big real mode: load DS and ES with a flat 4 GiB segment in protected mode, come back
        o32 lgdt [cs:gdt_desc]
        mov eax, cr0
        and eax, 0x1fffffff             ; caches on (CD, NW and PG clear), as firmware does
        or al, 1
        mov cr0, eax
        mov ax, 0x08
        mov ds, ax
        mov es, ax
        and al, 0                       ; (keeps the flags; the next instruction clears PE)
        mov eax, cr0
        and al, 0xfe
        mov cr0, eax
        jmp 0xf000:real
real:
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov dword [dword EDGE_COUNT], 0
        mov dword [dword LEVEL_COUNT], 0
        ; every vector: `unexpected`, then the two we expect
        xor di, di
        mov cx, 256
.fill:  mov word [es:di], unexpected
        mov word [es:di + 2], 0xf000
        add di, 4
        loop .fill
        mov word [es:0x32 * 4], edge_handler
        mov word [es:0x38 * 4], level_handler

        mov dword [dword LAPIC + 0xf0], 0x1ff ; software-enable the local APIC, spurious vector 0xff
        mov ebx, [dword LAPIC + 0x20]   ; our APIC ID is the IOAPIC destination
        and ebx, 0xff000000

        ; --- edge: PIT channel 0, 1 ms rate generator, IOAPIC pin 2 -> vector 0x32
        mov ecx, 2
        mov edx, 0x32
        call ioapic_route
        mov al, 0x34
        out 0x43, al
        mov ax, 1193
        out 0x40, al
        mov al, ah
        out 0x40, al
        sti
.edge:  hlt
        cmp dword [dword EDGE_COUNT], 3
        jb .edge
        cli
        mov ecx, 2
        mov edx, 0x10000                ; mask pin 2 again
        call ioapic_route

        ; --- level: RTC periodic interrupt at 1024 Hz, IOAPIC pin 8 -> vector 0x38, level
        mov al, 0x0a
        out 0x70, al
        mov al, 0x26
        out 0x71, al
        mov al, 0x0c                    ; clear anything pending
        out 0x70, al
        in al, 0x71
        mov ecx, 8
        mov edx, 0x8038                 ; level-triggered, active high, fixed, vector 0x38
        call ioapic_route
        mov al, 0x0b
        out 0x70, al
        in al, 0x71
        or al, 0x40                     ; PIE
        mov ah, al
        mov al, 0x0b
        out 0x70, al
        mov al, ah
        out 0x71, al
        sti
.level: hlt
        cmp dword [dword LEVEL_COUNT], 5
        jb .level
        cli
        mov al, 0x0b                    ; periodic interrupt off
        out 0x70, al
        in al, 0x71
        and al, 0xbf
        mov ah, al
        mov al, 0x0b
        out 0x70, al
        mov al, ah
        out 0x71, al

        mov si, msg_done
        call puts
        mov al, EXIT_CODE
        out 0xf4, al
.halt:  hlt
        jmp .halt

; IOAPIC pin ecx <- low word edx, destination ebx (APIC ID << 24)
ioapic_route:
        lea eax, [ecx * 2 + 0x11]
        mov [dword IOAPIC], eax
        mov [dword IOAPIC + 0x10], ebx
        dec eax
        mov [dword IOAPIC], eax
        mov [dword IOAPIC + 0x10], edx
        ret

edge_handler:
        inc dword [dword EDGE_COUNT]
        mov dword [dword LAPIC + 0xb0], 0 ; EOI
        iret

level_handler:
        push eax
        mov al, 0x0c                    ; reading register C lowers IRQ 8
        out 0x70, al
        in al, 0x71
        inc dword [dword LEVEL_COUNT]
        mov dword [dword LAPIC + 0xb0], 0 ; EOI: clears Remote IRR, or no more come
        pop eax
        iret

unexpected:
        mov si, msg_unexpected
        call puts
        mov al, 0x22
        out 0xf4, al
        cli
        hlt

; COM1 output; strings are in this segment
puts:
        cs lodsb
        test al, al
        jz .ret
        call putc
        jmp puts
.ret:   ret

putc:
        push dx
        push ax
        mov dx, 0x3fd
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop ax
        mov dx, 0x3f8
        out dx, al
        pop dx
        ret

msg_done:       db "qomd guest: ioapic edge 3 level 5", 13, 10, 0
msg_unexpected: db "qomd guest: unexpected interrupt", 13, 10, 0

align 8
gdt:    dq 0
        ; Accessed bit preset: the CPU would otherwise write it into this read-only table.
        dq 0x008f93000000ffff           ; 0x08 data, base 0, 4 GiB
gdt_desc:
        dw gdt_desc - gdt - 1
        dd 0xf0000 + gdt

        times 0xfff0-($-$$) db 0xff
        jmp 0xf000:start                ; the reset vector
        times 0x10000-($-$$) db 0xff
