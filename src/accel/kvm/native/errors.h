// Errors from system calls, thrown to JavaScript like Node's own: message "<op>: <ENAME> (<text>)",
// with `code` (errno name), `errno`, `syscall` and `description` (strerror text) properties.
#pragma once
#include <napi.h>

namespace qomd_kvm {

[[noreturn]] void ThrowErrno(Napi::Env env, const char* op, int err);

// Throws when `r` is negative, taking errno; returns `r` otherwise.
inline int CheckErrno(Napi::Env env, const char* op, int r) {
  if (r < 0) ThrowErrno(env, op, errno);
  return r;
}

}  // namespace qomd_kvm
