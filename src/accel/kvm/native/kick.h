// Kicking a vCPU: making a KVM_RUN that is running (or about to run) in some thread return.
//
// The kicker sets kvm_run.immediate_exit (so a KVM_RUN not yet entered returns at once with
// EINTR) and sends the vCPU's thread a real-time signal whose handler does nothing but is
// installed without SA_RESTART (so a KVM_RUN already running returns with EINTR). Node owns
// SIGUSR1 (the inspector), which is why this is not QEMU's SIG_IPI.
//
// Kicks come from any thread of the process (another worker, the main thread), so they go
// through a process-wide table keyed by a small integer token that JavaScript can post to
// other workers.
#pragma once

#include <linux/kvm.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace qomd_kvm {

// The kvm_run area of one vCPU; unmapped when its last owner (the vCPU, the ArrayBuffer handed
// to JavaScript, a kick in progress) lets go of it.
struct RunMapping {
  RunMapping(void* a, size_t s) : addr(a), size(s) {}
  ~RunMapping();
  RunMapping(const RunMapping&) = delete;
  RunMapping& operator=(const RunMapping&) = delete;
  kvm_run* run() const { return static_cast<kvm_run*>(addr); }
  void* const addr;
  const size_t size;
};

struct VcpuRecord {
  explicit VcpuRecord(std::shared_ptr<RunMapping> r) : run(std::move(r)) {}
  std::shared_ptr<RunMapping> run;
  // Kernel thread id of the thread that last entered KVM_RUN (0: never ran). A kernel tid rather
  // than a pthread_t, so that kicking a vCPU whose thread has gone is an ESRCH, not undefined.
  std::atomic<pid_t> tid{0};
};

int KickSignal();
// Installs the no-op handler (once per process).
void InstallKickHandler();
// Makes sure the kick signal is not blocked in the calling thread (once per thread).
void PrepareVcpuThread();

uint32_t RegisterVcpu(std::shared_ptr<VcpuRecord> rec);
void UnregisterVcpu(uint32_t token);
// False when the token names no live vCPU.
bool KickVcpu(uint32_t token);

}  // namespace qomd_kvm
