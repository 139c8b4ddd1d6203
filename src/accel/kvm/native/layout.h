// Struct layouts and constants from <linux/kvm.h>, as compiled here, for the JavaScript side.
#pragma once
#include <napi.h>

namespace qomd_kvm {

// { run, regs, sregs, segment, dtable, fpu, mpState, vcpuEvents, debugRegs, xsave }: each field is
// [offset, size in bytes], each struct has `size`.
Napi::Object BuildLayout(Napi::Env env);
// Exit reasons, capabilities, flags and enum values by their <linux/kvm.h> names.
Napi::Object BuildConstants(Napi::Env env);

}  // namespace qomd_kvm
