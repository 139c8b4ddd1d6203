#include "layout.h"

#include "kvm-flex.h"

#include <linux/kvm.h>

#include <cstddef>

namespace qomd_kvm {

namespace {

Napi::Array Field(Napi::Env env, size_t offset, size_t size) {
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(uint32_t(0), Napi::Number::New(env, double(offset)));
  a.Set(uint32_t(1), Napi::Number::New(env, double(size)));
  return a;
}

}  // namespace

// F(obj, struct, member): obj[name] = [offsetof, sizeof] where name is the member path's last part.
#define F(obj, st, path, name) \
  obj.Set(name, Field(env, offsetof(st, path), sizeof(((st*)nullptr)->path)))
#define SIZE(obj, st) obj.Set("size", Napi::Number::New(env, double(sizeof(st))))

Napi::Object BuildLayout(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);

  Napi::Object run = Napi::Object::New(env);
  SIZE(run, struct kvm_run);
  F(run, struct kvm_run, request_interrupt_window, "request_interrupt_window");
  F(run, struct kvm_run, immediate_exit, "immediate_exit");
  F(run, struct kvm_run, exit_reason, "exit_reason");
  F(run, struct kvm_run, ready_for_interrupt_injection, "ready_for_interrupt_injection");
  F(run, struct kvm_run, if_flag, "if_flag");
  F(run, struct kvm_run, flags, "flags");
  F(run, struct kvm_run, cr8, "cr8");
  F(run, struct kvm_run, apic_base, "apic_base");
  Napi::Object io = Napi::Object::New(env);
  F(io, struct kvm_run, io.direction, "direction");
  F(io, struct kvm_run, io.size, "size");
  F(io, struct kvm_run, io.port, "port");
  F(io, struct kvm_run, io.count, "count");
  F(io, struct kvm_run, io.data_offset, "data_offset");
  run.Set("io", io);
  Napi::Object mmio = Napi::Object::New(env);
  F(mmio, struct kvm_run, mmio.phys_addr, "phys_addr");
  F(mmio, struct kvm_run, mmio.data, "data");
  F(mmio, struct kvm_run, mmio.len, "len");
  F(mmio, struct kvm_run, mmio.is_write, "is_write");
  run.Set("mmio", mmio);
  Napi::Object internal = Napi::Object::New(env);
  F(internal, struct kvm_run, internal.suberror, "suberror");
  F(internal, struct kvm_run, internal.ndata, "ndata");
  F(internal, struct kvm_run, internal.data, "data");
  run.Set("internal", internal);
  Napi::Object fail = Napi::Object::New(env);
  F(fail, struct kvm_run, fail_entry.hardware_entry_failure_reason, "hardware_entry_failure_reason");
  F(fail, struct kvm_run, fail_entry.cpu, "cpu");
  run.Set("fail_entry", fail);
  Napi::Object hw = Napi::Object::New(env);
  F(hw, struct kvm_run, hw.hardware_exit_reason, "hardware_exit_reason");
  run.Set("hw", hw);
  Napi::Object ex = Napi::Object::New(env);
  F(ex, struct kvm_run, ex.exception, "exception");
  F(ex, struct kvm_run, ex.error_code, "error_code");
  run.Set("ex", ex);
  Napi::Object sys = Napi::Object::New(env);
  F(sys, struct kvm_run, system_event.type, "type");
  F(sys, struct kvm_run, system_event.ndata, "ndata");
  F(sys, struct kvm_run, system_event.data, "data");
  run.Set("system_event", sys);
  Napi::Object eoi = Napi::Object::New(env);
  F(eoi, struct kvm_run, eoi.vector, "vector");
  run.Set("eoi", eoi);
  out.Set("run", run);

  Napi::Object regs = Napi::Object::New(env);
  SIZE(regs, struct kvm_regs);
#define R(n) F(regs, struct kvm_regs, n, #n)
  R(rax); R(rbx); R(rcx); R(rdx); R(rsi); R(rdi); R(rsp); R(rbp);
  R(r8); R(r9); R(r10); R(r11); R(r12); R(r13); R(r14); R(r15);
  R(rip); R(rflags);
#undef R
  out.Set("regs", regs);

