; Self-modifying code inside a hot loop: every iteration patches the immediate
; of an instruction later in the same block, so the store invalidates the block
; it runs in. EBX ends as 200 + 199 + ... + 1 = 20100.
bits 32
org 0x1000
  mov ecx, 200
  xor ebx, ebx
loop:
  mov [patch + 1], ecx
patch:
  mov eax, 0
  add ebx, eax
  dec ecx
  jnz loop
  hlt
