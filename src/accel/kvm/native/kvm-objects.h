// The three KVM file descriptors as JavaScript classes: Kvm (/dev/kvm), Vm (KVM_CREATE_VM) and
// Vcpu (KVM_CREATE_VCPU). Thin ioctl wrappers only; policy lives in src/accel/kvm/*.ts.
#pragma once

#include <napi.h>

#include <cstdint>
#include <map>
#include <memory>

#include "kick.h"

namespace qomd_kvm {

class Kvm : public Napi::ObjectWrap<Kvm> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Kvm(const Napi::CallbackInfo& info);
  ~Kvm() override;
  int fd() const { return fd_; }
  // The fd, or a thrown EBADF when closed.
  int LiveFd(Napi::Env env, const char* op) const;

 private:
  Napi::Value ApiVersion(const Napi::CallbackInfo& info);
  Napi::Value CheckExtension(const Napi::CallbackInfo& info);
  Napi::Value VcpuMmapSize(const Napi::CallbackInfo& info);
  Napi::Value SupportedCpuid(const Napi::CallbackInfo& info);
  Napi::Value MsrFeatureIndexList(const Napi::CallbackInfo& info);
  Napi::Value GetMsrs(const Napi::CallbackInfo& info);
  Napi::Value XcompGuestSupp(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  int fd_ = -1;
};

class Vm : public Napi::ObjectWrap<Vm> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Vm(const Napi::CallbackInfo& info);
  ~Vm() override;
  int LiveFd(Napi::Env env, const char* op) const;
  size_t run_mmap_size() const { return run_mmap_size_; }

 private:
  Napi::Value CheckExtension(const Napi::CallbackInfo& info);
  void SetTssAddr(const Napi::CallbackInfo& info);
  void SetIdentityMapAddr(const Napi::CallbackInfo& info);
  void SetUserMemoryRegion(const Napi::CallbackInfo& info);
  void GetDirtyLog(const Napi::CallbackInfo& info);
  void CreateIrqchip(const Napi::CallbackInfo& info);
  void CreatePit2(const Napi::CallbackInfo& info);
  void ReinjectControl(const Napi::CallbackInfo& info);
  void IrqLine(const Napi::CallbackInfo& info);
  void EnableCap(const Napi::CallbackInfo& info);
  Napi::Value SignalMsi(const Napi::CallbackInfo& info);
  void SetGsiRouting(const Napi::CallbackInfo& info);
  void GetIrqchip(const Napi::CallbackInfo& info);
  void SetIrqchip(const Napi::CallbackInfo& info);
  void GetPit2(const Napi::CallbackInfo& info);
  void SetPit2(const Napi::CallbackInfo& info);
  void GetClock(const Napi::CallbackInfo& info);
  void SetClock(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  int fd_ = -1;
  size_t run_mmap_size_ = 0;
  // Keeps the memory behind each slot alive while KVM may touch it (until the VM goes away).
  std::map<uint32_t, Napi::Reference<Napi::Uint8Array>> slots_;
};

class Vcpu : public Napi::ObjectWrap<Vcpu> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Vcpu(const Napi::CallbackInfo& info);
  ~Vcpu() override;

 private:
  int LiveFd(Napi::Env env, const char* op) const;
  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value Kick(const Napi::CallbackInfo& info);
  Napi::Value ThreadId(const Napi::CallbackInfo& info);
  // Raw struct transfer: a Uint8Array of at least sizeof the struct ↔ the kernel.
  void GetRegs(const Napi::CallbackInfo& info);
  void SetRegs(const Napi::CallbackInfo& info);
  void GetSregs(const Napi::CallbackInfo& info);
  void SetSregs(const Napi::CallbackInfo& info);
  void GetFpu(const Napi::CallbackInfo& info);
  void SetFpu(const Napi::CallbackInfo& info);
  void GetMpState(const Napi::CallbackInfo& info);
  void SetMpState(const Napi::CallbackInfo& info);
  void GetVcpuEvents(const Napi::CallbackInfo& info);
  void SetVcpuEvents(const Napi::CallbackInfo& info);
  void GetDebugRegs(const Napi::CallbackInfo& info);
  void SetDebugRegs(const Napi::CallbackInfo& info);
  void GetXsave(const Napi::CallbackInfo& info);
  void SetXsave(const Napi::CallbackInfo& info);
  Napi::Value GetMsrs(const Napi::CallbackInfo& info);
  Napi::Value SetMsrs(const Napi::CallbackInfo& info);
  void SetCpuid2(const Napi::CallbackInfo& info);
  void GetLapic(const Napi::CallbackInfo& info);
  void SetLapic(const Napi::CallbackInfo& info);
  void Nmi(const Napi::CallbackInfo& info);
  Napi::Value GetTscKhz(const Napi::CallbackInfo& info);
  void SetTscKhz(const Napi::CallbackInfo& info);
  void KvmclockCtrl(const Napi::CallbackInfo& info);
  void Interrupt(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  int fd_ = -1;
  uint32_t token_ = 0;
  std::shared_ptr<VcpuRecord> record_;
  Napi::ObjectReference vm_;  // the VM outlives its vCPUs: its memory slots must stay valid
};

}  // namespace qomd_kvm