  Napi::Object seg = Napi::Object::New(env);
  SIZE(seg, struct kvm_segment);
#define S(n) F(seg, struct kvm_segment, n, #n)
  S(base); S(limit); S(selector); S(type); S(present); S(dpl); S(db); S(s); S(l); S(g); S(avl);
  S(unusable);
#undef S
  out.Set("segment", seg);

  Napi::Object dt = Napi::Object::New(env);
  SIZE(dt, struct kvm_dtable);
  F(dt, struct kvm_dtable, base, "base");
  F(dt, struct kvm_dtable, limit, "limit");
  out.Set("dtable", dt);

  Napi::Object sregs = Napi::Object::New(env);
  SIZE(sregs, struct kvm_sregs);
#define SR(n) F(sregs, struct kvm_sregs, n, #n)
  SR(cs); SR(ds); SR(es); SR(fs); SR(gs); SR(ss); SR(tr); SR(ldt); SR(gdt); SR(idt);
  SR(cr0); SR(cr2); SR(cr3); SR(cr4); SR(cr8); SR(efer); SR(apic_base); SR(interrupt_bitmap);
#undef SR
  out.Set("sregs", sregs);

  Napi::Object fpu = Napi::Object::New(env);
  SIZE(fpu, struct kvm_fpu);
#define FP(n) F(fpu, struct kvm_fpu, n, #n)
  FP(fpr); FP(fcw); FP(fsw); FP(ftwx); FP(last_opcode); FP(last_ip); FP(last_dp); FP(xmm); FP(mxcsr);
#undef FP
  out.Set("fpu", fpu);

  Napi::Object mp = Napi::Object::New(env);
  SIZE(mp, struct kvm_mp_state);
  F(mp, struct kvm_mp_state, mp_state, "mp_state");
  out.Set("mpState", mp);

  Napi::Object ev = Napi::Object::New(env);
  SIZE(ev, struct kvm_vcpu_events);
  F(ev, struct kvm_vcpu_events, exception.injected, "exception.injected");
  F(ev, struct kvm_vcpu_events, exception.nr, "exception.nr");
  F(ev, struct kvm_vcpu_events, exception.has_error_code, "exception.has_error_code");
  F(ev, struct kvm_vcpu_events, exception.error_code, "exception.error_code");
  F(ev, struct kvm_vcpu_events, interrupt.injected, "interrupt.injected");
  F(ev, struct kvm_vcpu_events, interrupt.nr, "interrupt.nr");
  F(ev, struct kvm_vcpu_events, interrupt.shadow, "interrupt.shadow");
  F(ev, struct kvm_vcpu_events, nmi.injected, "nmi.injected");
  F(ev, struct kvm_vcpu_events, nmi.pending, "nmi.pending");
  F(ev, struct kvm_vcpu_events, nmi.masked, "nmi.masked");
  F(ev, struct kvm_vcpu_events, sipi_vector, "sipi_vector");
  F(ev, struct kvm_vcpu_events, flags, "flags");
  out.Set("vcpuEvents", ev);

  Napi::Object dbg = Napi::Object::New(env);
  SIZE(dbg, struct kvm_debugregs);
  F(dbg, struct kvm_debugregs, db, "db");
  F(dbg, struct kvm_debugregs, dr6, "dr6");
  F(dbg, struct kvm_debugregs, dr7, "dr7");
  F(dbg, struct kvm_debugregs, flags, "flags");
  out.Set("debugRegs", dbg);

  // The first 4 KiB of the XSAVE area; its first 512 bytes are in FXSAVE format.
  Napi::Object xs = Napi::Object::New(env);
  xs.Set("size", Napi::Number::New(env, double(qomd_kvm_xsave_size())));  // C's size (kvm-flex.h)
  F(xs, struct kvm_xsave, region, "region");
  out.Set("xsave", xs);

