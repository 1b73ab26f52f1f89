// SPDX-License-Identifier: MIT
#include "backend/regex_guard.h"

#include <string>
#include <vector>

#include "backend/errors.h"

namespace prefixd {

namespace {

[[noreturn]] void refuse(std::string_view attribute, const std::string& why) {
  throw NipapError(FaultCode::kValue,
                   "regular expression for '" + std::string(attribute) + "' is " + why);
}

// True when a '{' at `i` starts a bound ("{3}", "{1,}", "{2,5}"); PostgreSQL
// takes any other '{' literally.
bool is_bound(std::string_view p, std::size_t i) {
  std::size_t j = i + 1;
  bool digits = false;
  while (j < p.size() && p[j] >= '0' && p[j] <= '9') digits = true, ++j;
  if (!digits) return false;
  if (j < p.size() && p[j] == ',') {
    ++j;
    while (j < p.size() && p[j] >= '0' && p[j] <= '9') ++j;
  }
  return j < p.size() && p[j] == '}';
}

}  // namespace

void check_search_regex(std::string_view attribute, std::string_view pattern) {
  if (pattern.size() > kMaxRegexBytes) {
    refuse(attribute, "too long (" + std::to_string(pattern.size()) + " bytes; at most " +
                          std::to_string(kMaxRegexBytes) + ")");
  }
  int bounds = 0;
  // Per open group: whether it holds a counted repetition.
  std::vector<bool> groups;
  bool last_group_counted = false;  // the atom just closed was such a group
  bool in_bracket = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
      last_group_counted = false;
      continue;
    }
    if (in_bracket) {
      if (c == ']') in_bracket = false;
      continue;
    }
    bool closed_counted = false;
    if (c == '[') {
      in_bracket = true;
      // "[]...]" and "[^]...]": the first ']' is a member.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') ++i;
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') ++i;
    } else if (c == '(') {
      groups.push_back(false);
    } else if (c == ')') {
      if (!groups.empty()) {
        closed_counted = groups.back();
        groups.pop_back();
        if (closed_counted && !groups.empty()) groups.back() = true;
      }
    } else if (c == '{' && is_bound(pattern, i)) {
      if (++bounds > kMaxCountedRepetitions) {
        refuse(attribute, "too complex (more than " + std::to_string(kMaxCountedRepetitions) +
                              " counted repetitions)");
      }
      if (last_group_counted) {
        refuse(attribute, "too complex (a counted repetition of a group holding another)");
      }
      if (!groups.empty()) groups.back() = true;
      i = pattern.find('}', i);
    }
    last_group_counted = closed_counted;
  }
}

}  // namespace prefixd
