; Segment 0x28 has limit 0xfff: the last dword inside is fine, one byte further is #GP(0).
bits 32
org 0x1000
  mov ax, 0x28
  mov fs, ax
  mov eax, [fs:0xffc]
fault:
  mov eax, [fs:0xffd]
  hlt
  dd fault                ; (data for the test: where the fault is expected)
