// The AML byte-code builder (ACPI 6.5 chapter 20; resource descriptors section 6.4).
#include "machine/boot/aml.h"

#include <stdexcept>
#include <string>

namespace kiln::machine::aml {
namespace {

void PutLe(Bytes& out, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

bool IsLeadNameChar(char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsLeadNameChar(c) || (c >= '0' && c <= '9'); }

void AppendNameSeg(Bytes& out, std::string_view seg) {
  if (seg.empty() || seg.size() > 4 || !IsLeadNameChar(seg[0]))
    throw std::invalid_argument("aml: bad name segment '" + std::string(seg) + "'");
  for (char c : seg)
    if (!IsNameChar(c)) throw std::invalid_argument("aml: bad name segment '" + std::string(seg) + "'");
  for (size_t i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(i < seg.size() ? seg[i] : '_'));
}

/// opcode(s), PkgLength, then `body` (which already holds the name and fixed fields).
Bytes WithPkgLength(std::initializer_list<uint8_t> opcode, const Bytes& body) {
  Bytes out(opcode);
  Append(out, PkgLength(body.size()));
  Append(out, body);
  return out;
}

}  // namespace

void Append(Bytes& to, const Bytes& part) { to.insert(to.end(), part.begin(), part.end()); }

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) Append(out, p);
  return out;
}

Bytes PkgLength(size_t content_length) {
  // One byte holds 0-63 (bits 5-0). Otherwise the lead byte's bits 7-6 count the 1-3 bytes that
  // follow, its bits 3-0 are the value's low nibble and each following byte 8 more bits.
  if (content_length + 1 <= 0x3F) return {static_cast<uint8_t>(content_length + 1)};
  for (unsigned extra = 1; extra <= 3; ++extra) {
    const size_t total = content_length + 1 + extra;
    if (total < (size_t{1} << (4 + 8 * extra))) {
      Bytes out{static_cast<uint8_t>((extra << 6) | (total & 0x0F))};
      for (unsigned i = 0; i < extra; ++i) out.push_back(static_cast<uint8_t>(total >> (4 + 8 * i)));
      return out;
    }
  }
  throw std::invalid_argument("aml: package longer than PkgLength can encode");
}

Bytes NameString(std::string_view path) {
  Bytes out;
  size_t pos = 0;
  if (!path.empty() && path[0] == '\\') {
    out.push_back(kRootChar);
    pos = 1;
  } else {
    while (pos < path.size() && path[pos] == '^') out.push_back(kParentPrefix), ++pos;
  }
  std::vector<std::string_view> segs;
  while (pos < path.size()) {
    const size_t dot = path.find('.', pos);
    const size_t end = dot == std::string_view::npos ? path.size() : dot;
    segs.push_back(path.substr(pos, end - pos));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
    if (pos == path.size()) throw std::invalid_argument("aml: name ends with '.'");
  }
  if (segs.empty()) {
    out.push_back(0x00);  // NullName ("\" alone is the root itself)
  } else if (segs.size() == 2) {
    out.push_back(kDualNamePrefix);
  } else if (segs.size() > 2) {
    if (segs.size() > 255) throw std::invalid_argument("aml: name path too long");
    out.push_back(kMultiNamePrefix);
    out.push_back(static_cast<uint8_t>(segs.size()));
  }
  for (std::string_view seg : segs) AppendNameSeg(out, seg);
  return out;
}

Bytes Integer(uint64_t value) {
  if (value == 0) return {kZeroOp};
  if (value == 1) return {kOneOp};
  if (value == ~uint64_t{0}) return {kOnesOp};
  Bytes out;
  if (value <= 0xFF) {
    out.push_back(kBytePrefix), PutLe(out, value, 1);
  } else if (value <= 0xFFFF) {
    out.push_back(kWordPrefix), PutLe(out, value, 2);
  } else if (value <= 0xFFFFFFFF) {
    out.push_back(kDWordPrefix), PutLe(out, value, 4);
  } else {
    out.push_back(kQWordPrefix), PutLe(out, value, 8);
  }
  return out;
}

