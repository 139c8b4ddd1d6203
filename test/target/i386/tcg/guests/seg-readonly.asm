; Load data segments and write through a read-only one: #GP(0).
bits 32
org 0x1000
  mov ax, 0x10
  mov ds, ax
  mov dword [0x2000], 0x12345678
  mov ax, 0x18            ; read-only data segment
  mov es, ax
  mov ebx, [es:0x2000]    ; reading is fine
fault:
  mov [es:0x2000], ebx    ; writing is not
  hlt
  dd fault                ; (data for the test: where the fault is expected)
