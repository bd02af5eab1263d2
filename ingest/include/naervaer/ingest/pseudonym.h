// Keyed pseudonyms for person identifiers: HMAC-SHA256 with a secret key, truncated to 128
// bits and prefixed, so one person gets the same pseudonym in every import made with the
// same key, and nobody without the key can go back from a pseudonym to the identifier.
// Thread-safe once constructed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace naervaer::ingest {

class Pseudonymiser {
 public:
  // The key must hold at least kMinimumKeyBytes bytes.
  explicit Pseudonymiser(std::string key);

  // Reads the key from a file (one trailing line break is not part of it). Throws
  // std::runtime_error with a one-line, actionable message when the file cannot be read or
  // the key is too short.
  static Pseudonymiser from_key_file(const std::string& path);

  // "p-" followed by 32 lowercase hex digits.
  [[nodiscard]] std::string pseudonym(std::string_view identifier) const;

  static constexpr std::size_t kMinimumKeyBytes = 16;

 private:
  std::string key_;
};

// The first `hex_digits` (at most 64) lowercase hex digits of SHA-256(data).
std::string sha256_hex(std::string_view data, std::size_t hex_digits);

}  // namespace naervaer::ingest