Bytes String(std::string_view text) {
  Bytes out{kStringPrefix};
  for (char c : text) {
    if (c == '\0' || static_cast<unsigned char>(c) > 0x7F) throw std::invalid_argument("aml: string not ASCII");
    out.push_back(static_cast<uint8_t>(c));
  }
  out.push_back(0x00);
  return out;
}

uint32_t EisaIdValue(std::string_view id) {
  auto hex = [&](char c) -> uint32_t {
    if (c >= '0' && c <= '9') return static_cast<uint32_t>(c - '0');
    if (c >= 'A' && c <= 'F') return static_cast<uint32_t>(c - 'A' + 10);
    throw std::invalid_argument("aml: bad EISA ID '" + std::string(id) + "'");
  };
  if (id.size() != 7) throw std::invalid_argument("aml: bad EISA ID '" + std::string(id) + "'");
  uint32_t big_endian = 0;
  for (int i = 0; i < 3; ++i) {
    if (id[i] < 'A' || id[i] > 'Z') throw std::invalid_argument("aml: bad EISA ID '" + std::string(id) + "'");
    big_endian |= static_cast<uint32_t>(id[i] - 0x40) << (26 - 5 * i);  // 5 bits a letter, 'A' = 1
  }
  for (int i = 3; i < 7; ++i) big_endian |= hex(id[i]) << (4 * (6 - i));
  // The ID is defined as a big-endian byte sequence; AML stores a little-endian DWord.
  return __builtin_bswap32(big_endian);
}

Bytes EisaId(std::string_view id) {
  Bytes out{kDWordPrefix};
  PutLe(out, EisaIdValue(id), 4);  // always a DWord, as iasl emits it
  return out;
}

Bytes Buffer(std::span<const uint8_t> data) {
  Bytes body = Integer(data.size());
  body.insert(body.end(), data.begin(), data.end());
  return WithPkgLength({kBufferOp}, body);
}

Bytes Package(std::span<const Bytes> elements) {
  if (elements.size() > 255) throw std::invalid_argument("aml: Package of more than 255 elements");
  Bytes body{static_cast<uint8_t>(elements.size())};
  for (const Bytes& e : elements) Append(body, e);
  return WithPkgLength({kPackageOp}, body);
}

Bytes Package(std::initializer_list<Bytes> elements) {
  return Package(std::span<const Bytes>(elements.begin(), elements.size()));
}

Bytes Name(std::string_view name, const Bytes& object) {
  Bytes out{kNameOp};
  Append(out, NameString(name));
  Append(out, object);
  return out;
}

Bytes Scope(std::string_view name, const Bytes& body) {
  return WithPkgLength({kScopeOp}, Concat({NameString(name), body}));
}

Bytes Device(std::string_view name, const Bytes& body) {
  return WithPkgLength({kExtOpPrefix, kDeviceOp}, Concat({NameString(name), body}));
}

Bytes Method(std::string_view name, unsigned arg_count, bool serialized, const Bytes& body) {
  if (arg_count > 7) throw std::invalid_argument("aml: a method takes at most 7 arguments");
  // MethodFlags: bits 2-0 ArgCount, bit 3 SerializeFlag, bits 7-4 SyncLevel (0).
  const uint8_t flags = static_cast<uint8_t>(arg_count | (serialized ? 0x08 : 0x00));
  return WithPkgLength({kMethodOp}, Concat({NameString(name), Bytes{flags}, body}));
}

Bytes Return(const Bytes& value) { return Concat({Bytes{kReturnOp}, value}); }

// --- resource templates ---

ResourceTemplate& ResourceTemplate::Io(uint16_t min, uint16_t max, uint8_t alignment, uint8_t length) {
  data_.push_back(kIoTag);
  data_.push_back(0x01);  // Decode16: the device decodes all 16 address bits
  PutLe(data_, min, 2);
  PutLe(data_, max, 2);
  data_.push_back(alignment);
  data_.push_back(length);
  return *this;
}

