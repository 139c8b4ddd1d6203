// A kernel structure passed from JavaScript as a Uint8Array argument, checked for size once for
// every ioctl wrapper that copies such a structure in or out.
#pragma once
#include <napi.h>
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "errors.h"

namespace qomd_kvm {

// The Uint8Array argument at `index`, at least `size` bytes long; throws a TypeError/RangeError
// naming `op` otherwise.
inline uint8_t* StructArg(const Napi::CallbackInfo& info, size_t index, size_t size, const char* op) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsTypedArray()) {
    throw Napi::TypeError::New(env, std::string(op) + ": expected a Uint8Array");
  }
  Napi::Uint8Array buf = info[index].As<Napi::Uint8Array>();
  if (buf.ByteLength() < size) {
    throw Napi::RangeError::New(env, std::string(op) + ": buffer smaller than the kernel structure (" +
                                         std::to_string(size) + " bytes)");
  }
  return buf.Data();
}

// ioctl `req` on `fd` fills a T, copied into the Uint8Array argument 0.
template <typename T>
void GetStructInto(const Napi::CallbackInfo& info, int fd, unsigned long req, const char* op) {
  uint8_t* dst = StructArg(info, 0, sizeof(T), op);
  T value;
  std::memset(&value, 0, sizeof value);
  CheckErrno(info.Env(), op, ioctl(fd, req, &value));
  std::memcpy(dst, &value, sizeof value);
}

// ioctl `req` on `fd` with a T copied from the Uint8Array argument 0.
template <typename T>
void SetStructFrom(const Napi::CallbackInfo& info, int fd, unsigned long req, const char* op) {
  const uint8_t* src = StructArg(info, 0, sizeof(T), op);
  T value;
  std::memcpy(&value, src, sizeof value);
  CheckErrno(info.Env(), op, ioctl(fd, req, &value));
}

}  // namespace qomd_kvm
