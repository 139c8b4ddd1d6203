#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "errors.h"
#include "kvm-flex.h"
#include "kvm-objects.h"

namespace qomd_kvm {

Napi::Function Kvm::Init(Napi::Env env) {
  return DefineClass(env, "Kvm",
                     {
                         InstanceMethod<&Kvm::ApiVersion>("apiVersion"),
                         InstanceMethod<&Kvm::CheckExtension>("checkExtension"),
                         InstanceMethod<&Kvm::VcpuMmapSize>("vcpuMmapSize"),
                         InstanceMethod<&Kvm::SupportedCpuid>("supportedCpuid"),
                         InstanceMethod<&Kvm::MsrFeatureIndexList>("msrFeatureIndexList"),
                         InstanceMethod<&Kvm::GetMsrs>("getMsrs"),
                         InstanceMethod<&Kvm::XcompGuestSupp>("xcompGuestSupp"),
                         InstanceMethod<&Kvm::Close>("close"),
                     });
}

// new Kvm(path = "/dev/kvm")
Kvm::Kvm(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Kvm>(info) {
  std::string path = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value()
                                                              : std::string("/dev/kvm");
  fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) ThrowErrno(info.Env(), "open", errno);
}

Kvm::~Kvm() {
  if (fd_ >= 0) close(fd_);
}

int Kvm::LiveFd(Napi::Env env, const char* op) const {
  if (fd_ < 0) ThrowErrno(env, op, EBADF);
  return fd_;
}

Napi::Value Kvm::ApiVersion(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_GET_API_VERSION");
  return Napi::Number::New(info.Env(), CheckErrno(info.Env(), "KVM_GET_API_VERSION", ioctl(fd, KVM_GET_API_VERSION, 0)));
}

Napi::Value Kvm::CheckExtension(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_CHECK_EXTENSION");
  long cap = info[0].As<Napi::Number>().Int64Value();
  return Napi::Number::New(info.Env(), CheckErrno(info.Env(), "KVM_CHECK_EXTENSION", ioctl(fd, KVM_CHECK_EXTENSION, cap)));
}

Napi::Value Kvm::VcpuMmapSize(const Napi::CallbackInfo& info) {
  int fd = LiveFd(info.Env(), "KVM_GET_VCPU_MMAP_SIZE");
  return Napi::Number::New(info.Env(), CheckErrno(info.Env(), "KVM_GET_VCPU_MMAP_SIZE", ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0)));
}

// supportedCpuid(): Uint32Array of entries, 7 words each: function, index, flags, eax, ebx, ecx, edx.
Napi::Value Kvm::SupportedCpuid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_GET_SUPPORTED_CPUID");
  for (uint32_t n = 64;; n *= 2) {
    std::vector<uint32_t> words(size_t(n) * 7);
    uint32_t count = 0;
    if (qomd_kvm_get_supported_cpuid(fd, words.data(), n, &count) < 0) {
      if (errno == E2BIG && n < 65536) continue;  // more entries than we offered room for
      ThrowErrno(env, "KVM_GET_SUPPORTED_CPUID", errno);
    }
    Napi::Uint32Array out = Napi::Uint32Array::New(env, size_t(count) * 7);
    std::copy(words.begin(), words.begin() + size_t(count) * 7, out.Data());
    return out;
  }
}

// msrFeatureIndexList(): Uint32Array of the feature MSRs KVM reports (KVM_GET_MSR_FEATURE_INDEX_LIST).
Napi::Value Kvm::MsrFeatureIndexList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_GET_MSR_FEATURE_INDEX_LIST");
  uint32_t room = 64;
  for (int tries = 0;; tries++) {
    std::vector<uint32_t> indices(room);
    uint32_t count = 0;
    if (qomd_kvm_get_msr_feature_index_list(fd, indices.data(), room, &count) < 0) {
      if (errno == E2BIG && tries < 4 && count > room) {
        room = count;  // the kernel told us how many it has
        continue;
      }
      ThrowErrno(env, "KVM_GET_MSR_FEATURE_INDEX_LIST", errno);
    }
    Napi::Uint32Array out = Napi::Uint32Array::New(env, count);
    std::copy(indices.begin(), indices.begin() + count, out.Data());
    return out;
  }
}

// getMsrs(indices, values): KVM_GET_MSRS on /dev/kvm, which reads feature MSRs; number read.
Napi::Value Kvm::GetMsrs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_GET_MSRS");
  Napi::Uint32Array indices = info[0].As<Napi::Uint32Array>();
  Napi::BigUint64Array values = info[1].As<Napi::BigUint64Array>();
  if (values.ElementLength() < indices.ElementLength()) throw Napi::RangeError::New(env, "KVM_GET_MSRS: fewer values than indices");
  int n = qomd_kvm_get_msrs(fd, indices.Data(), values.Data(), uint32_t(indices.ElementLength()));
  return Napi::Number::New(env, CheckErrno(env, "KVM_GET_MSRS", n));
}

// xcompGuestSupp(): the XSAVE components a guest may use (KVM_GET_DEVICE_ATTR group 0,
// KVM_X86_XCOMP_GUEST_SUPP), including those the host enables on request, which
// KVM_GET_SUPPORTED_CPUID leaves out.
Napi::Value Kvm::XcompGuestSupp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = LiveFd(env, "KVM_GET_DEVICE_ATTR");
  uint64_t mask = 0;
  struct kvm_device_attr attr = {};
  attr.group = 0;
  attr.attr = KVM_X86_XCOMP_GUEST_SUPP;
  attr.addr = reinterpret_cast<uint64_t>(&mask);
  CheckErrno(env, "KVM_GET_DEVICE_ATTR", ioctl(fd, KVM_GET_DEVICE_ATTR, &attr));
  return Napi::BigInt::New(env, mask);
}

void Kvm::Close(const Napi::CallbackInfo&) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace qomd_kvm
