; IRET to ring 3, then INT 0x80 back to ring 0 on the TSS's SS0:ESP0 stack.
bits 32
org 0x1000
  push dword 0x4b         ; user SS
  push dword 0x7000       ; user ESP
  push dword 0x0002       ; EFLAGS (IOPL 0)
  push dword 0x43         ; user CS
  push dword user
  iret
user:
  mov eax, 0xcafe
  int 0x80
after:
  hlt
  dd after                ; (data for the test: the return address INT pushes)
