# The KVM addon for qomd (src/accel/kvm). Built by node-gyp at `npm install`:
#   node-gyp rebuild --directory src/accel/kvm/native
# and loaded from build/Release/qomd_kvm.node by src/accel/kvm/kvm-addon.ts.
# Linux only: on other hosts the target is empty and the build is skipped.
# NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: when a worker thread is terminated during a call (a
# machine stopped while its vCPU was in KVM_RUN), JavaScript can no longer run and node-addon-api
# would otherwise turn the error it cannot throw into std::terminate, ending the whole daemon.
{
  "targets": [
    {
      "target_name": "qomd_kvm",
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "addon.cc",
            "errors.cc",
            "kick.cc",
            "layout.cc",
            "kvm-flex.c",
            "kvm-system.cc",
            "kvm-vm.cc",
            "kvm-vcpu.cc"
          ]
        }]
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-missing-field-initializers"]
    }
  ]
}
