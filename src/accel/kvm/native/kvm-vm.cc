#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "kvm-flex.h"
#include "kvm-objects.h"
#include "struct-arg.h"

namespace qomd_kvm {

Napi::Function Vm::Init(Napi::Env env) {
  return DefineClass(env, "Vm",
                     {
                         InstanceMethod<&Vm::CheckExtension>("checkExtension"),
                         InstanceMethod<&Vm::SetTssAddr>("setTssAddr"),
                         InstanceMethod<&Vm::SetIdentityMapAddr>("setIdentityMapAddr"),
                         InstanceMethod<&Vm::SetUserMemoryRegion>("setUserMemoryRegion"),
                         InstanceMethod<&Vm::GetDirtyLog>("getDirtyLog"),
                         InstanceMethod<&Vm::CreateIrqchip>("createIrqchip"),
                         InstanceMethod<&Vm::CreatePit2>("createPit2"),
                         InstanceMethod<&Vm::ReinjectControl>("reinjectControl"),
                         InstanceMethod<&Vm::IrqLine>("irqLine"),
                         InstanceMethod<&Vm::EnableCap>("enableCap"),
                         InstanceMethod<&Vm::SignalMsi>("signalMsi"),
                         InstanceMethod<&Vm::SetGsiRouting>("setGsiRouting"),
                         InstanceMethod<&Vm::GetIrqchip>("getIrqchip"),
                         InstanceMethod<&Vm::SetIrqchip>("setIrqchip"),
                         InstanceMethod<&Vm::GetPit2>("getPit2"),
                         InstanceMethod<&Vm::SetPit2>("setPit2"),
                         InstanceMethod<&Vm::GetClock>("getClock"),
                         InstanceMethod<&Vm::SetClock>("setClock"),
                         InstanceMethod<&Vm::Close>("close"),
                     });
}

// new Vm(kvm, type = 0)
Vm::Vm(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Vm>(info) {
  Napi::Env env = info.Env();
  Kvm* kvm = Kvm::Unwrap(info[0].As<Napi::Object>());
  int kfd = kvm->LiveFd(env, "KVM_CREATE_VM");
  long type = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
  int r;
  do {
    r = ioctl(kfd, KVM_CREATE_VM, type);  // EINTR: the kernel asks to retry (QEMU does too)
  } while (r < 0 && errno == EINTR);
  fd_ = CheckErrno(env, "KVM_CREATE_VM", r);
  int size = ioctl(kfd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    ThrowErrno(env, "KVM_GET_VCPU_MMAP_SIZE", err);
  }
  run_mmap_size_ = size_t(size);
}

Vm::~Vm() {
  if (fd_ >= 0) close(fd_);
}

int Vm::LiveFd(Napi::Env env, const char* op) const {
  if (fd_ < 0) ThrowErrno(env, op, EBADF);
  return fd_;
}

Napi::Value Vm::CheckExtension(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_CHECK_EXTENSION");
  long cap = info[0].As<Napi::Number>().Int64Value();
  return Napi::Number::New(info.Env(), CheckErrno(info.Env(), "KVM_CHECK_EXTENSION", ioctl(fd, KVM_CHECK_EXTENSION, cap)));
}

void Vm::SetTssAddr(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_SET_TSS_ADDR");
  unsigned long addr = static_cast<unsigned long>(info[0].As<Napi::Number>().Int64Value());
  CheckErrno(info.Env(), "KVM_SET_TSS_ADDR", ioctl(fd, KVM_SET_TSS_ADDR, addr));
}

void Vm::SetIdentityMapAddr(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_SET_IDENTITY_MAP_ADDR");
  uint64_t addr = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  CheckErrno(info.Env(), "KVM_SET_IDENTITY_MAP_ADDR", ioctl(fd, KVM_SET_IDENTITY_MAP_ADDR, &addr));
}

// setUserMemoryRegion(slot, flags, guestPhysAddr, memory: Uint8Array | null)
// `memory` is used in place (never copied): JavaScript and the guest see the same bytes. Its start
// and length must be multiples of the host page size. null deletes the slot.
void Vm::SetUserMemoryRegion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_SET_USER_MEMORY_REGION");
  kvm_userspace_memory_region r = {};
  r.slot = info[0].As<Napi::Number>().Uint32Value();
  r.flags = info[1].As<Napi::Number>().Uint32Value();
  r.guest_phys_addr = static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value());
  bool remove = info.Length() < 4 || info[3].IsNull() || info[3].IsUndefined();
  Napi::Uint8Array mem;
  if (!remove) {
    mem = info[3].As<Napi::Uint8Array>();
    const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
    uintptr_t addr = reinterpret_cast<uintptr_t>(mem.Data());
    if (addr % page != 0 || mem.ByteLength() % page != 0 || mem.ByteLength() == 0) {
      Napi::Error e = Napi::Error::New(env, "KVM_SET_USER_MEMORY_REGION: memory must be a non-empty, page-aligned run of whole pages");
      e.Set("code", Napi::String::New(env, "EINVAL"));
      throw e;
    }
    r.userspace_addr = addr;
    r.memory_size = mem.ByteLength();
  }
  CheckErrno(env, "KVM_SET_USER_MEMORY_REGION", ioctl(fd, KVM_SET_USER_MEMORY_REGION, &r));
  if (remove) {
    slots_.erase(r.slot);
  } else {
    slots_[r.slot] = Napi::Persistent(mem);
  }
}

