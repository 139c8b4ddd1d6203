; At CPL 3 with IOPL 0 the TSS I/O bitmap decides: port 0x80 allowed, 0x60 not.
bits 32
org 0x1000
  push dword 0x4b
  push dword 0x7000
  push dword 0x0002
  push dword 0x43
  push dword user
  iret
user:
  mov al, 0x5a
  out 0x80, al
fault:
  out 0x60, al
  hlt
  dd fault                ; (data for the test: where the fault is expected)
