#include "naervaer/ingest/pseudonym.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace naervaer::ingest {

namespace {

std::string hex(const unsigned char* bytes, std::size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(digits, '0');
  for (std::size_t i = 0; i < digits; ++i) s[i] = kHex[(bytes[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF];
  return s;
}

}  // namespace

Pseudonymiser::Pseudonymiser(std::string key) : key_(std::move(key)) {
  if (key_.size() < kMinimumKeyBytes) {
    throw std::runtime_error("the pseudonym key is " + std::to_string(key_.size()) + " bytes; it must hold at least " +
                             std::to_string(kMinimumKeyBytes) + " (make one with `openssl rand -hex 32 > FILE`)");
  }
}

Pseudonymiser Pseudonymiser::from_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the pseudonym key file " + path);
  std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.ends_with("\r\n")) {
    key.resize(key.size() - 2);
  } else if (key.ends_with('\n')) {
    key.pop_back();
  }
  try {
    return Pseudonymiser(std::move(key));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::string Pseudonymiser::pseudonym(std::string_view identifier) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
           reinterpret_cast<const unsigned char*>(identifier.data()), identifier.size(), mac, &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return "p-" + hex(mac, 32);
}

std::string sha256_hex(std::string_view data, std::size_t hex_digits) {
  // Fetched once: an implicit fetch per call (EVP_sha256()) costs a provider lookup under a lock.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (sha256 == nullptr || EVP_Digest(data.data(), data.size(), digest, &length, sha256, nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex(digest, std::min<std::size_t>(hex_digits, 64));
}

}  // namespace naervaer::ingest
