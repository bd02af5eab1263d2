#include "naervaer/projections/binary.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "event_builders.h"
#include "naervaer/projections/decode.h"
#include "naervaer/projections/encode.h"

namespace naervaer {
namespace {

using testing::day;

// One event of every type, each optional field both present and absent, and values at
// the edges of their ranges (negative days, large milliseconds, long and non-ASCII text).
std::vector<Event> every_shape() {
  testing::EventFactory f;
  std::vector<Event> out = {
      f.unit("kommune"),
      f.unit("helse-3", "helse", "Sjukeheim på Bø"),
      f.target("helse-3", 2026, 93.5),
      f.target("helse-3", 2009, 92, 5.2),
      f.employment("p-1f3a", "m1", "helse-3", "2009-11-01", 80),
      f.employment("p-1f3a", "m2", "helse-3", "1900-01-01", 33.33, "2199-12-31"),
      f.cancel_employment("p-1f3a", "m1"),
      f.self_certified("p-1f3a", "a1", "2010-03-31", "2010-04-06"),
      f.doctor("p-1f3a", "a2", "2009-11-02", nullptr, 50, "m2"),
      f.cancel_absence("p-1f3a", "a1"),
      f.make(MeasureSet{"t-7",
                        {"helse-3", "oppvekst-1"},
                        "Ta rotta på november",
                        "arbeidsmiljø",
                        day("2024-11-01"),
                        day("2024-11-30")}),
      f.make(MeasureSet{"t-8", {"kommune"}, "Røykfri", std::nullopt, day("2025-01-01"), std::nullopt}),
      f.make(MeasureCancelled{"t-7"}),
      f.make(FollowupRecorded{"p-1f3a", FollowupStep::kDialogueMeeting2, day("2010-05-03")}),
  };
  out.back().event_id = std::string(128, 'x');
  out.front().recorded_at_ms = -1;        // before 1970
  out[1].recorded_at_ms = 7258118399999;  // 2199-12-31T23:59:59.999Z: the last day supported
  return out;
}

TEST(BinaryEventTest, EveryEventTypeRoundTripsToAnEqualEventAndFingerprint) {
  for (const Event& e : every_shape()) {
    std::string bytes;
    append_binary(e, bytes);
    ASSERT_TRUE(is_binary_event(bytes));
    const std::optional<Event> back = decode_binary(bytes);
    ASSERT_TRUE(back.has_value()) << encode_event(e);
    EXPECT_EQ(*back, e) << encode_event(e);
    EXPECT_EQ(content_fingerprint(*back), content_fingerprint(e));
  }
}

TEST(BinaryEventTest, AJsonTextIsNeverTakenForTheBinaryForm) {
  for (const Event& e : every_shape()) EXPECT_FALSE(is_binary_event(encode_event(e)));
  EXPECT_FALSE(is_binary_event(" {}"));
  EXPECT_FALSE(is_binary_event(""));
}

TEST(BinaryEventTest, TheBinaryFormOfAnAbsenceIsLessThanHalfItsJson) {
  testing::EventFactory f;
  const Event e = f.doctor("p-5c0ffee1d2e3f4a5", "fravaer-2024-118", "2024-03-04", "2024-03-15", 60);
  std::string bytes;
  append_binary(e, bytes);
  EXPECT_LT(bytes.size() * 2, encode_event(e).size()) << bytes.size() << " vs " << encode_event(e).size();
}

TEST(BinaryEventTest, TruncatedOrOverlongBytesAreRefused) {
  for (const Event& e : every_shape()) {
    std::string bytes;
    append_binary(e, bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(decode_binary(std::string_view(bytes).substr(0, n)).has_value()) << n << " of " << bytes.size();
    }
    EXPECT_FALSE(decode_binary(bytes + '\0').has_value());
  }
}

TEST(BinaryEventTest, ValuesNoEventHasAreRefused) {
  testing::EventFactory f;
  std::string absence;
  append_binary(f.doctor("p", "a", "2010-01-01", "2010-01-02"), absence);
  // tag, type, event_id "ev-1" (length 4), recorded_at (6 bytes), employee, absence_id, kind.
  const std::size_t kind_at = 2 + 1 + 4 + 6 + 2 + 2;
  ASSERT_EQ(absence[kind_at], static_cast<char>(AbsenceKind::kDoctorCertified));
  std::string bad = absence;
  bad[kind_at] = 2;  // no third kind
  EXPECT_FALSE(decode_binary(bad).has_value());
  bad = absence;
  bad[1] = static_cast<char>(kEventTypeCount);  // no such type
  EXPECT_FALSE(decode_binary(bad).has_value());
  bad = absence;
  bad[0] = '{';
  EXPECT_FALSE(decode_binary(bad).has_value());
  // The presence byte of `to` is 0 or 1.
  bad = absence;
  const std::size_t to_at = kind_at + 1 + 3;  // kind, then `from` (days since 1970: 3 bytes)
  ASSERT_EQ(bad[to_at], 1);
  bad[to_at] = 2;
  EXPECT_FALSE(decode_binary(bad).has_value());
}

TEST(BinaryEventTest, AStoredEventIsReadInEitherFormAndDamageIsRejected) {
  EventDecoder json;
  for (const Event& e : every_shape()) {
    std::string bytes;
    append_binary(e, bytes);
    const auto from_binary = decode_stored(bytes, json);
    const auto from_json = decode_stored(encode_event(e), json);  // what older journals hold
    ASSERT_TRUE(std::holds_alternative<Event>(from_binary));
    ASSERT_TRUE(std::holds_alternative<Event>(from_json)) << encode_event(e);
    EXPECT_EQ(std::get<Event>(from_binary), e);
    EXPECT_EQ(content_fingerprint(std::get<Event>(from_json)), content_fingerprint(e));
    bytes.pop_back();
    const auto damaged = decode_stored(bytes, json);
    ASSERT_TRUE(std::holds_alternative<Rejection>(damaged));
    EXPECT_EQ(std::get<Rejection>(damaged).reason, Reason::kMalformedJson);
  }
}

TEST(BinaryEventTest, LengthsCountsAndNumbersBeyondTheInputOrTheirRangeAreRefused) {
  const auto with_tail = [](std::initializer_list<std::uint8_t> tail) {
    // A measure_cancelled with event_id "e" and recorded_at 0, then the given bytes.
    std::string b = {kBinaryEventTag, static_cast<char>(EventType::kMeasureCancelled), 1, 'e', 0};
    for (std::uint8_t t : tail) b.push_back(static_cast<char>(t));
    return b;
  };
  ASSERT_TRUE(decode_binary(with_tail({1, 'm'})).has_value());  // measure_id "m"
  // A measure_id length of 2^63: far beyond the input.
  EXPECT_FALSE(decode_binary(with_tail({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 'm'})));
  // A varint longer than ten bytes.
  EXPECT_FALSE(decode_binary(with_tail({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})));
  // A measure_set claiming a billion units in a few bytes.
  std::string many = {kBinaryEventTag, static_cast<char>(EventType::kMeasureSet), 1, 'e', 0, 1, 'm'};
  for (char c : {'\x80', '\x94', '\xeb', '\xdc', '\x03'}) many.push_back(c);
  many += std::string("\x01u\x01n\x00\x00\x00", 7);
  EXPECT_FALSE(decode_binary(many).has_value());

  testing::EventFactory f;
  const auto refused = [](Event e) {
    std::string b;
    append_binary(e, b);
    return !decode_binary(b).has_value();
  };
  Event e = f.employment("p", "m", "u", "2010-01-01", 100);
  std::get<EmploymentSet>(e.body).from = Date(std::numeric_limits<std::int32_t>::max());  // no calendar date
  EXPECT_TRUE(refused(e));
  e = f.employment("p", "m", "u", "2010-01-01", 100, "2009-12-31");  // to before from
  EXPECT_TRUE(refused(e));
  e = f.employment("p", "m", "u", "2010-01-01", 100);
  std::get<EmploymentSet>(e.body).fte = kFullPercent + 1;
  EXPECT_TRUE(refused(e));
  e = f.doctor("p", "a", "2010-01-01", "2010-01-05");
  std::get<AbsenceSet>(e.body).grade = -1;
  EXPECT_TRUE(refused(e));
  e = f.make(FollowupRecorded{"p", FollowupStep::kFollowupPlan, Date::from_ymd(2300, 1, 1)});
  EXPECT_TRUE(refused(e));
}

TEST(BinaryEventTest, RandomBytesNeverCrashTheDecoder) {
  std::mt19937 rng(7);
  std::string good;
  append_binary(every_shape()[10], good);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = good;
    for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (decode_binary(bytes)) ++decoded;  // a flipped text byte still decodes: no checksum here
  }
  EXPECT_LT(decoded, 20000);
}

}  // namespace
}  // namespace naervaer
