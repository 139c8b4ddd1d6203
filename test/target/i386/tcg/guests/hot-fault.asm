; A fault inside a hot loop (long enough to be compiled): the loop reads
; dwords of segment 0x28 (limit 0xfff) until the read past the limit is #GP(0).
; The EFLAGS pushed must be those of the SUB before the faulting MOV.
bits 32
org 0x1000
  mov ax, 0x28
  mov fs, ax
  xor esi, esi
  xor ecx, ecx
loop:
  sub ecx, 3
fault:
  mov eax, [fs:esi]
  lea esi, [esi + 4]
  jmp loop
  dd fault                ; (data for the test: where the fault is expected)
