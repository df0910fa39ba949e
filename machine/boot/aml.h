// A small ACPI Machine Language (AML) byte-code builder for the DSDT Kiln hands a directly booted
// kernel (ACPI 6.5, chapter 20 "ACPI Machine Language (AML) Specification" for the terms and
// opcodes; section 6.4 "Resource Data Types for ACPI" for the resource descriptors).
//
// Every function returns the encoded bytes of one AML term; larger terms are built by nesting
// (Device(name, {Name(...), Method(...)})). Only what Kiln's tables need is here: name strings,
// integers in their shortest encoding, strings, buffers, packages, Name/Scope/Device/Method,
// Return, EISAID and resource templates. Inputs come from Kiln's own code, never from a guest:
// a malformed name or an oversized object is a programming error and throws std::invalid_argument.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace kiln::machine::aml {

using Bytes = std::vector<uint8_t>;

// Opcodes and prefixes (ACPI 6.5 section 20.3).
inline constexpr uint8_t kZeroOp = 0x00;
inline constexpr uint8_t kOneOp = 0x01;
inline constexpr uint8_t kNameOp = 0x08;
inline constexpr uint8_t kBytePrefix = 0x0A;
inline constexpr uint8_t kWordPrefix = 0x0B;
inline constexpr uint8_t kDWordPrefix = 0x0C;
inline constexpr uint8_t kStringPrefix = 0x0D;
inline constexpr uint8_t kQWordPrefix = 0x0E;
inline constexpr uint8_t kScopeOp = 0x10;
inline constexpr uint8_t kBufferOp = 0x11;
inline constexpr uint8_t kPackageOp = 0x12;
inline constexpr uint8_t kMethodOp = 0x14;
inline constexpr uint8_t kDualNamePrefix = 0x2E;
inline constexpr uint8_t kMultiNamePrefix = 0x2F;
inline constexpr uint8_t kExtOpPrefix = 0x5B;
inline constexpr uint8_t kDeviceOp = 0x82;  ///< after kExtOpPrefix
inline constexpr uint8_t kRootChar = 0x5C;    ///< '\'
inline constexpr uint8_t kParentPrefix = 0x5E;  ///< '^'
inline constexpr uint8_t kReturnOp = 0xA4;
inline constexpr uint8_t kOnesOp = 0xFF;

/// The largest PkgLength value (28 bits: a lead nibble and three more bytes).
inline constexpr size_t kMaxPkgLength = (1u << 28) - 1;

/// The PkgLength encoding of a package whose contents after the PkgLength are `content_length`
/// bytes: the encoded value counts its own 1-4 bytes too (section 20.2.4).
Bytes PkgLength(size_t content_length);

/// A NameString: "_HID", "PCI0", "\\_SB.PCI0.ISA", "^^FOO". Segments shorter than four characters
/// are padded with '_' ("_S5" -> "_S5_"); a segment starts with A-Z or '_' and goes on with
/// A-Z, 0-9, '_'. The empty string is the NullName.
Bytes NameString(std::string_view path);

/// An integer constant in its shortest form: ZeroOp, OneOp, OnesOp (all 64 bits set), or a
/// Byte/Word/DWord/QWord prefix with little-endian data.
Bytes Integer(uint64_t value);
/// A NUL-terminated ASCII string constant (no NUL inside `text`).
Bytes String(std::string_view text);
/// The 32-bit compressed EISA ID of "PNP0303" (three letters A-Z, four hex digits), as stored.
uint32_t EisaIdValue(std::string_view id);
/// EISAID("PNP0303"): the compressed ID as a DWord integer constant.
Bytes EisaId(std::string_view id);

/// Buffer(){bytes}: its size as an Integer, then the bytes.
Bytes Buffer(std::span<const uint8_t> data);
/// Package(){elements}: at most 255 elements, each an already encoded data object.
Bytes Package(std::span<const Bytes> elements);
Bytes Package(std::initializer_list<Bytes> elements);

