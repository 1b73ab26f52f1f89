// SPDX-License-Identifier: MIT
// Points in time as the model carries them: the instant and the UTC offset
// the database session's time zone had then. Codecs format them: XML-RPC as
// NIPAP's naive wall-clock time, JSON as ISO 8601 with the offset.
#pragma once

#include <cstdint>

namespace prefixd {

struct Timestamp {
  int64_t seconds = 0;     // since 1970-01-01 00:00:00 UTC, fractions dropped
  int32_t utc_offset = 0;  // of the session's time zone at that instant, seconds east
  bool operator==(const Timestamp&) const = default;
};

// The wall-clock time of a Timestamp in its own zone (proleptic Gregorian;
// year 0 is 1 BC).
struct LocalTime {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0;
};
LocalTime local_time(const Timestamp& t);

}  // namespace prefixd