  // KVM_GET_IRQCHIP's union: offsets are relative to kvm_irqchip.chip.
  Napi::Object irqchip = Napi::Object::New(env);
  irqchip.Set("size", Napi::Number::New(env, double(sizeof(((struct kvm_irqchip*)nullptr)->chip))));
  Napi::Object pic = Napi::Object::New(env);
  SIZE(pic, struct kvm_pic_state);
#define P(n) F(pic, struct kvm_pic_state, n, #n)
  P(last_irr); P(irr); P(imr); P(isr); P(priority_add); P(irq_base); P(read_reg_select); P(poll);
  P(special_mask); P(init_state); P(auto_eoi); P(rotate_on_auto_eoi); P(special_fully_nested_mode);
  P(init4); P(elcr); P(elcr_mask);
#undef P
  irqchip.Set("pic", pic);
  Napi::Object ioapic = Napi::Object::New(env);
  SIZE(ioapic, struct kvm_ioapic_state);
  F(ioapic, struct kvm_ioapic_state, base_address, "base_address");
  F(ioapic, struct kvm_ioapic_state, ioregsel, "ioregsel");
  F(ioapic, struct kvm_ioapic_state, id, "id");
  F(ioapic, struct kvm_ioapic_state, irr, "irr");
  F(ioapic, struct kvm_ioapic_state, redirtbl, "redirtbl");
  irqchip.Set("ioapic", ioapic);
  out.Set("irqchip", irqchip);

  Napi::Object pitch = Napi::Object::New(env);
  SIZE(pitch, struct kvm_pit_channel_state);
#define PC(n) F(pitch, struct kvm_pit_channel_state, n, #n)
  PC(count); PC(latched_count); PC(count_latched); PC(status_latched); PC(status); PC(read_state);
  PC(write_state); PC(write_latch); PC(rw_mode); PC(mode); PC(bcd); PC(gate); PC(count_load_time);
#undef PC
  out.Set("pitChannel", pitch);
  Napi::Object pit2 = Napi::Object::New(env);
  SIZE(pit2, struct kvm_pit_state2);
  F(pit2, struct kvm_pit_state2, channels, "channels");
  F(pit2, struct kvm_pit_state2, flags, "flags");
  out.Set("pit2", pit2);

  Napi::Object clock = Napi::Object::New(env);
  SIZE(clock, struct kvm_clock_data);
  F(clock, struct kvm_clock_data, clock, "clock");
  F(clock, struct kvm_clock_data, flags, "flags");
  F(clock, struct kvm_clock_data, realtime, "realtime");
  F(clock, struct kvm_clock_data, host_tsc, "host_tsc");
  out.Set("clock", clock);

  Napi::Object lapic = Napi::Object::New(env);
  SIZE(lapic, struct kvm_lapic_state);
  F(lapic, struct kvm_lapic_state, regs, "regs");
  out.Set("lapic", lapic);
  return out;
}

#undef F
#undef SIZE