/// Name(name, object).
Bytes Name(std::string_view name, const Bytes& object);
/// Scope(name){body}, Device(name){body}: `body` is the concatenated terms inside.
Bytes Scope(std::string_view name, const Bytes& body);
Bytes Device(std::string_view name, const Bytes& body);
/// Method(name, arg_count, Serialized/NotSerialized){body}; arg_count 0-7.
Bytes Method(std::string_view name, unsigned arg_count, bool serialized, const Bytes& body);
/// Return(value).
Bytes Return(const Bytes& value);

/// Concatenates terms into one term list.
Bytes Concat(std::initializer_list<Bytes> parts);
void Append(Bytes& to, const Bytes& part);

/// ResourceTemplate(){...}: resource descriptors appended in order, closed by an End Tag whose
/// checksum makes the whole template sum to zero. Producer windows (WordBusNumber, DWordIo,
/// DWordMemory, QWordMemory) are what a PCI root bridge decodes for its children: ResourceProducer,
/// MinFixed, MaxFixed, PosDecode, translation 0, granularity 0, length = max - min + 1.
class ResourceTemplate {
 public:
  enum class Caching : uint8_t { kNonCacheable = 0, kCacheable = 1, kWriteCombining = 2, kPrefetchable = 3 };

  /// IO(Decode16, min, max, alignment, length).
  ResourceTemplate& Io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length);
  /// IRQNoFlags(){irqs}: ISA IRQs 0-15 (edge, active high, exclusive).
  ResourceTemplate& IrqNoFlags(std::initializer_list<unsigned> irqs);
  /// IRQ(Edge|Level, ActiveHigh|ActiveLow, Exclusive|Shared){irqs}.
  ResourceTemplate& Irq(std::initializer_list<unsigned> irqs, bool level, bool active_low, bool shared);
  /// Memory32Fixed(ReadWrite|ReadOnly, base, length).
  ResourceTemplate& Memory32Fixed(bool writable, uint32_t base, uint32_t length);
  /// WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, min, max, 0, max-min+1).
  ResourceTemplate& WordBusNumber(uint16_t min, uint16_t max);
  /// DWordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, min, max, 0, len).
  ResourceTemplate& DWordIo(uint32_t min, uint32_t max);
  /// DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, caching, ReadWrite, 0, min, max, 0, len).
  ResourceTemplate& DWordMemory(Caching caching, uint32_t min, uint32_t max);
  /// QWordMemory(...): as DWordMemory with 64-bit fields.
  ResourceTemplate& QWordMemory(Caching caching, uint64_t min, uint64_t max);

  /// The descriptors followed by the End Tag (0x79, checksum).
  Bytes Descriptors() const;
  /// The whole template as a Buffer term (what Name(_CRS, ...) takes).
  Bytes ToBuffer() const;

 private:
  void AddressSpace(uint8_t tag, uint8_t type, uint8_t type_flags, unsigned width, uint64_t min, uint64_t max);
  Bytes data_;
};

// Small resource descriptor tags (byte 0: type << 3 | length) and large ones (section 6.4).
inline constexpr uint8_t kIrqTagNoFlags = 0x22;   ///< IRQ, 2 bytes: mask
inline constexpr uint8_t kIrqTagFlags = 0x23;     ///< IRQ, 3 bytes: mask, flags
inline constexpr uint8_t kIoTag = 0x47;           ///< I/O port, 7 bytes
inline constexpr uint8_t kEndTag = 0x79;          ///< End Tag, 1 byte: checksum
inline constexpr uint8_t kMemory32FixedTag = 0x86;
inline constexpr uint8_t kDWordAddressTag = 0x87;
inline constexpr uint8_t kWordAddressTag = 0x88;
inline constexpr uint8_t kQWordAddressTag = 0x8A;
// Address space resource types.
inline constexpr uint8_t kResourceMemory = 0;
inline constexpr uint8_t kResourceIo = 1;
inline constexpr uint8_t kResourceBusNumber = 2;

}  // namespace kiln::machine::aml
