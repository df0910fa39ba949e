// Internal to machine/cpu/: RDMSR/WRMSR (msr.cpp). The architectural MSRs live in CpuState;
// those that are storage only for Kiln (MTRRs, PAT, APIC base until the APIC exists, ...) live
// in `storage`. An MSR Kiln does not model raises #GP(0), as on hardware.
#pragma once

#include <cstdint>
#include <map>

#include "machine/cpu/system_ops.h"

namespace kiln::machine {

bool ReadMsr(SystemOps& o, std::map<uint32_t, uint64_t>& storage, uint32_t index, uint64_t& value);
bool WriteMsr(SystemOps& o, std::map<uint32_t, uint64_t>& storage, uint32_t index, uint64_t value);

}  // namespace kiln::machine
