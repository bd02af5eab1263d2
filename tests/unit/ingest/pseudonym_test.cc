#include "naervaer/ingest/pseudonym.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "naervaer/ingest/csv_export.h"
#include "naervaer/projections/event.h"

namespace naervaer::ingest {
namespace {

TEST(PseudonymTest, IsHmacSha256TruncatedAndPrefixed) {
  // RFC 4231 test case 2 uses a 4-byte key; test case 1 has a 20-byte key of 0x0b.
  const Pseudonymiser p(std::string(20, '\x0b'));
  EXPECT_EQ(p.pseudonym("Hi There"), "p-b0344c61d8db38535ca8afceaf0bf12b");
}

TEST(PseudonymTest, SamePersonSamePseudonymOtherKeyOtherPseudonym) {
  const Pseudonymiser a(std::string(32, 'a'));
  const Pseudonymiser a_again(std::string(32, 'a'));
  const Pseudonymiser b(std::string(32, 'b'));
  EXPECT_EQ(a.pseudonym("01010112377"), a_again.pseudonym("01010112377"));
  EXPECT_NE(a.pseudonym("01010112377"), b.pseudonym("01010112377"));
  EXPECT_NE(a.pseudonym("01010112377"), a.pseudonym("01010112378"));
  EXPECT_EQ(a.pseudonym("01010112377").find("01010112377"), std::string::npos);
}

TEST(PseudonymTest, RefusesAShortKey) {
  EXPECT_THROW(Pseudonymiser(std::string(15, 'k')), std::runtime_error);
  EXPECT_NO_THROW(Pseudonymiser(std::string(16, 'k')));
}

TEST(PseudonymTest, KeyFileWithoutItsTrailingLineBreak) {
  const auto path = std::filesystem::temp_directory_path() / "naervaer_pseudonym_test.key";
  { std::ofstream(path) << std::string(20, '\x0b') << "\n"; }
  EXPECT_EQ(Pseudonymiser::from_key_file(path.string()).pseudonym("Hi There"), "p-b0344c61d8db38535ca8afceaf0bf12b");
  std::filesystem::remove(path);
  try {
    (void)Pseudonymiser::from_key_file(path.string());
    FAIL() << "a missing key file must be refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
  }
}

TEST(PseudonymTest, Sha256MatchesTheStandardVector) {
  EXPECT_EQ(sha256_hex("abc", 64), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abc", 8), "ba7816bf");
}

TEST(SyntheticIdentityNumberTest, HasValidCheckDigitsAndTheSyntheticMonth) {
  for (int i = 0; i < 2000; ++i) {
    const std::string n = synthetic_identity_number("p" + std::to_string(i));
    ASSERT_TRUE(is_national_identity_number(n)) << n;
    const int month = std::stoi(n.substr(2, 2));
    EXPECT_GE(month, 81);
    EXPECT_LE(month, 92);
  }
  EXPECT_EQ(synthetic_identity_number("p1"), synthetic_identity_number("p1"));
}

}  // namespace
}  // namespace naervaer::ingest
