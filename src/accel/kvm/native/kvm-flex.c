#include "kvm-flex.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

int qomd_kvm_get_supported_cpuid(int kvm_fd, uint32_t* words, uint32_t max, uint32_t* count) {
  struct kvm_cpuid2* c = calloc(1, sizeof(*c) + max * sizeof(struct kvm_cpuid_entry2));
  if (c == NULL) return -1;
  c->nent = max;
  int r = ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
  if (r >= 0) {
    for (uint32_t k = 0; k < c->nent; k++) {
      const struct kvm_cpuid_entry2* e = &c->entries[k];
      uint32_t* w = words + k * 7;
      w[0] = e->function; w[1] = e->index; w[2] = e->flags;
      w[3] = e->eax; w[4] = e->ebx; w[5] = e->ecx; w[6] = e->edx;
    }
    *count = c->nent;
  }
  int err = errno;
  free(c);
  errno = err;
  return r;
}

int qomd_kvm_set_cpuid2(int vcpu_fd, const uint32_t* words, uint32_t count) {
  struct kvm_cpuid2* c = calloc(1, sizeof(*c) + count * sizeof(struct kvm_cpuid_entry2));
  if (c == NULL) return -1;
  c->nent = count;
  for (uint32_t k = 0; k < count; k++) {
    struct kvm_cpuid_entry2* e = &c->entries[k];
    const uint32_t* w = words + k * 7;
    e->function = w[0]; e->index = w[1]; e->flags = w[2];
    e->eax = w[3]; e->ebx = w[4]; e->ecx = w[5]; e->edx = w[6];
  }
  int r = ioctl(vcpu_fd, KVM_SET_CPUID2, c);
  int err = errno;
  free(c);
  errno = err;
  return r;
}

static struct kvm_msrs* msr_list(const uint32_t* indices, const uint64_t* values, uint32_t count) {
  struct kvm_msrs* m = calloc(1, sizeof(*m) + count * sizeof(struct kvm_msr_entry));
  if (m == NULL) return NULL;
  m->nmsrs = count;
  for (uint32_t k = 0; k < count; k++) {
    m->entries[k].index = indices[k];
    m->entries[k].data = values != NULL ? values[k] : 0;
  }
  return m;
}

int qomd_kvm_get_msrs(int vcpu_fd, const uint32_t* indices, uint64_t* values, uint32_t count) {
  struct kvm_msrs* m = msr_list(indices, NULL, count);
  if (m == NULL) return -1;
  int r = ioctl(vcpu_fd, KVM_GET_MSRS, m);
  for (int k = 0; k < r; k++) values[k] = m->entries[k].data;
  int err = errno;
  free(m);
  errno = err;
  return r;
}

int qomd_kvm_set_msrs(int vcpu_fd, const uint32_t* indices, const uint64_t* values, uint32_t count) {
  struct kvm_msrs* m = msr_list(indices, values, count);
  if (m == NULL) return -1;
  int r = ioctl(vcpu_fd, KVM_SET_MSRS, m);
  int err = errno;
  free(m);
  errno = err;
  return r;
}

int qomd_kvm_get_msr_feature_index_list(int kvm_fd, uint32_t* indices, uint32_t max, uint32_t* count) {
  struct kvm_msr_list* l = calloc(1, sizeof(*l) + max * sizeof(uint32_t));
  if (l == NULL) return -1;
  l->nmsrs = max;
  int r = ioctl(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, l);
  /* On E2BIG the kernel still writes the count it needs. */
  *count = l->nmsrs;
  if (r >= 0) {
    for (uint32_t k = 0; k < l->nmsrs && k < max; k++) indices[k] = l->indices[k];
  }
  int err = errno;
  free(l);
  errno = err;
  return r;
}

unsigned long qomd_kvm_xsave_size(void) { return sizeof(struct kvm_xsave); }

int qomd_kvm_get_xsave(int vcpu_fd, void* buf) { return ioctl(vcpu_fd, KVM_GET_XSAVE, buf); }

int qomd_kvm_set_xsave(int vcpu_fd, const void* buf) { return ioctl(vcpu_fd, KVM_SET_XSAVE, buf); }

int qomd_kvm_set_gsi_routing(int vm_fd, const uint32_t* words, uint32_t count) {
  struct kvm_irq_routing* r = calloc(1, sizeof(*r) + count * sizeof(struct kvm_irq_routing_entry));
  if (r == NULL) return -1;
  r->nr = count;
  for (uint32_t k = 0; k < count; k++) {
    struct kvm_irq_routing_entry* e = &r->entries[k];
    const uint32_t* w = words + k * 6;
    e->gsi = w[0];
    e->type = w[1];
    if (e->type == KVM_IRQ_ROUTING_MSI) {
      e->u.msi.address_lo = w[2];
      e->u.msi.address_hi = w[3];
      e->u.msi.data = w[4];
      e->u.msi.devid = w[5];
    } else {
      e->u.irqchip.irqchip = w[2];
      e->u.irqchip.pin = w[3];
    }
  }
  int ret = ioctl(vm_fd, KVM_SET_GSI_ROUTING, r);
  int err = errno;
  free(r);
  errno = err;
  return ret;
}
