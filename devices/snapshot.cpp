// The snapshot byte format: little-endian fields, length-prefixed sections, a sticky error.
#include "devices/snapshot.h"

namespace kiln::devices {

// --- writer ---

void SnapshotWriter::Little(uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void SnapshotWriter::Bytes(std::span<const uint8_t> data) {
  U32(static_cast<uint32_t>(data.size()));
  bytes_.insert(bytes_.end(), data.begin(), data.end());
}

void SnapshotWriter::BeginSection(std::string_view name, uint32_t version) {
  if (name.size() > 255) name = name.substr(0, 255);
  U8(static_cast<uint8_t>(name.size()));
  bytes_.insert(bytes_.end(), name.begin(), name.end());
  U32(version);
  open_.push_back(bytes_.size());
  U32(0);  // the body length, filled in by EndSection
}

void SnapshotWriter::EndSection() {
  if (open_.empty()) return;  // unbalanced call: a bug in a Save, but never a crash
  const size_t at = open_.back();
  open_.pop_back();
  const auto length = static_cast<uint32_t>(bytes_.size() - at - 4);
  for (unsigned i = 0; i < 4; ++i) bytes_[at + i] = static_cast<uint8_t>(length >> (8 * i));
}

// --- reader ---

void SnapshotReader::Fail(std::string_view message) {
  if (!error_.empty()) return;
  error_ = "snapshot";
  if (!sections_.empty()) error_ += " section '" + sections_.back().name + "'";
  error_ += ": ";
  error_ += message;
}

bool SnapshotReader::Finish(std::string& error) const {
  if (ok()) return true;
  error = error_;
  return false;
}

bool SnapshotReader::Have(size_t n) {
  if (!ok()) return false;
  if (end_ - pos_ < n) {
    Fail(sections_.empty() ? "truncated input" : "field past the end of the section");
    return false;
  }
  return true;
}

uint64_t SnapshotReader::Little(unsigned n) {
  if (!Have(n)) return 0;
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint64_t{data_[pos_ + i]} << (8 * i);
  pos_ += n;
  return v;
}

bool SnapshotReader::Bool() {
  const uint8_t v = U8();
  if (v > 1) Fail("a bool that is neither 0 nor 1");
  return v == 1;
}

void SnapshotReader::Bytes(std::span<uint8_t> out) {
  const uint32_t n = U32();
  if (!ok()) return;
  if (n != out.size()) {
    Fail("a byte string of " + std::to_string(n) + " bytes where " + std::to_string(out.size()) + " belong");
    return;
  }
  if (!Have(n)) return;
  for (size_t i = 0; i < n; ++i) out[i] = data_[pos_ + i];
  pos_ += n;
}

uint32_t SnapshotReader::BeginSection(std::string_view name, uint32_t max_version) {
  std::string found;
  const size_t before = pos_;
  const uint8_t length = U8();
  if (Have(length)) {
    found.assign(reinterpret_cast<const char*>(data_.data() + pos_), length);
    pos_ += length;
  }
  const uint32_t version = U32();
  const uint32_t body = U32();
  if (!ok()) return 0;
  for (char& c : found)
    if (c < 0x20 || c > 0x7e) c = '?';  // the error stays one printable line
  if (found != name) {
    pos_ = before;
    Fail("expected section '" + std::string(name) + "', found '" + found + "'");
    return 0;
  }
  if (version == 0 || version > max_version) {
    Fail("section '" + found + "' has version " + std::to_string(version) + ", this Kiln reads 1 to " +
         std::to_string(max_version));
    return 0;
  }
  if (!Have(body)) return 0;
  sections_.push_back({found, end_});
  end_ = pos_ + body;
  return version;
}

bool SnapshotReader::EndSection() {
  if (!ok()) return false;
  if (sections_.empty()) {
    Fail("EndSection outside a section");
    return false;
  }
  if (pos_ != end_) {
    Fail(std::to_string(end_ - pos_) + " unread bytes at the end of the section");
    return false;
  }
  end_ = sections_.back().end;
  sections_.pop_back();
  return true;
}

bool SnapshotReader::SkipSection(std::string* name) {
  const uint8_t length = U8();
  std::string found;
  if (Have(length)) {
    found.assign(reinterpret_cast<const char*>(data_.data() + pos_), length);
    pos_ += length;
  }
  U32();  // version: any
  const uint32_t body = U32();
  if (!Have(body)) return false;
  pos_ += body;
  if (name) *name = std::move(found);
  return true;
}

}  // namespace kiln::devices
