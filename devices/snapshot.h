// The binary format of device snapshots (save/restore, later record/replay): a SnapshotWriter
// appends little-endian integers, bools, byte strings and named, versioned sections; a
// SnapshotReader reads them back in the same order. Every device of devices/ has
//
//   void Save(SnapshotWriter& w) const;              // one section named after the device
//   bool Load(SnapshotReader& r, std::string& error);
//
// Fields are written one by one (never a memcpy of a struct: padding and layout differ between
// compilers), so the bytes are the same on every host. A section is
//   u8 name length, name bytes, u32 version, u32 body length, body
// so that a reader can verify that a device consumed exactly its own bytes, or skip a section it
// does not know.
//
// Snapshots are untrusted input, like guest writes. The reader is bounds-checked and its error is
// sticky: the first problem (truncated input, a wrong section name, an unsupported version, a
// field a device rejects through Fail()) is kept as a one-line message, and every later read
// returns 0, so a device's Load reads all its fields, validates them, and commits nothing unless
// the reader is still ok. Nothing in here asserts or throws on bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::devices {

class SnapshotWriter {
 public:
  void U8(uint8_t v) { bytes_.push_back(v); }
  void U16(uint16_t v) { Little(v, 2); }
  void U32(uint32_t v) { Little(v, 4); }
  void U64(uint64_t v) { Little(v, 8); }
  void I64(int64_t v) { Little(static_cast<uint64_t>(v), 8); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  /// A u32 length, then the bytes.
  void Bytes(std::span<const uint8_t> data);

  /// Opens a section (sections nest). Names are at most 255 bytes.
  void BeginSection(std::string_view name, uint32_t version);
  /// Closes the innermost section, filling in its length.
  void EndSection();

  const std::vector<uint8_t>& data() const { return bytes_; }

 private:
  void Little(uint64_t v, unsigned n);

  std::vector<uint8_t> bytes_;
  std::vector<size_t> open_;  ///< offsets of the length fields of the open sections
};

class SnapshotReader {
 public:
  /// Reads `data`, which must outlive the reader.
  explicit SnapshotReader(std::span<const uint8_t> data) : data_(data), end_(data.size()) {}

  uint8_t U8() { return static_cast<uint8_t>(Little(1)); }
  uint16_t U16() { return static_cast<uint16_t>(Little(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Little(4)); }
  uint64_t U64() { return Little(8); }
  int64_t I64() { return static_cast<int64_t>(Little(8)); }
  /// A byte that must be 0 or 1.
  bool Bool();
  /// A byte string written by SnapshotWriter::Bytes whose length must be exactly out.size().
  void Bytes(std::span<uint8_t> out);

  /// Enters the next section, which must be called `name` with a version from 1 to
  /// `max_version`. Returns that version, or 0 (and fails) otherwise.
  uint32_t BeginSection(std::string_view name, uint32_t max_version);
  /// Leaves the innermost section, which must have been read to its last byte.
  bool EndSection();
  /// Skips the next section whatever it holds; its name goes to `name` (if not null).
  bool SkipSection(std::string* name = nullptr);

  /// Records a problem (the first one wins) and stops all further reads. Devices call it for a
  /// field they reject; the message names the innermost section.
  void Fail(std::string_view message);
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  /// ok(); if not, copies the error into `error`. The last line of every Load.
  bool Finish(std::string& error) const;
  /// Every byte has been read (outside any section).
  bool AtEnd() const { return ok() && pos_ == data_.size() && sections_.empty(); }

 private:
  struct Open {
    std::string name;
    size_t end;
  };
  uint64_t Little(unsigned n);
  /// Whether `n` more bytes are inside the innermost section (or the input); fails if not.
  bool Have(size_t n);

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  size_t end_;  ///< the end of the innermost open section, or of the input
  std::vector<Open> sections_;
  std::string error_;
};

}  // namespace kiln::devices
