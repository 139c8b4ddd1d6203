; Identity-map the first 4 MiB with 4 KiB pages (page 5 read-only), map 4-8 MiB
; with one 4 MiB page onto physical 0, enable paging with WP, touch pages, then
; write the read-only page: #PF(P|W) with CR2 = 0x5000.
bits 32
org 0x1000
  mov edi, 0x21000        ; page table
  mov eax, 0x003          ; present, writable
  mov ecx, 1024
.fill:
  mov [edi], eax
  add eax, 0x1000
  add edi, 4
  loop .fill
  and dword [0x21000 + 5*4], ~2   ; page 5 read-only
  mov dword [0x20000], 0x21003    ; PDE 0 -> page table
  mov dword [0x20004], 0x00000083 ; PDE 1: 4 MiB page at physical 0
  mov eax, 0x20000
  mov cr3, eax
  mov eax, cr4
  or eax, 0x10            ; PSE
  mov cr4, eax
  mov eax, cr0
  or eax, 0x80010000      ; PG | WP
  mov cr0, eax
  mov ebx, [0x6000]       ; sets A of PTE 6
  mov dword [0x7000], 1   ; sets A and D of PTE 7
  mov esi, [0x400000 + 0x2000] ; through the 4 MiB page: physical 0x2000
fault:
  mov dword [0x5000], 1   ; read-only page, WP set: #PF
  hlt
  dd fault                ; (data for the test: where the fault is expected)
