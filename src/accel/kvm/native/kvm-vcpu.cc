#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "errors.h"
#include "kick.h"
#include "kvm-flex.h"
#include "kvm-objects.h"
#include "struct-arg.h"

namespace qomd_kvm {

namespace {

thread_local pid_t t_tid = 0;

pid_t CurrentTid() {
  if (t_tid == 0) t_tid = gettid();
  return t_tid;
}

}  // namespace

Napi::Function Vcpu::Init(Napi::Env env) {
  return DefineClass(env, "Vcpu",
                     {
                         InstanceMethod<&Vcpu::Run>("run"),
                         InstanceMethod<&Vcpu::Kick>("kick"),
                         InstanceAccessor<&Vcpu::ThreadId>("threadId"),
                         InstanceMethod<&Vcpu::GetRegs>("getRegs"),
                         InstanceMethod<&Vcpu::SetRegs>("setRegs"),
                         InstanceMethod<&Vcpu::GetSregs>("getSregs"),
                         InstanceMethod<&Vcpu::SetSregs>("setSregs"),
                         InstanceMethod<&Vcpu::GetFpu>("getFpu"),
                         InstanceMethod<&Vcpu::SetFpu>("setFpu"),
                         InstanceMethod<&Vcpu::GetMpState>("getMpState"),
                         InstanceMethod<&Vcpu::SetMpState>("setMpState"),
                         InstanceMethod<&Vcpu::GetVcpuEvents>("getVcpuEvents"),
                         InstanceMethod<&Vcpu::SetVcpuEvents>("setVcpuEvents"),
                         InstanceMethod<&Vcpu::GetDebugRegs>("getDebugRegs"),
                         InstanceMethod<&Vcpu::SetDebugRegs>("setDebugRegs"),
                         InstanceMethod<&Vcpu::GetXsave>("getXsave"),
                         InstanceMethod<&Vcpu::SetXsave>("setXsave"),
                         InstanceMethod<&Vcpu::GetMsrs>("getMsrs"),
                         InstanceMethod<&Vcpu::SetMsrs>("setMsrs"),
                         InstanceMethod<&Vcpu::SetCpuid2>("setCpuid2"),
                         InstanceMethod<&Vcpu::GetLapic>("getLapic"),
                         InstanceMethod<&Vcpu::SetLapic>("setLapic"),
                         InstanceMethod<&Vcpu::Nmi>("nmi"),
                         InstanceMethod<&Vcpu::GetTscKhz>("getTscKhz"),
                         InstanceMethod<&Vcpu::SetTscKhz>("setTscKhz"),
                         InstanceMethod<&Vcpu::KvmclockCtrl>("kvmclockCtrl"),
                         InstanceMethod<&Vcpu::Interrupt>("interrupt"),
                         InstanceMethod<&Vcpu::Close>("close"),
                     });
}

// new Vcpu(vm, id): creates the vCPU and maps its kvm_run area, which becomes `this.kvmRun`
// (an ArrayBuffer over the mapping, io data page included) and `this.kickToken`.
Vcpu::Vcpu(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Vcpu>(info) {
  Napi::Env env = info.Env();
  Napi::Object vmObj = info[0].As<Napi::Object>();
  Vm* vm = Vm::Unwrap(vmObj);
  int vfd = vm->LiveFd(env, "KVM_CREATE_VCPU");
  unsigned long id = static_cast<unsigned long>(info[1].As<Napi::Number>().Uint32Value());
  fd_ = CheckErrno(env, "KVM_CREATE_VCPU", ioctl(vfd, KVM_CREATE_VCPU, id));
  size_t size = vm->run_mmap_size();
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (addr == MAP_FAILED) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    ThrowErrno(env, "mmap", err);
  }
  auto mapping = std::make_shared<RunMapping>(addr, size);
  record_ = std::make_shared<VcpuRecord>(mapping);
  token_ = RegisterVcpu(record_);
  vm_ = Napi::Persistent(vmObj);

  // The ArrayBuffer shares ownership of the mapping: it stays valid for as long as JS can see it.
  auto* hint = new std::shared_ptr<RunMapping>(mapping);
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
      env, addr, size, [](Napi::Env, void*, std::shared_ptr<RunMapping>* h) { delete h; }, hint);
  Napi::Object self = info.This().As<Napi::Object>();
  self.Set("kvmRun", ab);
  self.Set("kickToken", Napi::Number::New(env, token_));
}

