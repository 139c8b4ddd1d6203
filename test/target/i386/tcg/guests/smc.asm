; Self-modifying code: patch the immediate of an instruction in the same block.
bits 32
org 0x1000
  mov byte [patch + 1], 0x42
patch:
  mov al, 0x11
  hlt