// getDirtyLog(slot, bitmap: Uint8Array) — one bit per page of the slot, in 64-bit words.
void Vm::GetDirtyLog(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_GET_DIRTY_LOG");
  kvm_dirty_log log = {};
  log.slot = info[0].As<Napi::Number>().Uint32Value();
  Napi::Uint8Array bitmap = info[1].As<Napi::Uint8Array>();
  log.dirty_bitmap = bitmap.Data();
  CheckErrno(info.Env(), "KVM_GET_DIRTY_LOG", ioctl(fd, KVM_GET_DIRTY_LOG, &log));
}

void Vm::CreateIrqchip(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_CREATE_IRQCHIP");
  CheckErrno(info.Env(), "KVM_CREATE_IRQCHIP", ioctl(fd, KVM_CREATE_IRQCHIP, 0));
}

// createPit2(flags = 0): KVM_PIT_SPEAKER_DUMMY makes port 0x61 the kernel's too.
void Vm::CreatePit2(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_CREATE_PIT2");
  kvm_pit_config cfg = {};
  cfg.flags = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
  CheckErrno(info.Env(), "KVM_CREATE_PIT2", ioctl(fd, KVM_CREATE_PIT2, &cfg));
}

// reinjectControl(pitReinject): whether the in-kernel PIT delivers the ticks the guest missed
// (KVM_REINJECT_CONTROL; on by default, off for kvm-pit's lost_tick_policy=discard).
void Vm::ReinjectControl(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_REINJECT_CONTROL");
  kvm_reinject_control ctl = {};
  ctl.pit_reinject = info[0].ToBoolean().Value() ? 1 : 0;
  CheckErrno(info.Env(), "KVM_REINJECT_CONTROL", ioctl(fd, KVM_REINJECT_CONTROL, &ctl));
}

// irqLine(gsi, level): drive an input of the in-kernel PIC/IOAPIC.
void Vm::IrqLine(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_IRQ_LINE");
  kvm_irq_level lvl = {};
  lvl.irq = info[0].As<Napi::Number>().Uint32Value();
  lvl.level = info[1].ToBoolean().Value() ? 1 : 0;
  CheckErrno(info.Env(), "KVM_IRQ_LINE", ioctl(fd, KVM_IRQ_LINE, &lvl));
}

