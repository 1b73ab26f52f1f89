// SPDX-License-Identifier: MIT
// XML-RPC request decoding: methodCall bodies are decoded the way nipapd's Python
// xmlrpc.client.Unmarshaller decodes them, by a port of the Unmarshaller's stack machine onto
// the system libexpat (2.5, the parser CPython uses, hence identical error texts): the same
// tag handling, value conversions and exception texts, in one pass that also enforces the
// nesting limit and refuses entity declarations (nothing legitimate needs them, and they feed
// every expat expansion and recursion bug). It is iterative, so any depth the limit admits is
// safe. The number of <value> elements is bounded too (limits.max_values).
//
// Until issue 12 a guard pass sent the bodies where xmlrpc-c 1.33.14 (Debian 12) is exact to
// xmlrpc-c, and only the rest here. Measured in one run on 2 cores (callgrind instructions in
// brackets): `version` 11.2 us [132 k] through guard + xmlrpc-c against 5.4 us [62 k] here; an
// add_prefix argument set of 50 prefixes (74 KB) 1.70-1.89 ms [25.7 M] against 0.69-0.74 ms
// [10.0 M]. xmlrpc-c bought nothing in exchange: where it is not exact it rejects (<biginteger>,
// <float>, <int> outside 32 bits, <array> without <data>, blanks in <int>), decodes differently
// (<dateTime.iso8601> text, double rounding, base64 after padding, "&#13;", <value> before
// <name> in a <member>), crashes (invalid <i8> text; ~100k nested elements) or builds structs
// in quadratic time, and its errors carry no position for Python's ExpatError texts.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/xmlrpc_codec.h"
#include "api/xmlrpc_decoder_internal.h"
#include "backend/python_text.h"

namespace prefixd::api {

namespace {

using namespace xmlrpc_detail;

class PythonUnmarshaller {
 public:
  explicit PythonUnmarshaller(const XmlRpcLimits& limits) : limits_(limits) {
    // Raw element depth: a struct level takes three elements (value, struct, member).
    const std::size_t m = limits.max_depth;
    max_elements_ = m > (std::numeric_limits<std::size_t>::max() - 16) / 4
                        ? std::numeric_limits<std::size_t>::max()
                        : 4 * m + 16;
  }

  XmlRpcCall parse(std::string_view body) {
    XML_Parser p = parser_.get();
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &PythonUnmarshaller::on_start, &PythonUnmarshaller::on_end);
    XML_SetCharacterDataHandler(p, &PythonUnmarshaller::on_data);
    XML_SetEntityDeclHandler(p, &PythonUnmarshaller::on_entity);
    parser_.parse(body);
    return close();
  }

