// SPDX-License-Identifier: MIT
#include "backend/timestamp.h"

namespace prefixd {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

}  // namespace

LocalTime local_time(const Timestamp& t) {
  const int64_t local = t.seconds + t.utc_offset;
  const int64_t days = floor_div(local, 86400);
  const int64_t secs = local - days * 86400;
  // Civil date from days since 1970-01-01, in 400-year eras of 146 097 days.
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  LocalTime out;
  out.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  out.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  out.hour = static_cast<int>(secs / 3600);
  out.minute = static_cast<int>(secs % 3600 / 60);
  out.second = static_cast<int>(secs % 60);
  return out;
}

}  // namespace prefixd