// enableCap(cap, args = []): e.g. KVM_CAP_SPLIT_IRQCHIP with [24].
void Vm::EnableCap(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_ENABLE_CAP");
  kvm_enable_cap cap = {};
  cap.cap = info[0].As<Napi::Number>().Uint32Value();
  if (info.Length() > 1 && info[1].IsArray()) {
    Napi::Array args = info[1].As<Napi::Array>();
    for (uint32_t k = 0; k < args.Length() && k < 4; k++) {
      cap.args[k] = static_cast<uint64_t>(args.Get(k).As<Napi::Number>().Int64Value());
    }
  }
  CheckErrno(info.Env(), "KVM_ENABLE_CAP", ioctl(fd, KVM_ENABLE_CAP, &cap));
}

// signalMsi(addressLo, addressHi, data): deliver one MSI through the in-kernel local APICs.
// Returns the kernel's answer: > 0 delivered, 0 blocked by the guest (masked or no destination).
Napi::Value Vm::SignalMsi(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_SIGNAL_MSI");
  kvm_msi msi = {};
  msi.address_lo = info[0].As<Napi::Number>().Uint32Value();
  msi.address_hi = info[1].As<Napi::Number>().Uint32Value();
  msi.data = info[2].As<Napi::Number>().Uint32Value();
  return Napi::Number::New(env, CheckErrno(env, "KVM_SIGNAL_MSI", ioctl(fd, KVM_SIGNAL_MSI, &msi)));
}

// setGsiRouting(entries: Uint32Array): replaces the whole GSI routing table; 6 words an entry
// (see qomd_kvm_set_gsi_routing in kvm-flex.h).
void Vm::SetGsiRouting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_SET_GSI_ROUTING");
  Napi::Uint32Array words = info[0].As<Napi::Uint32Array>();
  CheckErrno(env, "KVM_SET_GSI_ROUTING", qomd_kvm_set_gsi_routing(fd, words.Data(), uint32_t(words.ElementLength() / 6)));
}


// getIrqchip(chipId, buf): one in-kernel chip's state (KVM_IRQCHIP_PIC_MASTER/SLAVE/IOAPIC); buf
// receives the `chip` union (layout.irqchip gives the pic and ioapic members' offsets in it).
void Vm::GetIrqchip(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_GET_IRQCHIP");
  kvm_irqchip chip = {};
  chip.chip_id = info[0].As<Napi::Number>().Uint32Value();
  uint8_t* dst = StructArg(info, 1, sizeof chip.chip, "KVM_GET_IRQCHIP");
  CheckErrno(info.Env(), "KVM_GET_IRQCHIP", ioctl(fd, KVM_GET_IRQCHIP, &chip));
  std::memcpy(dst, &chip.chip, sizeof chip.chip);
}

void Vm::SetIrqchip(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_SET_IRQCHIP");
  kvm_irqchip chip = {};
  chip.chip_id = info[0].As<Napi::Number>().Uint32Value();
  const uint8_t* src = StructArg(info, 1, sizeof chip.chip, "KVM_SET_IRQCHIP");
  std::memcpy(&chip.chip, src, sizeof chip.chip);
  CheckErrno(info.Env(), "KVM_SET_IRQCHIP", ioctl(fd, KVM_SET_IRQCHIP, &chip));
}

#define VM_STRUCT_METHODS(Name, T, GetReq, SetReq)                                   \
  void Vm::Get##Name(const Napi::CallbackInfo& info) {                             \
    GetStructInto<T>(info, LiveFd(info.Env(), #GetReq), GetReq, #GetReq);          \
  }                                                                                \
  void Vm::Set##Name(const Napi::CallbackInfo& info) {                             \
    SetStructFrom<T>(info, LiveFd(info.Env(), #SetReq), SetReq, #SetReq);          \
  }
VM_STRUCT_METHODS(Pit2, kvm_pit_state2, KVM_GET_PIT2, KVM_SET_PIT2)
VM_STRUCT_METHODS(Clock, kvm_clock_data, KVM_GET_CLOCK, KVM_SET_CLOCK)
#undef VM_STRUCT_METHODS

// Closes the VM descriptor. The kernel keeps the VM while vCPU descriptors are open, so the
// memory references stay until this object is collected.
void Vm::Close(const Napi::CallbackInfo&) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace qomd_kvm