 private:
  enum class DocType { kNone, kParams, kFault, kMethodName };

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->start(local_name(name)); });
  }
  static void XMLCALL on_end(void* self, const XML_Char* name) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] {
      --u->elements_;
      u->end(local_name(name));
    });
  }
  static void XMLCALL on_data(void* self, const XML_Char* text, int len) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_, [&] { u->data_.append(text, static_cast<std::size_t>(len)); });
  }
  static void XMLCALL on_entity(void* self, const XML_Char*, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) {
    auto* u = static_cast<PythonUnmarshaller*>(self);
    guarded(u->parser_,
            [&] { fail(u->parser_.position_text("entity declarations are not supported")); });
  }

  static bool dispatches(std::string_view tag) {
    static constexpr std::string_view kNames[] = {"nil",
                                                  "boolean",
                                                  "int",
                                                  "i1",
                                                  "i2",
                                                  "i4",
                                                  "i8",
                                                  "biginteger",
                                                  "double",
                                                  "float",
                                                  "bigdecimal",
                                                  "string",
                                                  "name",
                                                  "array",
                                                  "struct",
                                                  "base64",
                                                  "dateTime.iso8601",
                                                  "value",
                                                  "params",
                                                  "fault",
                                                  "methodName"};
    return std::find(std::begin(kNames), std::end(kNames), tag) != std::end(kNames);
  }

  void start(std::string_view tag) {
    // The limit is prefixd's (Python has none): element nesting, then value nesting.
    if (++elements_ > max_elements_) fail(limit_message(limits_.max_depth));
    // A decoded value costs far more memory than its text.
    if (tag == "value" && ++values_ > limits_.max_values) {
      fail("request holds more than " + std::to_string(limits_.max_values) +
           " values (limits.max_values)");
    }
    if (tag == "array" || tag == "struct") {
      if (marks_.size() >= limits_.max_depth) fail(limit_message(limits_.max_depth));
      marks_.push_back(stack_.size());
    }
    data_.clear();
    if (in_value_ && !dispatches(tag))
      fail("<class 'xmlrpc.client.ResponseError'>:ResponseError(" +
           py_repr("unknown tag " + py_repr(tag)) + ")");
    in_value_ = tag == "value";
  }

  void push(Value v) {
    stack_.push_back(std::move(v));
    in_value_ = false;
  }

  std::size_t pop_mark() {
    if (marks_.empty()) fail("<class 'IndexError'>:pop from empty list");
    std::size_t mark = std::min(marks_.back(), stack_.size());
    marks_.pop_back();
    return mark;
  }

  void end(std::string_view tag) {
    const std::string& data = data_;
    if (tag == "nil") {
      push(Value::nil());
    } else if (tag == "boolean") {
      if (data != "0" && data != "1") fail("<class 'TypeError'>:bad boolean value");
      push(Value::boolean(data == "1"));
    } else if (tag == "int" || tag == "i4" || tag == "i8" || tag == "i1" || tag == "i2" ||
               tag == "biginteger") {
      push(py_int(data));
    } else if (tag == "double" || tag == "float") {
      push(Value::real(py_float(data)));
    } else if (tag == "bigdecimal") {
      push(Value::real(py_decimal(data)));
    } else if (tag == "string" || tag == "name") {
      push(Value::string(data));
    } else if (tag == "array") {
      std::size_t mark = pop_mark();
      Value::Array items(
          std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(mark)),
          std::make_move_iterator(stack_.end()));
      stack_.resize(mark);
      push(Value::array(std::move(items)));
    } else if (tag == "struct") {
      end_struct();
    } else if (tag == "base64") {
      push(Value::binary(py_b64decode(data)));
    } else if (tag == "dateTime.iso8601") {
      // DateTime.decode keeps str(data).strip(); end_dateTime leaves _value alone.
      stack_.push_back(Value::datetime(std::string(py_strip(data))));
    } else if (tag == "value") {
      if (in_value_) push(Value::string(data));
    } else if (tag == "params") {
      type_ = DocType::kParams;
    } else if (tag == "fault") {
      type_ = DocType::kFault;
    } else if (tag == "methodName") {
      method_ = data;
      type_ = DocType::kMethodName;
    }
  }

  void end_struct() {
    std::size_t mark = pop_mark();
    Value::Struct members;
    for (std::size_t i = mark; i < stack_.size(); i += 2) {
      if (i + 1 >= stack_.size()) fail("<class 'IndexError'>:list index out of range");
      Value& key = stack_[i];
      switch (key.type()) {
        case Value::Type::kString:
          members.insert_or_assign(key.text(), std::move(stack_[i + 1]));
          continue;
        case Value::Type::kArray:
        case Value::Type::kStruct:
        case Value::Type::kDateTime:
        case Value::Type::kBinary:
          fail("<class 'TypeError'>:unhashable type: '" + std::string(key.python_type_name()) +
               "'");
        default:
          // Python would accept a number or None as key; a Value struct cannot hold one.
          fail("<class 'TypeError'>:dictionary key must be string");
      }
    }
    stack_.resize(mark);
    push(Value::structure(std::move(members)));
  }

  XmlRpcCall close() {
    if (type_ == DocType::kNone || !marks_.empty())
      fail("<class 'xmlrpc.client.ResponseError'>:ResponseError()");
    if (type_ == DocType::kFault) {
      // Python raises the posted Fault and the dispatcher answers with it verbatim.
      const Value* code = stack_.empty() ? nullptr : stack_[0].find("faultCode");
      const Value* text = stack_.empty() ? nullptr : stack_[0].find("faultString");
      if (code == nullptr || text == nullptr || !code->is_int() || !text->is_string() ||
          stack_[0].as_struct().size() != 2 || code->as_int() < std::numeric_limits<int>::min() ||
          code->as_int() > std::numeric_limits<int>::max())
        fail("<class 'TypeError'>:invalid fault structure");
      throw NipapError(static_cast<FaultCode>(code->as_int()), text->text());
    }
    if (!method_) fail("<class 'Exception'>:method \"None\" is not supported");
    return XmlRpcCall{std::move(*method_), std::move(stack_)};
  }

  const XmlRpcLimits& limits_;
  std::size_t max_elements_;
  std::size_t elements_ = 0;  // open elements
  std::size_t values_ = 0;    // <value> elements so far
  ExpatParser parser_;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::string data_;
  bool in_value_ = false;
  DocType type_ = DocType::kNone;
  std::optional<std::string> method_;
};

}  // namespace

XmlRpcCall parse_xmlrpc_call(std::string_view body, const XmlRpcLimits& limits) {
  return PythonUnmarshaller(limits).parse(body);
}

}  // namespace prefixd::api
