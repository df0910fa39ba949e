// 8259A programmable interrupt controller: ports on a PC and command bits (Intel 8259A datasheet,
// "Initialization Command Words" and "Operation Command Words"; ELCR from the PIIX/PIIX3 datasheet).
#pragma once

#include <cstdint>

namespace kiln::devices::pic {

inline constexpr uint16_t kMasterCommand = 0x20;  ///< A0 = 0: ICW1, OCW2, OCW3; reads IRR/ISR
inline constexpr uint16_t kMasterData = 0x21;     ///< A0 = 1: ICW2-4, OCW1 (IMR)
inline constexpr uint16_t kSlaveCommand = 0xa0;
inline constexpr uint16_t kSlaveData = 0xa1;
inline constexpr uint16_t kElcrMaster = 0x4d0;  ///< edge/level control, IRQ 0-7 (1 = level)
inline constexpr uint16_t kElcrSlave = 0x4d1;   ///< IRQ 8-15
/// IRQs that are always edge-triggered on a PC (PIIX3): 0, 1, 2 on the master, 8 and 13 on the slave.
inline constexpr uint8_t kElcrMasterMask = 0xf8;
inline constexpr uint8_t kElcrSlaveMask = 0xde;
inline constexpr unsigned kCascadeIrq = 2;  ///< the master input the slave's INT drives

// ICW1 (A0 = 0, bit 4 set)
inline constexpr uint8_t kIcw1Init = 0x10;
inline constexpr uint8_t kIcw1Ic4 = 0x01;     ///< ICW4 follows
inline constexpr uint8_t kIcw1Single = 0x02;  ///< no ICW3 (no cascade)
inline constexpr uint8_t kIcw1Ltim = 0x08;    ///< level-triggered mode for all of the chip's inputs
// ICW4
inline constexpr uint8_t kIcw4Aeoi = 0x02;  ///< automatic end of interrupt
inline constexpr uint8_t kIcw4Sfnm = 0x10;  ///< special fully nested mode
// OCW3 (A0 = 0, bit 3 set, bit 4 clear)
inline constexpr uint8_t kOcw3Select = 0x08;
inline constexpr uint8_t kOcw3ReadRegister = 0x02;  ///< with bit 0: 0 = IRR, 1 = ISR
inline constexpr uint8_t kOcw3ReadIsr = 0x01;
inline constexpr uint8_t kOcw3Poll = 0x04;
inline constexpr uint8_t kOcw3SetSpecialMask = 0x40;  ///< with bit 5: special mask mode on/off
inline constexpr uint8_t kOcw3SpecialMask = 0x20;
// OCW2 (A0 = 0, bits 3 and 4 clear): bits 7-5 select the command, bits 2-0 the level.
enum class Ocw2 : uint8_t {
  kRotateInAeoiClear = 0,  ///< 000
  kNonSpecificEoi = 1,     ///< 001
  kNop = 2,                ///< 010
  kSpecificEoi = 3,        ///< 011
  kRotateInAeoiSet = 4,    ///< 100
  kRotateOnEoi = 5,        ///< 101: non-specific EOI, then the serviced level becomes lowest
  kSetPriority = 6,        ///< 110: the given level becomes lowest
  kRotateOnSpecificEoi = 7 ///< 111
};

}  // namespace kiln::devices::pic
