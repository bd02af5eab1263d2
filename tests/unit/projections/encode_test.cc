#include "naervaer/projections/encode.h"

#include <gtest/gtest.h>

#include "event_builders.h"
#include "naervaer/projections/decode.h"

namespace naervaer {
namespace {

Event round_trip(const Event& e) {
  EventDecoder decoder;
  const std::string json = encode_event(e);
  auto r = decoder.decode(json);
  if (auto* rej = std::get_if<Rejection>(&r)) {
    ADD_FAILURE() << reason_code(rej->reason) << ": " << rej->detail << " in " << json;
    return {};
  }
  return std::get<Event>(r);
}

TEST(EncodeTest, EveryEventTypeRoundTrips) {
  testing::EventFactory f;
  std::vector<Event> events = {
      f.unit("U1", "S", "Skole \"Nord\" \\ æøå\n"),
      f.target("U1", 2010, 93.5, 5.2),
      f.target("U1", 2011, 92),
      f.employment("p1", "m1", "U1", "2009-11-01", 33.33, "2010-12-31"),
      f.cancel_employment("p1", "m1"),
      f.doctor("p1", "a1", "2009-11-02", "2009-11-15", 50, "m1"),
      f.doctor("p1", "a2", "2009-11-02", nullptr, 100),
      f.self_certified("p1", "a3", "2010-01-04", "2010-01-05"),
      f.cancel_absence("p1", "a3"),
      f.make(MeasureSet{"t1", {"U1", "U2"}, "Ta rotta på november", "helse", testing::day("2010-11-01"), {}}),
      f.make(MeasureCancelled{"t1"}),
      f.make(FollowupRecorded{"p1", FollowupStep::kDialogueMeeting2, testing::day("2010-05-01")}),
  };
  events[2].recorded_at_ms = 1262304000123;  // milliseconds survive
  for (const Event& e : events) {
    EXPECT_EQ(round_trip(e), e) << encode_event(e);
    EXPECT_EQ(content_fingerprint(round_trip(e)), content_fingerprint(e));
  }
}

TEST(EncodeTest, PercentsAreWrittenAsShortDecimals) {
  testing::EventFactory f;
  const std::string json = encode_event(f.employment("p1", "m1", "U1", "2009-11-01", 52.5));
  EXPECT_NE(json.find(R"("fte_percent":52.5)"), std::string::npos) << json;
  EXPECT_NE(encode_event(f.target("U", 2010, 93)).find(R"("attendance_target_percent":93})"), std::string::npos);
}

TEST(EncodeTest, RecordedAtIsRfc3339Utc) {
  EXPECT_EQ(format_rfc3339_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339_utc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(parse_rfc3339_ms(format_rfc3339_utc(1262304000123)), 1262304000123);
}

}  // namespace
}  // namespace naervaer
