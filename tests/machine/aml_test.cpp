// Tests of machine/boot/aml: the byte encodings of ACPI 6.5 chapter 20 and the resource
// descriptors of section 6.4, checked byte by byte.
#include "machine/boot/aml.h"

#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>

namespace kiln::machine::aml {
namespace {

using B = Bytes;

TEST(AmlPkgLength, OneByteUpTo63) {
  EXPECT_EQ(PkgLength(0), B({0x01}));
  EXPECT_EQ(PkgLength(62), B({0x3F}));  // 62 + its own byte = 63, the largest one-byte value
}

TEST(AmlPkgLength, TwoBytesFrom64To4095) {
  EXPECT_EQ(PkgLength(63), B({0x41, 0x04}));      // 63 + 2 = 65 = 0x041
  EXPECT_EQ(PkgLength(0xFFD), B({0x4F, 0xFF}));   // 0xFFD + 2 = 0xFFF
}

TEST(AmlPkgLength, ThreeAndFourBytes) {
  EXPECT_EQ(PkgLength(0xFFE), B({0x81, 0x00, 0x01}));         // 0xFFE + 3 = 0x1001
  EXPECT_EQ(PkgLength(0xFFFFC), B({0x8F, 0xFF, 0xFF}));       // + 3 = 0xFFFFF
  EXPECT_EQ(PkgLength(0xFFFFD), B({0xC1, 0x00, 0x00, 0x01}));  // + 4 = 0x100001
  EXPECT_EQ(PkgLength(kMaxPkgLength - 4), B({0xCF, 0xFF, 0xFF, 0xFF}));
  EXPECT_THROW(PkgLength(kMaxPkgLength - 3), std::invalid_argument);
}

TEST(AmlInteger, ShortestEncoding) {
  EXPECT_EQ(Integer(0), B({0x00}));
  EXPECT_EQ(Integer(1), B({0x01}));
  EXPECT_EQ(Integer(~uint64_t{0}), B({0xFF}));
  EXPECT_EQ(Integer(2), B({0x0A, 0x02}));
  EXPECT_EQ(Integer(0xFF), B({0x0A, 0xFF}));
  EXPECT_EQ(Integer(0x100), B({0x0B, 0x00, 0x01}));
  EXPECT_EQ(Integer(0xFFFF), B({0x0B, 0xFF, 0xFF}));
  EXPECT_EQ(Integer(0x10000), B({0x0C, 0x00, 0x00, 0x01, 0x00}));
  EXPECT_EQ(Integer(0xFFFFFFFF), B({0x0C, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(Integer(0x100000000), B({0x0E, 0, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(Integer(0xFFFFFFFFFFFFFFFE), B({0x0E, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST(AmlNameString, SegmentsPrefixesAndPadding) {
  EXPECT_EQ(NameString("_S5"), B({'_', 'S', '5', '_'}));
  EXPECT_EQ(NameString("PCI0"), B({'P', 'C', 'I', '0'}));
  EXPECT_EQ(NameString("\\_SB"), B({0x5C, '_', 'S', 'B', '_'}));
  EXPECT_EQ(NameString("\\_SB.PCI0"), B({0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0'}));
  EXPECT_EQ(NameString("\\_SB.PCI0.ISA"),
            B({0x5C, 0x2F, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'I', 'S', 'A', '_'}));
  EXPECT_EQ(NameString("^^FOO"), B({0x5E, 0x5E, 'F', 'O', 'O', '_'}));
  EXPECT_EQ(NameString(""), B({0x00}));
  EXPECT_EQ(NameString("\\"), B({0x5C, 0x00}));
}

TEST(AmlNameString, RejectsMalformedNames) {
  EXPECT_THROW(NameString("pci0"), std::invalid_argument);
  EXPECT_THROW(NameString("0ABC"), std::invalid_argument);
  EXPECT_THROW(NameString("ABCDE"), std::invalid_argument);
  EXPECT_THROW(NameString("\\_SB."), std::invalid_argument);
  EXPECT_THROW(NameString("\\_SB..PCI0"), std::invalid_argument);
  EXPECT_THROW(NameString("A-B"), std::invalid_argument);
}

TEST(AmlEisaId, CompressedLikeIasl) {
  EXPECT_EQ(EisaIdValue("PNP0303"), 0x0303D041u);
  EXPECT_EQ(EisaIdValue("PNP0A03"), 0x030AD041u);
  EXPECT_EQ(EisaIdValue("PNP0103"), 0x0301D041u);
  EXPECT_EQ(EisaId("PNP0501"), B({0x0C, 0x41, 0xD0, 0x05, 0x01}));
  EXPECT_THROW(EisaIdValue("PNP030"), std::invalid_argument);
  EXPECT_THROW(EisaIdValue("pnp0303"), std::invalid_argument);
  EXPECT_THROW(EisaIdValue("PNP03G3"), std::invalid_argument);
}

TEST(AmlData, StringBufferPackage) {
  EXPECT_EQ(String("AB"), B({0x0D, 'A', 'B', 0x00}));
  EXPECT_THROW(String(std::string_view("A\0B", 3)), std::invalid_argument);
  const B data = {1, 2, 3};
  EXPECT_EQ(Buffer(data), B({0x11, 0x06, 0x0A, 0x03, 1, 2, 3}));
  EXPECT_EQ(Package({Integer(0), Integer(7)}), B({0x12, 0x05, 0x02, 0x00, 0x0A, 0x07}));
  std::vector<B> many(256, Integer(0));
  EXPECT_THROW(Package(many), std::invalid_argument);
  many.resize(255);
  const B pkg = Package(many);
  EXPECT_EQ(pkg[0], 0x12);
  EXPECT_EQ(pkg[1] >> 6, 1);     // 255 elements + count + PkgLength > 63: two-byte PkgLength
  EXPECT_EQ(pkg[3], 255);
  EXPECT_EQ(pkg.size(), 1 + 2 + 1 + 255u);
}

TEST(AmlTerms, NameScopeDeviceMethodReturn) {
  EXPECT_EQ(Name("_UID", Integer(1)), B({0x08, '_', 'U', 'I', 'D', 0x01}));
  EXPECT_EQ(Scope("\\_SB", {}), B({0x10, 0x06, 0x5C, '_', 'S', 'B', '_'}));
  EXPECT_EQ(Device("KBD", Name("_UID", Integer(0))),
            B({0x5B, 0x82, 0x0B, 'K', 'B', 'D', '_', 0x08, '_', 'U', 'I', 'D', 0x00}));
  EXPECT_EQ(Method("_STA", 0, false, Return(Integer(0x0F))),
            B({0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xA4, 0x0A, 0x0F}));
  EXPECT_EQ(Method("_PIC", 1, true, {})[6], 0x09);  // ArgCount 1 | Serialized
  EXPECT_THROW(Method("_XX", 8, false, {}), std::invalid_argument);
}

uint8_t Sum(const B& b) { return static_cast<uint8_t>(std::accumulate(b.begin(), b.end(), 0u)); }

TEST(AmlResources, SmallDescriptors) {
  ResourceTemplate rt;
  rt.Io(0x60, 0x60, 1, 1).IrqNoFlags({1, 12}).Irq({9}, true, false, true);
  const B d = rt.Descriptors();
  const B expect_head = {0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,  // IO
                         0x22, 0x02, 0x10,                                // IRQNoFlags{1,12}
                         0x23, 0x00, 0x02, 0x10,                          // IRQ(Level,High,Shared){9}
                         0x79};
  ASSERT_EQ(d.size(), expect_head.size() + 1);
  EXPECT_TRUE(std::equal(expect_head.begin(), expect_head.end(), d.begin()));
  EXPECT_EQ(Sum(d), 0);  // the End Tag's checksum closes the template
  EXPECT_THROW(ResourceTemplate().IrqNoFlags({16}), std::invalid_argument);
  EXPECT_EQ(ResourceTemplate().Irq({3}, false, true, false).Descriptors()[3], 0x09);  // Edge, ActiveLow
}

TEST(AmlResources, Memory32FixedAndAddressSpaces) {
  const B m = ResourceTemplate().Memory32Fixed(false, 0xFED00000, 0x400).Descriptors();
  EXPECT_EQ(B(m.begin(), m.begin() + 12), B({0x86, 0x09, 0x00, 0x00, 0x00, 0x00, 0xD0, 0xFE, 0x00, 0x04, 0, 0}));

  const B bus = ResourceTemplate().WordBusNumber(0, 0xFF).Descriptors();
  EXPECT_EQ(B(bus.begin(), bus.begin() + 16),
            B({0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0x00, 0x01}));

  const B io = ResourceTemplate().DWordIo(0xD00, 0xFFFF).Descriptors();
  ASSERT_EQ(io.size(), 26u + 2);
  EXPECT_EQ(B(io.begin(), io.begin() + 6), B({0x87, 0x17, 0x00, 0x01, 0x0C, 0x03}));
  EXPECT_EQ(io[10], 0x00); EXPECT_EQ(io[11], 0x0D);       // _MIN 0xD00
  EXPECT_EQ(io[22], 0x00); EXPECT_EQ(io[23], 0xF3);       // _LEN 0xF300

  const B mem = ResourceTemplate().DWordMemory(ResourceTemplate::Caching::kCacheable, 0xA0000, 0xBFFFF).Descriptors();
  EXPECT_EQ(mem[3], 0x00);  // memory
  EXPECT_EQ(mem[5], 0x03);  // Cacheable | ReadWrite

  const B q = ResourceTemplate().QWordMemory(ResourceTemplate::Caching::kPrefetchable, 0x100000000, 0x1FFFFFFFF)
                  .Descriptors();
  ASSERT_EQ(q.size(), 46u + 2);
  EXPECT_EQ(B(q.begin(), q.begin() + 6), B({0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x07}));
  EXPECT_EQ(q[38 + 4], 0x01);  // _LEN = 0x100000000: byte 4 of the last field
  EXPECT_EQ(Sum(q), 0);
  EXPECT_THROW(ResourceTemplate().DWordIo(2, 1), std::invalid_argument);
}

TEST(AmlResources, TemplateAsBuffer) {
  const B buf = ResourceTemplate().IrqNoFlags({4}).ToBuffer();
  EXPECT_EQ(buf, B({0x11, 0x08, 0x0A, 0x05, 0x22, 0x10, 0x00, 0x79, static_cast<uint8_t>(-(0x22 + 0x10 + 0x79))}));
}

}  // namespace
}  // namespace kiln::machine::aml