namespace {
uint16_t IrqMask(std::initializer_list<unsigned> irqs) {
  uint16_t mask = 0;
  for (unsigned irq : irqs) {
    if (irq > 15) throw std::invalid_argument("aml: an IRQ descriptor holds ISA IRQs 0-15");
    mask = static_cast<uint16_t>(mask | (1u << irq));
  }
  return mask;
}
}  // namespace

ResourceTemplate& ResourceTemplate::IrqNoFlags(std::initializer_list<unsigned> irqs) {
  data_.push_back(kIrqTagNoFlags);
  PutLe(data_, IrqMask(irqs), 2);
  return *this;
}

ResourceTemplate& ResourceTemplate::Irq(std::initializer_list<unsigned> irqs, bool level, bool active_low,
                                        bool shared) {
  data_.push_back(kIrqTagFlags);
  PutLe(data_, IrqMask(irqs), 2);
  // Flags: bit 0 _HE (1 = edge), bit 3 _LL (1 = active low), bit 4 _SHR.
  data_.push_back(static_cast<uint8_t>((level ? 0 : 0x01) | (active_low ? 0x08 : 0) | (shared ? 0x10 : 0)));
  return *this;
}

ResourceTemplate& ResourceTemplate::Memory32Fixed(bool writable, uint32_t base, uint32_t length) {
  data_.push_back(kMemory32FixedTag);
  PutLe(data_, 9, 2);  // length of the data that follows
  data_.push_back(writable ? 0x01 : 0x00);
  PutLe(data_, base, 4);
  PutLe(data_, length, 4);
  return *this;
}

void ResourceTemplate::AddressSpace(uint8_t tag, uint8_t type, uint8_t type_flags, unsigned width, uint64_t min,
                                    uint64_t max) {
  if (max < min) throw std::invalid_argument("aml: address window with max < min");
  data_.push_back(tag);
  PutLe(data_, 3 + 5 * width, 2);  // type, general flags, type flags, then five fields
  data_.push_back(type);
  // General flags: bit 3 _MAF (max fixed), bit 2 _MIF (min fixed), bit 1 _DEC = 0 (positive
  // decode), bit 0 = 0 (ResourceProducer: the bridge decodes this for its children).
  data_.push_back(0x0C);
  data_.push_back(type_flags);
  PutLe(data_, 0, width);        // granularity
  PutLe(data_, min, width);      // _MIN
  PutLe(data_, max, width);      // _MAX
  PutLe(data_, 0, width);        // _TRA
  PutLe(data_, max - min + 1, width);  // _LEN
}

ResourceTemplate& ResourceTemplate::WordBusNumber(uint16_t min, uint16_t max) {
  AddressSpace(kWordAddressTag, kResourceBusNumber, 0x00, 2, min, max);
  return *this;
}

ResourceTemplate& ResourceTemplate::DWordIo(uint32_t min, uint32_t max) {
  AddressSpace(kDWordAddressTag, kResourceIo, 0x03, 4, min, max);  // _RNG = EntireRange
  return *this;
}

ResourceTemplate& ResourceTemplate::DWordMemory(Caching caching, uint32_t min, uint32_t max) {
  // Type flags: bit 0 _RW (ReadWrite), bits 2-1 _MEM (caching), bits 4-3 _MTP = AddressRangeMemory.
  AddressSpace(kDWordAddressTag, kResourceMemory, static_cast<uint8_t>(0x01 | (static_cast<uint8_t>(caching) << 1)),
               4, min, max);
  return *this;
}

ResourceTemplate& ResourceTemplate::QWordMemory(Caching caching, uint64_t min, uint64_t max) {
  AddressSpace(kQWordAddressTag, kResourceMemory, static_cast<uint8_t>(0x01 | (static_cast<uint8_t>(caching) << 1)),
               8, min, max);
  return *this;
}

Bytes ResourceTemplate::Descriptors() const {
  Bytes out = data_;
  out.push_back(kEndTag);
  uint8_t sum = 0;
  for (uint8_t b : out) sum = static_cast<uint8_t>(sum + b);
  out.push_back(static_cast<uint8_t>(-sum));  // the template sums to zero
  return out;
}

Bytes ResourceTemplate::ToBuffer() const { return Buffer(Descriptors()); }

}  // namespace kiln::machine::aml
