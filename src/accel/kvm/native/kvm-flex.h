/*
 * The ioctls whose structures end in a flexible array (kvm_cpuid2, kvm_msrs, kvm_xsave). The uapi headers of
 * this generation declare those arrays with __DECLARE_FLEX_ARRAY, which gives them a different
 * offset when compiled as C++ (the empty struct inside takes a byte), so the structures are
 * built here, in C, where their layout is the kernel's.
 * Each returns the ioctl's result (negative with errno set on failure).
 */
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* KVM_GET_SUPPORTED_CPUID into `words` (7 per entry: function index flags eax ebx ecx edx),
 * at most `max` entries; *count gets the number of entries. */
int qomd_kvm_get_supported_cpuid(int kvm_fd, uint32_t* words, uint32_t max, uint32_t* count);
/* KVM_SET_CPUID2 from `count` entries in the same 7-word form. */
int qomd_kvm_set_cpuid2(int vcpu_fd, const uint32_t* words, uint32_t count);
/* KVM_GET_MSRS / KVM_SET_MSRS for `count` MSRs; the result is the number processed. */
int qomd_kvm_get_msrs(int vcpu_fd, const uint32_t* indices, uint64_t* values, uint32_t count);
int qomd_kvm_set_msrs(int vcpu_fd, const uint32_t* indices, const uint64_t* values, uint32_t count);
/* KVM_GET_MSR_FEATURE_INDEX_LIST on the /dev/kvm descriptor: at most `max` indices; *count gets
 * the number the kernel has (also on E2BIG, so the caller can retry with room enough). */
int qomd_kvm_get_msr_feature_index_list(int kvm_fd, uint32_t* indices, uint32_t max, uint32_t* count);

/* KVM_SET_GSI_ROUTING from `count` entries of 6 words: gsi, type, then for KVM_IRQ_ROUTING_IRQCHIP
 * irqchip, pin (2 words unused) and for KVM_IRQ_ROUTING_MSI address_lo, address_hi, data, devid. */
int qomd_kvm_set_gsi_routing(int vm_fd, const uint32_t* words, uint32_t count);

/* sizeof(struct kvm_xsave) as C sees it, and KVM_GET_XSAVE / KVM_SET_XSAVE on a buffer of that size. */
unsigned long qomd_kvm_xsave_size(void);
int qomd_kvm_get_xsave(int vcpu_fd, void* buf);
int qomd_kvm_set_xsave(int vcpu_fd, const void* buf);

#ifdef __cplusplus
}
#endif
