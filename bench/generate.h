// SPDX-License-Identifier: MIT
// The shape of the benchmark data set (bench/generate.cpp loads it,
// bench/scale.cpp measures against it): for N prefixes, how many VRFs,
// sites, assignments and hosts, and the names and places the benchmark
// operations aim at. Pure arithmetic, no database.
//
// Per VRF (the default VRF 0 and bench-vrf-1..V-1, rt 65000:v):
//   10.0.0.0/8 reservation (tag vrfV)
//     10.S.0.0/16 site reservations, S < sites_v4 (tag siteS; every 10th is a
//                 member of pool bench-v4-V, default length /24)
//       10.S.A.0/24 assignments, A < 200 (every 50th tagged backbone)
//         10.S.A.1/32, 10.S.A.2/32 hosts
//   2001:db8::/32 reservation (tag vrfV)
//     2001:db8:S::/48 site reservations, S < sites_v6 (every 10th in pool
//                     bench-v6-V, default length /64)
//       2001:db8:S:A::/64 assignments, A < 100
//         2001:db8:S:A::1/128 host
// and in VRF 0 only, one flat block (pool bench-flat, default length /28):
//   172.16.0.0/12 reservation
//     `flat` /28 assignments packed from 172.16.0.0 (172.31.0.0/16 stays free)
// The flat block absorbs the remainder, so the total is exactly N.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace prefixd::bench {

struct Layout {
  static constexpr int kAssignmentsPerSite4 = 200;
  static constexpr int kHostsPerAssignment4 = 2;
  static constexpr int kAssignmentsPerSite6 = 100;
  static constexpr int kHostsPerAssignment6 = 1;
  static constexpr int kPoolEvery = 10;  // every 10th site is a pool member
  static constexpr int64_t kRowsPerSite4 =
      1 + kAssignmentsPerSite4 * (1 + kHostsPerAssignment4);  // 601
  static constexpr int64_t kRowsPerSite6 =
      1 + kAssignmentsPerSite6 * (1 + kHostsPerAssignment6);  // 201
  // /28s that fit below 172.31.0.0 in 172.16.0.0/12.
  static constexpr int64_t kMaxFlat = (15 * 65536) / 16;
  static constexpr int64_t kMinPrefixes = 8000;
  static constexpr int64_t kMaxPrefixes = 2000000;

  int64_t prefixes = 0;  // N: rows in ip_net_plan
  int vrfs = 0;          // including the default VRF
  int sites_v4 = 0;      // per VRF
  int sites_v6 = 0;      // per VRF
  int64_t flat = 0;      // /28 assignments in 172.16.0.0/12

  // About 190 000 prefixes per VRF, three quarters IPv4; a twentieth of N
  // (at most 50 000) in the flat block, plus what the whole sites leave.
  static Layout for_prefixes(int64_t n) {
    if (n < kMinPrefixes || n > kMaxPrefixes) {
      throw std::invalid_argument("--prefixes must be between " + std::to_string(kMinPrefixes) +
                                  " and " + std::to_string(kMaxPrefixes) + ", got " +
                                  std::to_string(n));
    }
    Layout l;
    l.prefixes = n;
    l.vrfs = static_cast<int>(std::max<int64_t>(5, (n + 199999) / 200000));
    const int64_t per_vrf = (n - 1 - std::min<int64_t>(n / 20, 50000)) / l.vrfs;
    l.sites_v4 = static_cast<int>(std::max<int64_t>(2, per_vrf * 3 / 4 / kRowsPerSite4));
    l.sites_v6 = static_cast<int>(
        std::max<int64_t>(1, (per_vrf - 2 - l.sites_v4 * kRowsPerSite4) / kRowsPerSite6));
    l.flat = n - 1 - l.vrfs * l.rows_per_vrf();
    if (l.flat < 64 || l.flat > kMaxFlat || l.sites_v4 > 250) {
      throw std::invalid_argument("no layout for --prefixes " + std::to_string(n));
    }
    return l;
  }

  int64_t rows_per_vrf() const { return 2 + sites_v4 * kRowsPerSite4 + sites_v6 * kRowsPerSite6; }
  // Sites 0, 10, 20, ... are pool members.
  int pool_members_v4() const { return (sites_v4 + kPoolEvery - 1) / kPoolEvery; }
  int pool_members_v6() const { return (sites_v6 + kPoolEvery - 1) / kPoolEvery; }

  static std::string vrf_name(int index) { return "bench-vrf-" + std::to_string(index); }
  static std::string vrf_rt(int index) { return "65000:" + std::to_string(index); }
  static std::string pool_v4(int index) { return "bench-v4-" + std::to_string(index); }
  static std::string pool_v6(int index) { return "bench-v6-" + std::to_string(index); }
  static constexpr const char* kPoolFlat = "bench-flat";
  static constexpr const char* kFlatBlock = "172.16.0.0/12";
  static constexpr const char* kAggregate4 = "10.0.0.0/8";
  // A site that is not a pool member, in VRF 0: from-parent allocations.
  static constexpr const char* kPlainSite = "10.1.0.0/16";
  // Explicit adds go to 172.31.0.0/16: free in every layout, a child of
  // the flat block with `flat` siblings.
  static std::string explicit_leaf(int64_t i) {
    const int64_t offset = (i % 4096) * 16;
    return "172.31." + std::to_string(offset / 256) + "." + std::to_string(offset % 256) + "/28";
  }
};

// main() of the bench programs: run(argc, argv)'s status, or 2 with the
// exception's message on stderr.
inline int main_reporting_errors(const char* program, int (*run)(int, char**), int argc,
                                 char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 2;
  }
}

}  // namespace prefixd::bench
