#include "kick.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>

namespace qomd_kvm {

RunMapping::~RunMapping() { munmap(addr, size); }

namespace {

void OnKickSignal(int) {
  // Nothing to do: being delivered is the point (KVM_RUN returns EINTR).
}

std::mutex g_table_mutex;
std::unordered_map<uint32_t, std::shared_ptr<VcpuRecord>> g_table;
uint32_t g_next_token = 1;

}  // namespace

int KickSignal() { return SIGRTMIN + 4; }

void InstallKickHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa = {};
    sa.sa_handler = OnKickSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: the interrupted KVM_RUN must return
    sigaction(KickSignal(), &sa, nullptr);
  });
}

void PrepareVcpuThread() {
  static thread_local bool done = false;
  if (done) return;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, KickSignal());
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  done = true;
}

uint32_t RegisterVcpu(std::shared_ptr<VcpuRecord> rec) {
  std::lock_guard<std::mutex> lock(g_table_mutex);
  uint32_t token = g_next_token++;
  g_table.emplace(token, std::move(rec));
  return token;
}

void UnregisterVcpu(uint32_t token) {
  std::shared_ptr<VcpuRecord> rec;  // released outside the lock
  std::lock_guard<std::mutex> lock(g_table_mutex);
  auto it = g_table.find(token);
  if (it == g_table.end()) return;
  rec = std::move(it->second);
  g_table.erase(it);
}

bool KickVcpu(uint32_t token) {
  std::shared_ptr<VcpuRecord> rec;
  {
    std::lock_guard<std::mutex> lock(g_table_mutex);
    auto it = g_table.find(token);
    if (it == g_table.end()) return false;
    rec = it->second;
  }
  __atomic_store_n(&rec->run->run()->immediate_exit, 1, __ATOMIC_SEQ_CST);
  pid_t tid = rec->tid.load();
  if (tid != 0) syscall(SYS_tgkill, getpid(), tid, KickSignal());
  return true;
}

}  // namespace qomd_kvm