Vcpu::~Vcpu() {
  if (token_ != 0) UnregisterVcpu(token_);
  if (fd_ >= 0) close(fd_);
}

int Vcpu::LiveFd(Napi::Env env, const char* op) const {
  if (fd_ < 0) ThrowErrno(env, op, EBADF);
  return fd_;
}

// run(): one KVM_RUN in the calling thread. Returns kvm_run.exit_reason, or KVM_EXIT_INTR when a
// kick (signal or immediate_exit) made it return early; the kick is then consumed.
Napi::Value Vcpu::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_RUN");
  PrepareVcpuThread();
  pid_t tid = CurrentTid();
  if (record_->tid.load(std::memory_order_relaxed) != tid) record_->tid.store(tid);
  kvm_run* run = record_->run->run();
  if (ioctl(fd, KVM_RUN, 0) < 0) {
    int err = errno;
    if (err == EINTR || err == EAGAIN) {
      __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
      return Napi::Number::New(env, KVM_EXIT_INTR);
    }
    ThrowErrno(env, "KVM_RUN", err);
  }
  return Napi::Number::New(env, run->exit_reason);
}

Napi::Value Vcpu::Kick(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), token_ != 0 && KickVcpu(token_));
}

// The kernel thread id of the thread that last ran this vCPU (0 before the first run).
Napi::Value Vcpu::ThreadId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), record_ ? record_->tid.load() : 0);
}

#define STRUCT_METHODS(Name, T, GetReq, SetReq)                                                 \
  void Vcpu::Get##Name(const Napi::CallbackInfo& info) {                                     \
    GetStructInto<T>(info, LiveFd(info.Env(), #GetReq), GetReq, #GetReq);                    \
  }                                                                                          \
  void Vcpu::Set##Name(const Napi::CallbackInfo& info) {                                     \
    SetStructFrom<T>(info, LiveFd(info.Env(), #SetReq), SetReq, #SetReq);                    \
  }
STRUCT_METHODS(Regs, kvm_regs, KVM_GET_REGS, KVM_SET_REGS)
STRUCT_METHODS(Sregs, kvm_sregs, KVM_GET_SREGS, KVM_SET_SREGS)
STRUCT_METHODS(Fpu, kvm_fpu, KVM_GET_FPU, KVM_SET_FPU)
STRUCT_METHODS(MpState, kvm_mp_state, KVM_GET_MP_STATE, KVM_SET_MP_STATE)
STRUCT_METHODS(VcpuEvents, kvm_vcpu_events, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS)
STRUCT_METHODS(DebugRegs, kvm_debugregs, KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS)
STRUCT_METHODS(Lapic, kvm_lapic_state, KVM_GET_LAPIC, KVM_SET_LAPIC)

// The XSAVE area goes through C (see kvm-flex.h): its size as C++ compiles it is wrong.
void Vcpu::GetXsave(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_GET_XSAVE");
  uint8_t* dst = StructArg(info, 0, qomd_kvm_xsave_size(), "KVM_GET_XSAVE");
  std::vector<uint8_t> tmp(qomd_kvm_xsave_size());
  CheckErrno(info.Env(), "KVM_GET_XSAVE", qomd_kvm_get_xsave(fd, tmp.data()));
  std::memcpy(dst, tmp.data(), tmp.size());
}

void Vcpu::SetXsave(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_SET_XSAVE");
  const uint8_t* src = StructArg(info, 0, qomd_kvm_xsave_size(), "KVM_SET_XSAVE");
  std::vector<uint8_t> tmp(src, src + qomd_kvm_xsave_size());
  CheckErrno(info.Env(), "KVM_SET_XSAVE", qomd_kvm_set_xsave(fd, tmp.data()));
}
#undef STRUCT_METHODS

// getMsrs(indices: Uint32Array, values: BigUint64Array): number of MSRs read (in order; the
// kernel stops at the first it does not know).
Napi::Value Vcpu::GetMsrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_GET_MSRS");
  Napi::Uint32Array indices = info[0].As<Napi::Uint32Array>();
  Napi::BigUint64Array values = info[1].As<Napi::BigUint64Array>();
  if (values.ElementLength() < indices.ElementLength()) throw Napi::RangeError::New(env, "KVM_GET_MSRS: fewer values than indices");
  int n = qomd_kvm_get_msrs(fd, indices.Data(), values.Data(), uint32_t(indices.ElementLength()));
  return Napi::Number::New(env, CheckErrno(env, "KVM_GET_MSRS", n));
}

// setMsrs(indices, values): number of MSRs written (in order, stopping at the first refused).
Napi::Value Vcpu::SetMsrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_SET_MSRS");
  Napi::Uint32Array indices = info[0].As<Napi::Uint32Array>();
  Napi::BigUint64Array values = info[1].As<Napi::BigUint64Array>();
  if (values.ElementLength() < indices.ElementLength()) throw Napi::RangeError::New(env, "KVM_SET_MSRS: fewer values than indices");
  int n = qomd_kvm_set_msrs(fd, indices.Data(), values.Data(), uint32_t(indices.ElementLength()));
  return Napi::Number::New(env, CheckErrno(env, "KVM_SET_MSRS", n));
}

