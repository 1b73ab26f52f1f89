// SPDX-License-Identifier: MIT
// prefixd-bench-xmlrpc-decode: what decoding an XML-RPC request costs. Two
// bodies: `version` (the smallest call) and an add_prefix argument set of 50
// prefixes (one array parameter holding 50 {auth, attr} structs, 74 KB). The
// median is reported in microseconds per request. (Until issue 12 it also
// timed the guard + xmlrpc-c path against the Unmarshaller port; the figures
// are in api/xmlrpc_decoder.cpp.)
//
//   prefixd-bench-xmlrpc-decode [REPETITIONS [version|add_prefix]]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/xmlrpc_codec.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace prefixd::api;

std::string version_body() {
  return "<?xml version='1.0'?>\n<methodCall>\n<methodName>version</methodName>\n<params>\n"
         "<param>\n<value><struct>\n<member>\n<name>auth</name>\n<value><struct>\n<member>\n"
         "<name>authoritative_source</name>\n<value><string>nipap</string></value>\n</member>\n"
         "</struct></value>\n</member>\n</struct></value>\n</param>\n</params>\n</methodCall>\n";
}

std::string member(const std::string& name, const std::string& value) {
  return "<member>\n<name>" + name + "</name>\n" + value + "</member>\n";
}

std::string text(const std::string& s) {
  return "<value><string>" + s + "</string></value>\n";
}

// What xmlrpc.client.dumps writes for 50 add_prefix argument structs.
std::string add_prefix_body() {
  std::string items;
  for (int i = 0; i < 50; ++i) {
    const std::string prefix = "10.1." + std::to_string(i) + ".0/24";
    const std::string attr =
        member("prefix", text(prefix)) + member("type", text("assignment")) +
        member("description", text("customer link " + std::to_string(i))) +
        member("comment", text("provisioned by the bulk loader")) +
        member("node", text("edge-router-" + std::to_string(i % 7))) +
        member("status", text("assigned")) + member("country", text("SE")) +
        member("order_id", text("ORD-" + std::to_string(100000 + i))) +
        member("vlan", "<value><int>" + std::to_string(100 + i) + "</int></value>\n") +
        member("monitor", "<value><boolean>1</boolean></value>\n") +
        member("tags", "<value><array><data>\n" + text("customer") + text("bulk") +
                           "</data></array></value>\n") +
        member("avps", "<value><struct>\n" + member("site", text("sto-" + std::to_string(i))) +
                           "</struct></value>\n") +
        member("vrf_rt", text("65000:1"));
    items += "<value><struct>\n" +
             member("auth", "<value><struct>\n" + member("authoritative_source", text("nipap")) +
                                "</struct></value>\n") +
             member("attr", "<value><struct>\n" + attr + "</struct></value>\n") +
             "</struct></value>\n";
  }
  return "<?xml version='1.0'?>\n<methodCall>\n<methodName>add_prefix</methodName>\n<params>\n"
         "<param>\n<value><array><data>\n" +
         items + "</data></array></value>\n</param>\n</params>\n</methodCall>\n";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (reps <= 0) {
    std::fprintf(stderr, "usage: %s [REPETITIONS [version|add_prefix]]\n", argv[0]);
    return 2;
  }
  const std::string only = argc > 2 ? argv[2] : "";  // "version" or "add_prefix"
  const XmlRpcLimits limits;
  const std::vector<std::pair<const char*, std::string>> bodies = {
      {"version", version_body()}, {"add_prefix x50", add_prefix_body()}};
  std::printf("%-16s %8s  %12s\n", "body", "bytes", "us/request");
  for (const auto& [label, body] : bodies) {
    if (!std::string(label).starts_with(only)) continue;
    const int n = body.size() > 10000 ? reps / 20 : reps;
    std::vector<double> times;
    for (int i = 0; i < n; ++i) {
      const auto start = Clock::now();
      const XmlRpcCall call = parse_xmlrpc_call(body, limits);
      times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (call.params.empty()) return 1;
    }
    std::printf("%-16s %8zu  %12.2f\n", label, body.size(), median(times));
  }
  return 0;
}