Napi::Object BuildConstants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define K(n) c.Set(#n, Napi::Number::New(env, double(n)))
  K(KVM_API_VERSION);
  K(KVM_EXIT_UNKNOWN); K(KVM_EXIT_EXCEPTION); K(KVM_EXIT_IO); K(KVM_EXIT_HYPERCALL);
  K(KVM_EXIT_DEBUG); K(KVM_EXIT_HLT); K(KVM_EXIT_MMIO); K(KVM_EXIT_IRQ_WINDOW_OPEN);
  K(KVM_EXIT_SHUTDOWN); K(KVM_EXIT_FAIL_ENTRY); K(KVM_EXIT_INTR); K(KVM_EXIT_SET_TPR);
  K(KVM_EXIT_TPR_ACCESS); K(KVM_EXIT_NMI); K(KVM_EXIT_INTERNAL_ERROR); K(KVM_EXIT_SYSTEM_EVENT);
  K(KVM_EXIT_IOAPIC_EOI); K(KVM_EXIT_X86_RDMSR); K(KVM_EXIT_X86_WRMSR);
  K(KVM_EXIT_IO_IN); K(KVM_EXIT_IO_OUT);
  K(KVM_INTERNAL_ERROR_EMULATION); K(KVM_INTERNAL_ERROR_SIMUL_EX); K(KVM_INTERNAL_ERROR_DELIVERY_EV);
  K(KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
  K(KVM_SYSTEM_EVENT_SHUTDOWN); K(KVM_SYSTEM_EVENT_RESET); K(KVM_SYSTEM_EVENT_CRASH);
  K(KVM_MEM_LOG_DIRTY_PAGES); K(KVM_MEM_READONLY);
  K(KVM_MP_STATE_RUNNABLE); K(KVM_MP_STATE_UNINITIALIZED); K(KVM_MP_STATE_INIT_RECEIVED);
  K(KVM_MP_STATE_HALTED); K(KVM_MP_STATE_SIPI_RECEIVED);
  K(KVM_CAP_IRQCHIP); K(KVM_CAP_HLT); K(KVM_CAP_USER_MEMORY); K(KVM_CAP_SET_TSS_ADDR);
  K(KVM_CAP_EXT_CPUID); K(KVM_CAP_NR_VCPUS); K(KVM_CAP_NR_MEMSLOTS); K(KVM_CAP_PIT2);
  K(KVM_CAP_MAX_VCPUS); K(KVM_CAP_IMMEDIATE_EXIT); K(KVM_CAP_READONLY_MEM);
  K(KVM_CAP_SPLIT_IRQCHIP); K(KVM_CAP_VCPU_EVENTS); K(KVM_CAP_MP_STATE); K(KVM_CAP_SET_IDENTITY_MAP_ADDR);
  K(KVM_CAP_IRQ_INJECT_STATUS); K(KVM_CAP_ADJUST_CLOCK); K(KVM_CAP_TSC_DEADLINE_TIMER);
  K(KVM_CAP_X2APIC_API); K(KVM_CAP_GET_TSC_KHZ); K(KVM_CAP_COALESCED_MMIO); K(KVM_CAP_IOEVENTFD);
  K(KVM_CAP_IRQFD); K(KVM_CAP_SYNC_MMU); K(KVM_CAP_XSAVE); K(KVM_CAP_XCRS);
  K(KVM_CAP_DESTROY_MEMORY_REGION_WORKS); K(KVM_CAP_JOIN_MEMORY_REGIONS_WORKS); K(KVM_CAP_SYS_ATTRIBUTES);
  K(KVM_CAP_GET_MSR_FEATURES); K(KVM_CAP_X86_SMM);
  K(KVM_IRQCHIP_PIC_MASTER); K(KVM_IRQCHIP_PIC_SLAVE); K(KVM_IRQCHIP_IOAPIC);
  K(KVM_PIT_SPEAKER_DUMMY); K(KVM_PIT_FLAGS_HPET_LEGACY); K(KVM_CAP_REINJECT_CONTROL);
  K(KVM_IRQ_ROUTING_IRQCHIP); K(KVM_IRQ_ROUTING_MSI);
  K(KVM_CAP_SIGNAL_MSI); K(KVM_CAP_IRQ_ROUTING); K(KVM_CAP_PIT_STATE2);
  K(KVM_CAP_KVMCLOCK_CTRL); K(KVM_CAP_TSC_CONTROL);
  K(KVM_CLOCK_TSC_STABLE); K(KVM_CLOCK_REALTIME); K(KVM_CLOCK_HOST_TSC);
  K(KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
  K(KVM_NR_INTERRUPTS);
  K(KVM_VCPUEVENT_VALID_NMI_PENDING); K(KVM_VCPUEVENT_VALID_SIPI_VECTOR); K(KVM_VCPUEVENT_VALID_SHADOW);
  K(KVM_X86_SHADOW_INT_MOV_SS); K(KVM_X86_SHADOW_INT_STI);
#undef K
  return c;
}

}  // namespace qomd_kvm
