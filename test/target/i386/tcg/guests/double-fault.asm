; The #GP handler's gate is not present, so delivering #GP raises #NP, and two
; contributory faults make a double fault (vector 8, error code 0).
bits 32
org 0x1000
  mov ax, 0x18
  mov es, ax
fault:
  mov [es:0], eax
  hlt
  dd fault                ; (data for the test: where the fault is expected)