// setCpuid2(entries: Uint32Array), 7 words an entry as Kvm.supportedCpuid() returns them.
void Vcpu::SetCpuid2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_SET_CPUID2");
  Napi::Uint32Array words = info[0].As<Napi::Uint32Array>();
  CheckErrno(env, "KVM_SET_CPUID2", qomd_kvm_set_cpuid2(fd, words.Data(), uint32_t(words.ElementLength() / 7)));
}

// interrupt(vector): queue an external interrupt (only without the in-kernel irqchip).
void Vcpu::Interrupt(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_INTERRUPT");
  kvm_interrupt irq = {};
  irq.irq = info[0].As<Napi::Number>().Uint32Value();
  CheckErrno(info.Env(), "KVM_INTERRUPT", ioctl(fd, KVM_INTERRUPT, &irq));
}

// nmi(): queue an NMI on this vCPU (the in-kernel local APIC's LINT1 path, as QEMU's `nmi`).
void Vcpu::Nmi(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_NMI");
  CheckErrno(info.Env(), "KVM_NMI", ioctl(fd, KVM_NMI, 0));
}

// getTscKhz(): the vCPU's TSC rate in kHz (KVM_GET_TSC_KHZ, with KVM_CAP_GET_TSC_KHZ).
Napi::Value Vcpu::GetTscKhz(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_GET_TSC_KHZ");
  return Napi::Number::New(info.Env(), CheckErrno(info.Env(), "KVM_GET_TSC_KHZ", ioctl(fd, KVM_GET_TSC_KHZ, 0)));
}

// setTscKhz(khz): the vCPU's TSC rate (KVM_SET_TSC_KHZ; needs TSC scaling, KVM_CAP_TSC_CONTROL,
// unless the rate is within the kernel's NTP-correction tolerance of the host's).
void Vcpu::SetTscKhz(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_SET_TSC_KHZ");
  unsigned long khz = static_cast<unsigned long>(info[0].As<Napi::Number>().Int64Value());
  CheckErrno(info.Env(), "KVM_SET_TSC_KHZ", ioctl(fd, KVM_SET_TSC_KHZ, khz));
}

// kvmclockCtrl(): tell the guest's kvmclock that the VM was paused (KVM_KVMCLOCK_CTRL), so its
// watchdogs do not count the pause as a lockup. EINVAL: the guest has no kvmclock page.
void Vcpu::KvmclockCtrl(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_KVMCLOCK_CTRL");
  CheckErrno(info.Env(), "KVM_KVMCLOCK_CTRL", ioctl(fd, KVM_KVMCLOCK_CTRL, 0));
}

// Closes the vCPU descriptor; `kvmRun` stays readable until collected; kicks become no-ops.
void Vcpu::Close(const Napi::CallbackInfo&) {
  if (token_ != 0) UnregisterVcpu(token_);
  token_ = 0;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  vm_.Reset();
}

}  // namespace qomd_kvm
