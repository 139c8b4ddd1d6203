; Load a not-present data segment: #NP with the selector as error code.
bits 32
org 0x1000
  mov ax, 0x20
fault:
  mov ds, ax
  hlt
  dd fault                ; (data for the test: where the fault is expected)
