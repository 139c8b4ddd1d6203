// qomd_kvm: the native half of qomd's kvm accelerator (see kvm-objects.h for the classes).
#include <napi.h>

#include <unistd.h>

#include <cstdint>

#include "kick.h"
#include "kvm-objects.h"
#include "layout.h"

namespace qomd_kvm {

namespace {

// kick(token): kick a vCPU from any thread by the token its Vcpu object published.
Napi::Value KickByToken(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), KickVcpu(info[0].As<Napi::Number>().Uint32Value()));
}

// alignOffset(view, alignment): bytes from the start of `view` to the next multiple of
// `alignment` in the address space, so JavaScript can carve page-aligned guest memory out of a
// SharedArrayBuffer it allocated a little larger.
Napi::Value AlignOffset(const Napi::CallbackInfo& info) {
  Napi::Uint8Array view = info[0].As<Napi::Uint8Array>();
  uint64_t align = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
  uint64_t addr = reinterpret_cast<uintptr_t>(view.Data());
  uint64_t off = align == 0 ? 0 : (align - addr % align) % align;
  return Napi::Number::New(info.Env(), double(off));
}

}  // namespace

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  InstallKickHandler();
  exports.Set("Kvm", Kvm::Init(env));
  exports.Set("Vm", Vm::Init(env));
  exports.Set("Vcpu", Vcpu::Init(env));
  exports.Set("kick", Napi::Function::New<KickByToken>(env, "kick"));
  exports.Set("alignOffset", Napi::Function::New<AlignOffset>(env, "alignOffset"));
  exports.Set("kickSignal", Napi::Number::New(env, KickSignal()));
  exports.Set("pageSize", Napi::Number::New(env, double(sysconf(_SC_PAGESIZE))));
  exports.Set("layout", BuildLayout(env));
  exports.Set("constants", BuildConstants(env));
  return exports;
}

}  // namespace qomd_kvm

static Napi::Object InitQomdKvm(Napi::Env env, Napi::Object exports) {
  return qomd_kvm::InitAddon(env, exports);
}

NODE_API_MODULE(qomd_kvm, InitQomdKvm)
