#include "errors.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace qomd_kvm {

void ThrowErrno(Napi::Env env, const char* op, int err) {
  const char* name = strerrorname_np(err);
  std::string code = name != nullptr ? name : ("E" + std::to_string(err));
  Napi::Error e = Napi::Error::New(env, std::string(op) + ": " + code + " (" + strerror(err) + ")");
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, op));
  e.Set("description", Napi::String::New(env, strerror(err)));
  throw e;
}

}  // namespace qomd_kvm
